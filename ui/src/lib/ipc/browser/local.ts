// Our own camera, microphone and shared screen in the browser: `getUserMedia` and
// `getDisplayMedia`, with the browser's failures turned into the contract's codes
// (`permissionDenied`, `insecureContext`, `browserUnsupported`, `deviceUnavailable`, ...).
// A device kind the browser has none of is not a failure: the call goes on without it and the
// backend says so (`mediaEvent {type: "deviceMissing"}`).

import type { CommandError, CommandErrorCode, DeviceKind, QualityChoice } from "../contract";

/** What to capture with. */
export interface LocalChoice {
  cameraId: string | null;
  microphoneId: string | null;
  quality: QualityChoice;
  /** Echo cancellation, noise suppression and gain control off (stethoscopes). */
  clinicalAudio: boolean;
}

export interface LocalHooks {
  /** A local track's MediaStream changed (`local:camera`, `local:screen`): tiles read it again. */
  changed(track: "local:camera" | "local:screen"): void;
  /** The tracks to send changed (camera switched, screen in the camera's place, ...). */
  sending(): void;
  /** The browser's own "stop sharing" ended the shared screen. */
  screenEnded(): void;
}

const SIZES: Record<QualityChoice, [number, number]> = {
  auto: [1280, 720],
  p360: [640, 360],
  p720: [1280, 720],
  p1080: [1920, 1080],
  p2160: [3840, 2160],
};

const fail = (code: CommandErrorCode, message: string): CommandError => ({ code, message });

/** A window with its globals (`RTCPeerConnection`, `WebSocket`, ...), which may be missing. */
export type BrowserWindow = Window & Partial<typeof globalThis>;

/** What the browser itself rules out for calls, or null (checked before anything is tried). */
export function browserProblem(win: BrowserWindow): CommandError | null {
  if (!win.isSecureContext)
    return fail(
      "insecureContext",
      "this page was not opened over https, so the browser gives it no camera or microphone",
    );
  if (typeof win.RTCPeerConnection !== "function")
    return fail("browserUnsupported", "this browser cannot make video calls (no WebRTC)");
  if (typeof win.navigator.mediaDevices?.getUserMedia !== "function")
    return fail("browserUnsupported", "this browser gives pages no camera or microphone");
  return null;
}

/** A failed `getUserMedia` or `getDisplayMedia` as a command error. */
export function mediaFailure(e: unknown, kind: "camera and microphone" | "screen"): CommandError {
  const name = (e as { name?: unknown } | null)?.name;
  const detail = String((e as { message?: unknown } | null)?.message ?? e);
  switch (name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return kind === "screen"
        ? fail("cancelled", "no screen was chosen to share")
        : fail("permissionDenied", `the browser was refused the ${kind}: ${detail}`);
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return fail("deviceUnavailable", `no ${kind} was found: ${detail}`);
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return fail("deviceUnavailable", `the ${kind} could not be started: ${detail}`);
    case "TypeError":
      return fail("browserUnsupported", `this browser cannot capture the ${kind}: ${detail}`);
    default:
      return fail("internal", `the ${kind} could not be started: ${detail}`);
  }
}

const isNotFound = (e: unknown) =>
  ["NotFoundError", "DevicesNotFoundError", "OverconstrainedError"].includes(
    String((e as { name?: unknown } | null)?.name),
  );

export class LocalMedia {
  mic: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  /** `local:camera`: the camera, or the screen while it takes the camera's place. */
  cameraStream: MediaStream | null = null;
  /** `local:screen`: the screen while it is a stream of its own (SFU rooms). */
  screenStream: MediaStream | null = null;
  micMuted = false;
  cameraEnabled = true;
  /** Kinds the browser has none of, found when capture started. */
  readonly missing = new Set<DeviceKind>();
  private screenInCamera = false;
  private choice: LocalChoice | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  /** Counts stops, so a capture that finishes after one lets its tracks go. */
  private epoch = 0;

  constructor(
    private readonly nav: Navigator,
    private readonly hooks: LocalHooks,
  ) {}

  get started(): boolean {
    return this.choice !== null;
  }

  /** The quality capture was started with. */
  get quality(): QualityChoice | null {
    return this.choice?.quality ?? null;
  }

  /** The video sent to peers and the camera publication. */
  get sentVideo(): MediaStreamTrack | null {
    return this.screenInCamera && this.screen ? this.screen : this.camera;
  }

  /** Starts (or restarts with other devices) the camera and microphone. */
  start(choice: LocalChoice): Promise<void> {
    return this.inTurn(() => this.capture(choice));
  }

  /** Switches the camera or microphone now, without renegotiating. */
  switchDevice(kind: "camera" | "microphone", deviceId: string): Promise<void> {
    return this.inTurn(() => this.switchTo(kind, deviceId));
  }

