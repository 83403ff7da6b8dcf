// Who is speaking, and how loud our microphone is, in the browser client.
// `SpeakerTracker` is crates/app/src/speaker.rs in TypeScript (the same smoothing, hold and
// take-over rules): levels come from each remote audio receiver's synchronization sources, ten
// times a second, and in SFU rooms from `sfuTalking`. `MicMeter` measures the microphone before
// muting (as the desktop's level meter sits before its mute valve), ten times a second.

import type { MicLevel, ParticipantId } from "../contract";

const SPEAKING = 0.01;
const TAKE_OVER_RATIO = 1.5;
const HOLD = 1_000;
const SMOOTHING = 0.3;
const TALKING = 0.05;

/** A change of active speaker: `null` is nobody. */
export type SpeakerChange = { participant: ParticipantId | null } | null;

export class SpeakerTracker {
  private smoothed = new Map<ParticipantId, number>();
  private talkingNow = new Set<ParticipantId>();
  private current: { who: ParticipantId; since: number } | null = null;

  /** Takes one level (0..1); the new active speaker when it changes. */
  update(participant: ParticipantId, level: number, now: number): SpeakerChange {
    const l = Number.isFinite(level) ? Math.min(1, Math.max(0, level)) : 0;
    const before = this.smoothed.get(participant) ?? l;
    this.smoothed.set(participant, (1 - SMOOTHING) * before + SMOOTHING * l);
    return this.decide(now);
  }

  /** The SFU says someone started or stopped talking. */
  talking(participant: ParticipantId, talking: boolean, now: number): SpeakerChange {
    if (talking) this.talkingNow.add(participant);
    else this.talkingNow.delete(participant);
    return this.decide(now);
  }

  /** Forgets someone who left. */
  remove(participant: ParticipantId): SpeakerChange {
    this.smoothed.delete(participant);
    this.talkingNow.delete(participant);
    if (this.current?.who !== participant) return null;
    this.current = null;
    return { participant: null };
  }

  private level(who: ParticipantId): number {
    const heard = this.smoothed.get(who) ?? 0;
    return this.talkingNow.has(who) ? Math.max(heard, TALKING) : heard;
  }

  private decide(now: number): SpeakerChange {
    let loudest: { who: ParticipantId; level: number } | null = null;
    for (const who of new Set([...this.smoothed.keys(), ...this.talkingNow])) {
      const level = this.level(who);
      if (level >= SPEAKING && (!loudest || level > loudest.level)) loudest = { who, level };
    }
    const current = this.current;
    if (!current && !loudest) return null;
    if (current && loudest?.who === current.who) return null;
    if (current && loudest) {
      const stillTalking = this.level(current.who) >= SPEAKING;
      const louder = loudest.level > this.level(current.who) * TAKE_OVER_RATIO;
      if (stillTalking && (!louder || now - current.since < HOLD)) return null;
    }
    this.current = loudest ? { who: loudest.who, since: now } : null;
    return { participant: loudest?.who ?? null };
  }
}

/** The microphone's level for the meter, from a WebAudio analyser on a copy of the track. */
export class MicMeter {
  private ctx: AudioContext | null = null;
  private copy: MediaStreamTrack | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly AudioCtx: (new () => AudioContext) | undefined,
    private readonly emit: (level: MicLevel) => void,
  ) {}

  /** Measures `track` (a copy, so muting the sent track does not silence the meter). */
  start(track: MediaStreamTrack | null): void {
    this.stop();
    if (!track || !this.AudioCtx) return;
    try {
      this.ctx = new this.AudioCtx();
      this.copy = track.clone();
      this.copy.enabled = true;
      const source = this.ctx.createMediaStreamSource(new MediaStream([this.copy]));
      const analyser = this.ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      this.timer = setInterval(() => this.measure(analyser, samples), 100);
      void this.ctx.resume().catch(() => undefined);
    } catch {
      this.stop();
    }
  }

  /** Browsers start sound only after the person acts: call on a tap or a key. */
  wake(): void {
    void this.ctx?.resume().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.copy?.stop();
    this.copy = null;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }

  private measure(analyser: AnalyserNode, samples: Float32Array<ArrayBuffer>): void {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    let peak = 0;
    for (const v of samples) {
      sum += v * v;
      peak = Math.max(peak, Math.abs(v));
    }
    this.emit({ level: Math.sqrt(sum / samples.length), peak: Math.min(1, peak) });
  }
}
