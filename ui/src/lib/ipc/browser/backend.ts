// The browser client's Backend: the contract's commands and events over the browser's own
// media (getUserMedia, RTCPeerConnection) and the signalling protocol spoken directly to the
// server the page came from. index.ts builds it; README-level notes are there.

import type {
  ArgsOf,
  Backend,
  CommandError,
  CommandName,
  DeviceInfo,
  EventName,
  Events,
  FrameSocketLike,
  MediaEvent,
  ResultOf,
  Settings,
  TrackId,
  Unlisten,
} from "../contract";
import { emptySnapshot } from "../callSnapshot";
import { BrowserCall, type CallDeps } from "./call";
import { publicationPeer } from "./engine";
import { browserProblem, LocalMedia } from "./local";
import { pageServer, takePageLink, joinLinkText, type PageLink } from "./link";
import { MicMeter } from "./speaker";
import { deviceChanges, listDevices, loadSettings, realDeviceId, updateSetting } from "./settings";
import { playTone } from "./tone";

export const BROWSER_VERSION = "0.1.0-browser";

const fail = (code: CommandError["code"], message: string): CommandError => ({ code, message });

/** `trackStarted` of one of our own tracks: ours (no participant), the camera or the screen. */
function localTrackStarted(track: "local:camera" | "local:screen"): MediaEvent {
  const screen = track === "local:screen";
  return {
    type: "trackStarted",
    track,
    // The preview of the screen we publish is told under that publication, as the desktop does.
    peer: screen ? publicationPeer("screen").name : "local",
    kind: "video",
    origin: { participant: null, source: screen ? "screen" : "camera" },
  };
}

export class BrowserBackend implements Backend {
  readonly kind = "browser";
  readonly link: PageLink | null;
  settings: Settings;
  readonly local: LocalMedia;
  readonly meter: MicMeter;
  readonly call: BrowserCall;
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private pendingLink: string | null = null;
  private devices: DeviceInfo[] = [];

  constructor(readonly win: Window) {
    const storage = sessionStorageOf(win);
    this.settings = loadSettings(win.location.origin, storage);
    this.link = takePageLink(win);
    this.local = new LocalMedia(win.navigator, {
      changed: (track) => this.localChanged(track),
      sending: () => this.call.resend(),
      screenEnded: () => void this.call.screenEnded(),
    });
    const AudioCtx = (win as Window & { AudioContext?: new () => AudioContext }).AudioContext;
    this.meter = new MicMeter(AudioCtx, (level) => this.emit("micLevel", level));
    const deps: CallDeps = {
      win,
      storage,
      local: this.local,
      meter: this.meter,
      settings: () => this.settings,
      emit: (event, payload) => this.emit(event, payload),
    };
    this.call = new BrowserCall(deps, this.link);
    const resumed = this.call.resumeAfterReload();
    if (this.link && !resumed) this.pendingLink = joinLinkText(pageServer(win), this.link.token);
    win.addEventListener("hashchange", () => this.hashChanged());
    win.navigator.mediaDevices?.addEventListener?.(
      "devicechange",
      () => void this.refreshDevices(),
    );
    win.addEventListener("pointerdown", () => this.meter.wake());
  }

  // ─────────────────────────── Backend ───────────────────────────

