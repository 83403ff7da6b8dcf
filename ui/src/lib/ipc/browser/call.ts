// The browser client's call: what `joinCall` starts and the in-call commands act on. It picks
// the media (our camera and microphone, relay-only or not, a forced codec), makes the engine and
// the runner, measures once a second, follows who speaks, and keeps the call for a reload. The
// call's snapshot (the runner's, kept with the shared reducer of ../callSnapshot.ts) goes to the UI
// as `callSnapshot` after each change, before the call or media event that made it.

import type {
  ArgsOf,
  CallSnapshot,
  CommandError,
  CommandName,
  EventName,
  Events,
  MediaEvent,
  QualityChoice,
  Settings,
  TrackId,
} from "../contract";
import { checkDisplayName } from "../../format/text";
import { reduceMedia } from "../callSnapshot";
import { decodableCodecs } from "./codecs";
import { installDebug } from "./debug";
import { MediaEngine, type EngineEnv } from "./engine";
import {
  LINK_PROBLEM_TEXT,
  joinLinkText,
  pageServer,
  parseJoinLink,
  type JoinLink,
  type PageLink,
} from "./link";
import { browserProblem, type BrowserWindow, type LocalMedia } from "./local";
import { CallRunner, type SavedCall } from "./runner";
import { SpeakerTracker, type MicMeter } from "./speaker";
import { StatsCollector, type StatsPass } from "./stats";
import { realDeviceId } from "./settings";

const CALL_KEY = "mulaqat.browser.call";

export interface CallDeps {
  win: Window;
  storage: Storage | null;
  local: LocalMedia;
  meter: MicMeter;
  settings(): Settings;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}

/** What a reload needs: the join's choices and the session's state. */
interface Kept {
  displayName: string;
  quality: QualityChoice;
  call: SavedCall;
}

const fail = (code: CommandError["code"], message: string): CommandError => ({ code, message });

const HOST_ACTIONS = {
  admitParticipant: "admit",
  denyParticipant: "deny",
  removeParticipant: "remove",
} as const;

