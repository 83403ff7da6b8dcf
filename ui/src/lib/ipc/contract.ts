// The typed contract between the UI and the Rust backend: every command with its argument and
// result, every event with its payload. Only `src/lib/ipc/` implements it (tauri.ts, mock.ts,
// browser/); the rest of the UI calls `api.<command>(args)` and `api.on(<event>, handler)`.

import type {
  JoinCallArgs,
  NetworkCheckArgs,
  NotifyArgs,
  ParticipantArgs,
  PlayTestSoundArgs,
  RaiseHandArgs,
  SendChatArgs,
  SetCameraEnabledArgs,
  SetDevicesArgs,
  SetMicMutedArgs,
  StartMeetingArgs,
  StartPreviewArgs,
  TrackStarted,
  UpdateSettingArgs,
} from "../bindings";
import type {
  ActiveSpeaker,
  AppInfo,
  CallEvent,
  CallSnapshot,
  CommandError,
  DeviceChange,
  DeviceInfo,
  EncoderInfo,
  FrameSocketInfo,
  MediaEvent,
  MicLevel,
  NetworkCheck,
  NotificationAction,
  RecentRoom,
  Settings,
  StartedMeeting,
  StatsReport,
  TrackId,
} from "./types";

export * from "./types";
export type { UpdateSettingArgs } from "../bindings";

/** What a command without arguments takes. */
export type NoArgs = undefined;
/** What a command that returns Rust's `()` gives back (`null` on the wire). */
export type Unit = null;

/**
 * Commands, `name: { args; result }`. `args: NoArgs` takes no argument; `result: Unit` is `()`. On the Rust side each is a
 * `#[tauri::command] fn snake_case_name(args: ArgsStruct) -> Result<T, CommandError>`.
 */
export interface Commands {
  getAppInfo: { args: NoArgs; result: AppInfo };
  getSettings: { args: NoArgs; result: Settings };
  /** Rejects with `settingLocked` when policy sets the key. Returns every setting after. */
  updateSetting: { args: UpdateSettingArgs; result: Settings };
  listDevices: { args: NoArgs; result: DeviceInfo[] };
  listEncoders: { args: NoArgs; result: EncoderInfo[] };
  listRecentRooms: { args: NoArgs; result: RecentRoom[] };
  /** Start the camera for the pre-join self-view and the mic for its level meter. */
  startPreview: { args: StartPreviewArgs; result: TrackStarted };
  stopPreview: { args: NoArgs; result: Unit };
  /** Switch devices, before or during a call. `null` leaves that one as it is. */
  setDevices: { args: SetDevicesArgs; result: Unit };
  /**
   * Ask to join; what follows arrives as `callSnapshot`s (and the `callEvent`s behind them).
   * Rejects with `invalidLink` for a bad link.
   */
  joinCall: { args: JoinCallArgs; result: CallSnapshot };
  /** Create a room (configured server, else the embedded one) and return its links. */
  startMeeting: { args: StartMeetingArgs; result: StartedMeeting };
  leaveCall: { args: NoArgs; result: Unit };
  /** Host: end the meeting for everyone. */
  endMeeting: { args: NoArgs; result: Unit };
  admitParticipant: { args: ParticipantArgs; result: Unit };
  denyParticipant: { args: ParticipantArgs; result: Unit };
  removeParticipant: { args: ParticipantArgs; result: Unit };
  setMicMuted: { args: SetMicMutedArgs; result: Unit };
  setCameraEnabled: { args: SetCameraEnabledArgs; result: Unit };
  startScreenShare: { args: NoArgs; result: TrackStarted };
  stopScreenShare: { args: NoArgs; result: Unit };
  sendChat: { args: SendChatArgs; result: Unit };
  raiseHand: { args: RaiseHandArgs; result: Unit };
  /** The call as the backend holds it: what a reloaded UI draws first. */
  getCallSnapshot: { args: NoArgs; result: CallSnapshot };
  /**
   * The pre-join check of the target's server: it answers and accepts the link, a TURN relay
   * allocates (`turn: null` when the server has none), rough speed up and down in kbit/s.
   * Rejects with `invalidLink` for a bad target.
   */
  runNetworkCheck: { args: NetworkCheckArgs; result: NetworkCheck };
  /** Play a short chime on the speaker (null: the current one). */
  playTestSound: { args: PlayTestSoundArgs; result: Unit };
  /** The frame socket's URL and this launch's token (docs/frames.md). */
  getFrameSocket: { args: NoArgs; result: FrameSocketInfo };
  /** Show an OS notification (the shell skips it while the window has focus). */
  notify: { args: NotifyArgs; result: Unit };
}