  async invoke<C extends CommandName>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    return (await this.handle(command, args)) as ResultOf<C>;
  }

  async listen<E extends EventName>(
    event: E,
    handler: (payload: Events[E]) => void,
  ): Promise<Unlisten> {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    if (event === "openLink" && this.pendingLink !== null) {
      const link = this.pendingLink;
      this.pendingLink = null;
      setTimeout(() => (handler as (l: string) => void)(link), 0);
    }
    return () => void set.delete(handler as (payload: never) => void);
  }

  /** There is no frame socket in a browser: video comes as MediaStreams (`mediaStream`). */
  openFrameSocket(_url: string): FrameSocketLike {
    throw new Error("the browser client has no frame socket; use mediaStream(track)");
  }

  /** The MediaStream behind a track id (preview, our camera and screen, every remote one). */
  mediaStream(track: TrackId): MediaStream | null {
    return this.call.stream(track);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const h of this.listeners.get(event) ?? []) (h as (p: Events[E]) => void)(payload);
  }

  // ─────────────────────────── commands ───────────────────────────

  private async handle(command: CommandName, raw: unknown): Promise<unknown> {
    switch (command) {
      case "getAppInfo":
        return {
          version: BROWSER_VERSION,
          platform: "browser",
          embeddedServer: false,
          screenShare: typeof this.win.navigator.mediaDevices?.getDisplayMedia === "function",
          frameProtocol: 0,
          openLink: null,
        };
      case "getSettings":
        return structuredClone(this.settings);
      case "updateSetting":
        return this.updateSetting(raw as ArgsOf<"updateSetting">);
      case "listDevices":
        return this.refreshDevices();
      case "listEncoders":
      case "listRecentRooms":
        return [];
      case "startPreview":
        return this.startPreview(raw as ArgsOf<"startPreview">);
      case "stopPreview":
        if (!this.call.active) this.stopLocal();
        return null;
      case "setDevices":
        return this.setDevices(raw as ArgsOf<"setDevices">);
      case "joinCall":
        return this.call.join(raw as ArgsOf<"joinCall">);
      case "leaveCall":
        await this.call.leave();
        this.stopLocal();
        return null;
      case "getCallSnapshot":
        return this.call.snapshot() ?? emptySnapshot();
      case "playTestSound":
        return playTone(this.win, realDeviceId((raw as ArgsOf<"playTestSound">).speakerId));
      case "notify":
        return null;
      case "startMeeting":
        throw fail(
          "forbidden",
          "meetings are started from the Mulaqat app; the browser joins by link",
        );
      case "runNetworkCheck":
        throw fail("internal", "the network check is part of the Mulaqat app");
      case "getFrameSocket":
        throw fail(
          "internal",
          "the browser client has no frame socket; video comes as MediaStreams",
        );
      default:
        return this.call.command(command, raw);
    }
  }

  private updateSetting(change: ArgsOf<"updateSetting">): Settings {
    const result = updateSetting(this.settings, change, sessionStorageOf(this.win));
    if ("code" in result) throw result;
    this.settings = result;
    if (change.key === "speakerId") this.call.setSpeaker(realDeviceId(change.value));
    return structuredClone(result);
  }

  private async startPreview(a: ArgsOf<"startPreview">): Promise<{ track: string }> {
    const problem = browserProblem(this.win);
    if (problem) throw problem;
    if (this.call.active) return { track: "local:camera" };
    await this.local.start({
      cameraId: realDeviceId(a.cameraId ?? this.settings.cameraId.value),
      microphoneId: realDeviceId(a.microphoneId ?? this.settings.microphoneId.value),
      quality: this.settings.quality.value,
      clinicalAudio: this.settings.clinicalAudio.value,
    });
    this.meter.start(this.local.mic);
    for (const kind of this.local.missing) this.emit("mediaEvent", { type: "deviceMissing", kind });
    void this.refreshDevices(); // names appear once the page may use the devices
    return { track: "local:camera" };
  }

  private async setDevices(a: ArgsOf<"setDevices">): Promise<null> {
    const { cameraId, microphoneId, speakerId } = a;
    if (cameraId !== null) this.settings.cameraId.value = cameraId;
    if (microphoneId !== null) this.settings.microphoneId.value = microphoneId;
    if (speakerId !== null) {
      this.settings.speakerId.value = speakerId;
      this.call.setSpeaker(realDeviceId(speakerId));
    }
    const camera = realDeviceId(cameraId);
    const mic = realDeviceId(microphoneId);
    if (camera && this.local.started) await this.local.switchDevice("camera", camera);
    if (mic && this.local.started) {
      await this.local.switchDevice("microphone", mic);
      this.meter.start(this.local.mic);
    }
    return null;
  }

  private async refreshDevices(): Promise<DeviceInfo[]> {
    const now = await listDevices(this.win.navigator.mediaDevices);
    const before = this.devices;
    this.devices = now;
    if (before.length)
      for (const change of deviceChanges(before, now)) this.emit("deviceChanged", change);
    return structuredClone(now);
  }

  private stopLocal(): void {
    this.meter.stop();
    this.local.stop();
  }

  private localChanged(track: "local:camera" | "local:screen"): void {
    const on = this.local[track === "local:camera" ? "cameraStream" : "screenStream"] !== null;
    // The desktop engine tells of `local:screen` only; `local:camera` changing here (a new
    // camera, the screen in its place) is told too, so tiles read the new stream.
    if (on) this.call.mediaEvent(localTrackStarted(track));
    else this.call.mediaEvent({ type: "trackEnded", track });
  }

  private hashChanged(): void {
    const link = takePageLink(this.win);
    if (!link || link.token === this.call.token) return;
    this.call.setLink(link);
    const text = joinLinkText(pageServer(this.win), link.token);
    if (this.listeners.get("openLink")?.size) this.emit("openLink", text);
    else this.pendingLink = text;
  }
}

export function sessionStorageOf(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}
