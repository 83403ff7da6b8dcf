// The sound that repeats while someone waits in the lobby (a host must not miss a knock:
// notes/field.md §2 item 6). A soft two-tone chime from Web Audio; no sound file, no network.

export interface AlertOptions {
  /** Seconds between chimes. */
  everySeconds?: number;
  /** Makes the AudioContext (tests pass a fake). Null when Web Audio is missing. */
  createContext?: () => AudioContext | null;
}

function defaultContext(): AudioContext | null {
  const Ctor = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
  return Ctor ? new Ctor() : null;
}

export class KnockAlert {
  private timer: ReturnType<typeof setInterval> | null = null;
  private ctx: AudioContext | null = null;
  private waiting = false;
  private muted = false;
  /** Chimes played (for tests). */
  played = 0;

  constructor(private readonly opts: AlertOptions = {}) {}

  get ringing(): boolean {
    return this.timer !== null;
  }

  /** Someone is (or nobody is any longer) waiting. */
  setWaiting(waiting: boolean): void {
    this.waiting = waiting;
    this.update();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.update();
  }

  stop(): void {
    this.waiting = false;
    this.update();
  }

  private update(): void {
    const shouldRing = this.waiting && !this.muted;
    if (shouldRing && !this.timer) {
      this.chime();
      this.timer = setInterval(() => this.chime(), (this.opts.everySeconds ?? 4) * 1000);
    } else if (!shouldRing && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private chime(): void {
    this.played += 1;
    try {
      this.ctx ??= (this.opts.createContext ?? defaultContext)();
      const ctx = this.ctx;
      if (!ctx) return;
      if (ctx.state === "suspended") void ctx.resume();
      const start = ctx.currentTime;
      [660, 880].forEach((freq, i) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = freq;
        const t0 = start + i * 0.18;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(0.2, t0 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.16);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0);
        osc.stop(t0 + 0.17);
      });
    } catch {
      // No audio device: the card and the notification still show.
    }
  }
}