/** Whether the server asks for relays only (`/.well-known/mulaqat` `icePolicy`, as discovery reads it). */
async function serverWantsRelay(win: Window): Promise<boolean> {
  if (typeof win.fetch !== "function") return false;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2_000);
  try {
    const res = await win.fetch("/.well-known/mulaqat", {
      credentials: "omit",
      cache: "no-store",
      signal: abort.signal,
    });
    const doc = (await res.json()) as { icePolicy?: unknown };
    // A policy this client does not know is taken as the strictest one it does.
    return doc.icePolicy !== undefined && doc.icePolicy !== null && doc.icePolicy !== "all";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export class BrowserCall {
  runner: CallRunner | null = null;
  /** The last once-a-second measurement (for the debug view). */
  last: StatsPass | null = null;
  readonly env: EngineEnv;
  private readonly relay: Promise<boolean>;
  private readonly speakers = new SpeakerTracker();
  private readonly collector = new StatsCollector();
  private timers: ReturnType<typeof setInterval>[] = [];
  private kept: Omit<Kept, "call"> | null = null;

  constructor(
    private readonly d: CallDeps,
    private link: PageLink | null,
  ) {
    const win = d.win as BrowserWindow;
    const receiver = win.RTCRtpReceiver;
    this.env = {
      Pc: win.RTCPeerConnection as typeof RTCPeerConnection,
      capabilities:
        typeof receiver?.getCapabilities === "function"
          ? (kind) => receiver.getCapabilities(kind)
          : null,
      doc: win.document,
      relayOnly: link?.relay ?? false,
      codec: link?.codec ?? null,
    };
    this.relay = link?.relay ? Promise.resolve(true) : serverWantsRelay(win);
    installDebug(win, this);
  }

  get active(): boolean {
    return this.runner?.active ?? false;
  }

  get token(): string | null {
    return this.link?.token ?? null;
  }

  setLink(link: PageLink): void {
    this.link = link;
    this.env.codec = link.codec;
    if (link.relay) this.env.relayOnly = true;
  }

  snapshot(): CallSnapshot | null {
    return this.runner ? structuredClone(this.runner.snapshot) : null;
  }

  stream(track: TrackId): MediaStream | null {
    if (track === "local:camera") return this.d.local.cameraStream;
    if (track === "local:screen") return this.d.local.screenStream;
    return this.runner?.engine.stream(track) ?? null;
  }

  resend(): void {
    this.runner?.engine.resend();
  }

  setSpeaker(id: string | null): void {
    this.runner?.engine.tracks.setSpeaker(id);
  }

  /** A media event: into the call's snapshot (screens shared apart, our share ending), then out. */
  mediaEvent(event: MediaEvent): void {
    const runner = this.runner;
    if (runner) {
      const next = reduceMedia(runner.snapshot, event);
      if (next !== runner.snapshot) {
        runner.snapshot = next;
        this.publish();
      }
    }
    this.d.emit("mediaEvent", event);
  }

  /** A page reloaded during a call comes back into it (`join.resume`); whether it does. */
  resumeAfterReload(): boolean {
    const kept = this.readKept();
    const link = this.link && parseJoinLink(joinLinkText(pageServer(this.d.win), this.link.token));
    if (!kept || !link || typeof link === "string" || browserProblem(this.d.win)) return false;
    const { call } = kept;
    call.snapshot.state = { type: "reconnecting", attempt: 1 };
    this.start(link, kept, call);
    return true;
  }

  async join(a: ArgsOf<"joinCall">): Promise<CallSnapshot> {
    if (this.active) throw fail("alreadyJoined", "you are already in a call; leave it first");
    if (a.target.type !== "link")
      throw fail("invalidLink", "the browser joins by the link it was opened with");
    const link = parseJoinLink(a.target.link);
    if (typeof link === "string") throw fail("invalidLink", LINK_PROBLEM_TEXT[link]);
    const problem = browserProblem(this.d.win);
    if (problem) throw problem;
    if (checkDisplayName(a.displayName))
      throw fail("invalidDisplayName", "the display name is not allowed");
    return this.start(link, { displayName: a.displayName, quality: a.quality }, null);
  }

  async leave(): Promise<void> {
    const runner = this.runner;
    if (!runner) throw fail("notInCall", "not in a call");
    runner.act((s, now) => s.leave(now));
    await runner.whenEnded();
    this.runner = null;
    this.keep(null);
  }

  /** The in-call commands. */
  command(name: CommandName, raw: unknown): unknown {
    const runner = this.runner;
    if (!runner?.active) throw fail("notInCall", "not in a call");
    const local = this.d.local;
    switch (name) {
      case "setMicMuted":
        local.setMicMuted((raw as ArgsOf<"setMicMuted">).muted);
        return this.setLocal({ micMuted: local.micMuted });
      case "setCameraEnabled":
        local.setCameraEnabled((raw as ArgsOf<"setCameraEnabled">).enabled);
        return this.setLocal({ cameraEnabled: local.cameraEnabled });
      case "startScreenShare":
        return local.startScreen().then(() => {
          this.setLocal({ screenSharing: true });
          return { track: "local:camera" };
        });
      case "stopScreenShare":
        local.stopScreen();
        return this.setLocal({ screenSharing: false });
      case "sendChat":
        runner.act((s) => s.chat((raw as ArgsOf<"sendChat">).text));
        return null;
      case "raiseHand": {
        const { raised } = raw as ArgsOf<"raiseHand">;
        this.keepLocal(runner, { handRaised: raised });
        runner.act((s) => s.raiseHand(raised));
        return null;
      }
      case "endMeeting":
        runner.act((s) => s.hostAction({ type: "endMeeting" }));
        return null;
      case "admitParticipant":
      case "denyParticipant":
      case "removeParticipant": {
        const { participant } = raw as ArgsOf<"admitParticipant">;
        runner.act((s) => s.hostAction({ type: HOST_ACTIONS[name], participant }));
        return null;
      }
      default:
        throw fail("internal", `${name} is not a command of the browser client`);
    }
  }

  /** The browser's own "stop sharing" ended the share. */
  screenEnded(): void {
    this.d.local.stopScreen();
    if (this.runner?.active) this.setLocal({ screenSharing: false });
    this.mediaEvent({
      type: "screenShareEnded",
      cause: "stoppedByDesktop",
      reason: "the browser stopped sharing the screen",
    });
  }

  /** Sends the UI the call as it stands (a copy: the UI may change what it is given). */
  private publish(): void {
    if (this.runner) this.d.emit("callSnapshot", structuredClone(this.runner.snapshot));
  }

  /** Takes on what the person switched, in the snapshot and for the UI. */
  private keepLocal(runner: CallRunner, change: Partial<CallSnapshot["local"]>): void {
    Object.assign(runner.snapshot.local, change);
    this.publish();
  }

  private setLocal(change: Partial<CallSnapshot["local"]>): null {
    const runner = this.runner;
    if (!runner) return null;
    this.keepLocal(runner, change);
    const local = runner.snapshot.local;
    const media = {
      audio: !local.micMuted,
      video: local.cameraEnabled,
      screen: local.screenSharing,
    };
    runner.act((s, now) => s.setMedia(now, media));
    return null;
  }

  private start(link: JoinLink, choice: Omit<Kept, "call">, saved: SavedCall | null): CallSnapshot {
    this.kept = choice;
    const local = this.d.local;
    const media = saved?.snapshot.local;
    const engine = new MediaEngine(
      this.env,
      local,
      (r) => this.runner?.input({ type: "media", report: r }),
      (e) => this.mediaEvent(e),
    );
    const runner = new CallRunner(
      {
        WebSocket: (this.d.win as BrowserWindow).WebSocket as typeof WebSocket,
        now: () => Date.now(),
      },
      link.server,
      {
        room: link.room,
        displayName: choice.displayName,
        token: link.token,
        role: null,
        media: {
          audio: !(media?.micMuted ?? false),
          video: media?.cameraEnabled ?? true,
          screen: false,
        },
        decodes: decodableCodecs(this.env.capabilities, this.env.codec),
      },
      engine,
      this.speakers,
      {
        callEvent: (e) => {
          // The runner has reduced it into its snapshot (an error changes nothing).
          if (e.type !== "error") this.publish();
          this.d.emit("callEvent", e);
        },
        activeSpeaker: (c) => c && this.d.emit("activeSpeaker", c),
        persist: (call) => this.keep(call),
      },
      saved,
    );
    engine.tracks.setSpeaker(realDeviceId(this.d.settings().speakerId.value));
    this.runner = runner;
    runner.gate = this.prepare(runner, choice.quality, saved);
    runner.start(saved);
    this.watch(runner);
    void runner.whenEnded().then(() => this.ended(runner));
    return structuredClone(runner.snapshot);
  }

  /** Our media, before the first connection opens (so the first offer carries it). */
  private async prepare(runner: CallRunner, quality: QualityChoice, saved: SavedCall | null) {
    const local = this.d.local;
    try {
      if (!local.started || quality !== local.quality) await local.start(this.choice(quality));
    } catch (e) {
      const message = (e as CommandError).message ?? String(e);
      this.d.emit("mediaEvent", { type: "error", message });
    }
    local.micMuted = !local.mic || (saved?.snapshot.local.micMuted ?? false);
    local.cameraEnabled = !!local.camera && (saved?.snapshot.local.cameraEnabled ?? true);
    local.setMicMuted(local.micMuted);
    local.setCameraEnabled(local.cameraEnabled);
    this.keepLocal(runner, { micMuted: local.micMuted, cameraEnabled: local.cameraEnabled });
    for (const kind of local.missing) this.d.emit("mediaEvent", { type: "deviceMissing", kind });
    this.d.meter.start(local.mic);
    this.env.relayOnly = this.env.relayOnly || (await this.relay);
    runner.session.media = { audio: !local.micMuted, video: local.cameraEnabled, screen: false };
  }

  private choice(quality: QualityChoice) {
    const s = this.d.settings();
    return {
      cameraId: realDeviceId(s.cameraId.value),
      microphoneId: realDeviceId(s.microphoneId.value),
      quality,
      clinicalAudio: s.clinicalAudio.value,
    };
  }

  /** Stats once a second, speaking levels ten times a second, while the call lasts. */
  private watch(runner: CallRunner): void {
    this.unwatch();
    this.timers.push(
      setInterval(() => void this.measure(runner), 1_000),
      setInterval(() => this.levels(runner), 100),
    );
  }

  private unwatch(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async measure(runner: CallRunner): Promise<void> {
    const pass = await this.collector.collect(
      runner.engine.connections(),
      runner.engine.tracks.tracks.values(),
    );
    this.last = pass;
    if (runner.active && this.runner === runner) this.d.emit("stats", pass.report);
  }

  private levels(runner: CallRunner): void {
    const now = Date.now();
    for (const t of runner.engine.tracks.tracks.values()) {
      if (t.kind !== "audio" || !t.started) continue;
      const conn = runner.engine.connections().find((c) => c.peer === t.owner);
      const receiver = conn?.peer.pc.getReceivers?.().find((r) => r.track === t.track);
      const sources = receiver?.getSynchronizationSources?.() ?? [];
      const level = Math.max(0, ...sources.map((s) => s.audioLevel ?? 0));
      const change = this.speakers.update(t.peer, level, now);
      if (change) this.d.emit("activeSpeaker", change);
    }
  }

  private ended(runner: CallRunner): void {
    if (this.runner !== runner && this.runner !== null) return;
    this.unwatch();
    this.keep(null);
    // A guest's camera goes off with the call (the light too).
    this.d.meter.stop();
    this.d.local.stop();
  }

  private keep(call: SavedCall | null): void {
    try {
      if (call && this.kept)
        this.d.storage?.setItem(CALL_KEY, JSON.stringify({ ...this.kept, call }));
      else this.d.storage?.removeItem(CALL_KEY);
    } catch {
      // Private modes may refuse: a reload then starts afresh.
    }
  }

  private readKept(): Kept | null {
    try {
      const raw = this.d.storage?.getItem(CALL_KEY);
      const kept = raw ? (JSON.parse(raw) as Kept) : null;
      return kept?.call?.session?.resume ? kept : null;
    } catch {
      return null;
    }
  }
}