export type CommandName = keyof Commands;
export type ArgsOf<C extends CommandName> = Commands[C]["args"];
export type ResultOf<C extends CommandName> = Commands[C]["result"];

/** Every command name, at run time (checked against `Commands` both ways). */
export const COMMAND_NAMES = [
  "getAppInfo",
  "getSettings",
  "updateSetting",
  "listDevices",
  "listEncoders",
  "listRecentRooms",
  "startPreview",
  "stopPreview",
  "setDevices",
  "joinCall",
  "startMeeting",
  "leaveCall",
  "endMeeting",
  "admitParticipant",
  "denyParticipant",
  "removeParticipant",
  "setMicMuted",
  "setCameraEnabled",
  "startScreenShare",
  "stopScreenShare",
  "sendChat",
  "raiseHand",
  "getCallSnapshot",
  "runNetworkCheck",
  "playTestSound",
  "getFrameSocket",
  "notify",
] as const satisfies readonly CommandName[];

type MissingCommand = Exclude<CommandName, (typeof COMMAND_NAMES)[number]>;
// Fails to compile when a command is added to `Commands` but not to `COMMAND_NAMES`.
export const commandListIsComplete: MissingCommand extends never ? true : MissingCommand = true;

/** Events the backend emits, `name: payload`. */
export interface Events {
  /** The call as it stands, after every change: what the UI draws. */
  callSnapshot: CallSnapshot;
  /**
   * What changed the call, sent after the `callSnapshot` it led to: for what the UI does besides
   * drawing the call (announce a knock, count a chat message, show an error).
   */
  callEvent: CallEvent;
  stats: StatsReport;
  mediaEvent: MediaEvent;
  deviceChanged: DeviceChange;
  micLevel: MicLevel;
  activeSpeaker: ActiveSpeaker;
  notification: NotificationAction;
  /** A `mulaqat://join?...` link opened from outside (deep link, `mulaqat --join URL`). */
  openLink: string;
}

export type EventName = keyof Events;

export const EVENT_NAMES = [
  "callSnapshot",
  "callEvent",
  "stats",
  "mediaEvent",
  "deviceChanged",
  "micLevel",
  "activeSpeaker",
  "notification",
  "openLink",
] as const satisfies readonly EventName[];

type MissingEvent = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
export const eventListIsComplete: MissingEvent extends never ? true : MissingEvent = true;

export type Unlisten = () => void;

/** What a frame socket implementation must offer (a browser `WebSocket` does). */
export interface FrameSocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

/** One way of reaching the backend: the Tauri shell, the in-memory mock, or the browser client. */
export interface Backend {
  readonly kind: "tauri" | "mock" | "browser";
  invoke<C extends CommandName>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Promise<Unlisten>;
  /** Open the frame socket (a real WebSocket, or the mock's fake frame source). */
  openFrameSocket(url: string): FrameSocketLike;
  /**
   * The browser client (`kind: "browser"`): the MediaStream behind a track id (the preview's
   * `local:camera`, our screen, every remote track), or null when unknown. Read it again on
   * every `trackStarted` of the track. Remote sound is played by the backend, not by tiles.
   */
  mediaStream?(track: TrackId): MediaStream | null;
}

/** Typed functions, one per command: `api.joinCall({...})`. */
export type CommandFns = {
  [C in CommandName]: [ArgsOf<C>] extends [NoArgs]
    ? () => Promise<ResultOf<C>>
    : (args: ArgsOf<C>) => Promise<ResultOf<C>>;
};

export interface Api extends CommandFns {
  readonly backend: Backend;
  /** Subscribe to an event; the returned function unsubscribes (safe to call early). */
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Unlisten;
}

export function createApi(backend: Backend): Api {
  const fns = Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      name,
      (args?: unknown) => backend.invoke(name, args as ArgsOf<typeof name>),
    ]),
  ) as unknown as CommandFns;
  return {
    ...fns,
    backend,
    on(event, handler) {
      let stopped = false;
      let unlisten: Unlisten | null = null;
      void backend.listen(event, handler).then((u) => {
        if (stopped) u();
        else unlisten = u;
      });
      return () => {
        stopped = true;
        unlisten?.();
      };
    },
  };
}

/** Whether a thrown value is a `CommandError` from the backend. */
export function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}