  /** Runs captures one after the other (a quick second request waits for the first). */
  private inTurn(run: () => Promise<void>): Promise<void> {
    const next = this.busy.then(run);
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async capture(choice: LocalChoice): Promise<void> {
    const epoch = this.epoch;
    const kinds = await this.presentKinds();
    // Phones open one camera at a time: the old capture goes first.
    this.release();
    const mic = kinds.has("microphone");
    const cam = kinds.has("camera");
    // Both, else what there is: a kind the list promised may not be there after all.
    const attempts = [
      [mic, cam],
      [mic, false],
      [false, cam],
    ].filter(([a, v], i) => (a || v) && (i === 0 || (mic && cam)));
    let stream: MediaStream | null = null;
    for (const [audio = false, video = false] of attempts) {
      try {
        stream = await this.nav.mediaDevices.getUserMedia(this.constraints(choice, audio, video));
        break;
      } catch (e) {
        if (!isNotFound(e)) throw mediaFailure(e, "camera and microphone");
      }
    }
    if (epoch !== this.epoch) {
      // Stopped meanwhile (the person left): nothing may stay captured.
      for (const t of stream?.getTracks() ?? []) t.stop();
      return;
    }
    this.missing.clear();
    if (!stream?.getAudioTracks().length) this.missing.add("microphone");
    if (!stream?.getVideoTracks().length) this.missing.add("camera");
    this.choice = choice;
    this.mic = stream?.getAudioTracks()[0] ?? null;
    this.camera = stream?.getVideoTracks()[0] ?? null;
    this.apply();
    this.refreshCameraStream();
    this.hooks.sending();
  }

  private async switchTo(kind: "camera" | "microphone", deviceId: string): Promise<void> {
    const choice = this.choice;
    if (!choice) return;
    const next = {
      ...choice,
      [kind === "camera" ? "cameraId" : "microphoneId"]: deviceId,
    } satisfies LocalChoice;
    const camera = kind === "camera";
    // Phones open one camera at a time: let the old one go first.
    (camera ? this.camera : this.mic)?.stop();
    let stream: MediaStream;
    try {
      stream = await this.nav.mediaDevices.getUserMedia(
        this.constraints(next, !camera, camera, true),
      );
    } catch (e) {
      await this.capture(choice).catch(() => undefined);
      throw mediaFailure(e, "camera and microphone");
    }
    this.choice = next;
    const track = (camera ? stream.getVideoTracks() : stream.getAudioTracks())[0] ?? null;
    if (camera) this.camera = track;
    else this.mic = track;
    if (track) this.missing.delete(kind);
    this.apply();
    this.refreshCameraStream();
    this.hooks.sending();
  }

  setMicMuted(muted: boolean): void {
    if (!muted && this.started && !this.mic) throw fail("noMicrophone", "there is no microphone");
    this.micMuted = muted;
    this.apply();
  }

  setCameraEnabled(enabled: boolean): void {
    if (enabled && this.started && !this.camera) throw fail("noCamera", "there is no camera");
    this.cameraEnabled = enabled;
    this.apply();
  }

  /** Asks the person for a screen to share. */
  async startScreen(): Promise<void> {
    const media = this.nav.mediaDevices as MediaDevices | undefined;
    if (typeof media?.getDisplayMedia !== "function")
      throw fail("screenShareUnavailable", "this browser cannot share a screen");
    let stream: MediaStream;
    try {
      stream = await media.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    } catch (e) {
      throw mediaFailure(e, "screen");
    }
    const track = stream.getVideoTracks()[0];
    if (!track) throw fail("screenShareUnavailable", "the browser gave no picture of the screen");
    this.stopScreen();
    track.contentHint = "detail";
    track.addEventListener("ended", () => {
      if (this.screen === track) this.hooks.screenEnded();
    });
    this.screen = track;
  }

  stopScreen(): void {
    if (!this.screen) return;
    this.screen.stop();
    this.screen = null;
    this.setScreenInCamera(false);
    this.setScreenStream(false);
  }

  /** Peer to peer: the screen takes the camera's place (for the self-view too). */
  setScreenInCamera(on: boolean): void {
    const next = on && this.screen !== null;
    if (next === this.screenInCamera) return;
    this.screenInCamera = next;
    this.refreshCameraStream();
    this.hooks.sending();
  }

  /** SFU rooms: the screen as `local:screen`, a stream of its own. */
  setScreenStream(on: boolean): void {
    const want = on && this.screen !== null;
    if (want === (this.screenStream !== null)) return;
    this.screenStream = want && this.screen ? new MediaStream([this.screen]) : null;
    this.hooks.changed("local:screen");
  }

  /** Stops every capture (one under way too). */
  stop(): void {
    this.epoch += 1;
    this.stopScreen();
    this.release();
    this.choice = null;
    this.cameraStream = null;
    this.hooks.changed("local:camera");
  }

  private release(): void {
    this.mic?.stop();
    this.camera?.stop();
    this.mic = null;
    this.camera = null;
  }

  private apply(): void {
    if (this.mic) this.mic.enabled = !this.micMuted;
    if (this.camera) this.camera.enabled = this.cameraEnabled;
  }

  private refreshCameraStream(): void {
    const video = this.sentVideo;
    this.cameraStream = video ? new MediaStream([video]) : null;
    this.hooks.changed("local:camera");
  }

  private async presentKinds(): Promise<Set<DeviceKind>> {
    try {
      const devices = await this.nav.mediaDevices.enumerateDevices();
      const kinds = new Set<DeviceKind>();
      for (const d of devices) {
        if (d.kind === "videoinput") kinds.add("camera");
        if (d.kind === "audioinput") kinds.add("microphone");
      }
      return kinds;
    } catch {
      return new Set<DeviceKind>(["camera", "microphone"]);
    }
  }

  private constraints(
    choice: LocalChoice,
    audio: boolean,
    video: boolean,
    exact = false,
  ): MediaStreamConstraints {
    const [width, height] = SIZES[choice.quality];
    const processing = !choice.clinicalAudio;
    const device = (id: string) => (exact ? { exact: id } : { ideal: id });
    return {
      audio: audio && {
        ...(choice.microphoneId ? { deviceId: device(choice.microphoneId) } : {}),
        echoCancellation: processing,
        noiseSuppression: processing,
        autoGainControl: processing,
      },
      video: video && {
        ...(choice.cameraId
          ? { deviceId: device(choice.cameraId) }
          : { facingMode: { ideal: "user" } }),
        width: { ideal: width },
        height: { ideal: height },
        frameRate: { ideal: 30 },
      },
    };
  }
}
