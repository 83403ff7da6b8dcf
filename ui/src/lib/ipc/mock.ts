// An in-memory backend for development, unit tests and browser tests: answers every command,
// emits the events a real call would, each call and media event after the call snapshot it led to
// (the shared reducer, callSnapshot.ts), and follows a scripted scenario (mockScenarios.ts).
// The call survives a page reload (sessionStorage), as the real call lives in the Rust process.

import type {
  ArgsOf,
  Backend,
  CallEvent,
  CallSnapshot,
  CallState,
  CommandError,
  CommandErrorCode,
  CommandName,
  DeviceInfo,
  EventName,
  Events,
  FrameSocketLike,
  MediaEvent,
  MediaSource,
  ParticipantInfo,
  ResultOf,
  Role,
  Settings,
  TrackId,
} from "./contract";
import { SnapshotKeeper, emptySnapshot } from "./callSnapshot";
import { FakeFrameSocket } from "./mockFrames";
import { MockCall } from "./mockCall";
import { findScenario, type Scenario } from "./mockScenarios";
import {
  checkChatText,
  checkDisplayName,
  looksLikeJoinLink,
  looksLikeRoomCode,
} from "../format/text";

export const MOCK_DEVICES: DeviceInfo[] = [
  {
    id: "v4l2:/dev/video0",
    name: "Logitech BRIO 4K",
    kind: "camera",
    modes: [
      { width: 3840, height: 2160, fps: 30, format: "mjpeg" },
      { width: 1920, height: 1080, fps: 60, format: "mjpeg" },
      { width: 1280, height: 720, fps: 30, format: "nv12" },
    ],
    isTest: false,
  },
  {
    id: "v4l2:/dev/video2",
    name: "Document camera",
    kind: "camera",
    modes: [{ width: 1920, height: 1080, fps: 30, format: "mjpeg" }],
    isTest: false,
  },
  {
    id: "pulse:mic-usb",
    name: "Jabra Speak 510 Microphone",
    kind: "microphone",
    modes: [],
    isTest: false,
  },
  {
    id: "pulse:mic-steth",
    name: "Digital stethoscope (USB audio)",
    kind: "microphone",
    modes: [],
    isTest: false,
  },
  { id: "pulse:spk-usb", name: "Jabra Speak 510", kind: "speaker", modes: [], isTest: false },
  {
    id: "pulse:spk-hdmi",
    name: "HDMI monitor speakers",
    kind: "speaker",
    modes: [],
    isTest: false,
  },
];

export interface MockOptions {
  scenario?: string | null;
  /** Delay before each command answers. */
  latencyMs?: number;
  /** Where the call is kept across reloads; null keeps nothing. */
  storage?: Storage | null;
  /** Whether OS notifications are allowed (the shell decides; the mock records). */
}

function fail(code: CommandErrorCode, message: string): CommandError {
  return { code, message };
}

const STORAGE_KEY = "mulaqat.mock.call";

/** What a reloaded page picks the call up from. */
interface Saved {
  call: ReturnType<MockCall["save"]>;
  snapshot: CallSnapshot;
}

export class MockBackend implements Backend {
  readonly kind = "mock";
  readonly scenario: Scenario;
  /** Every command received, in order (tests and e2e read it). */
  readonly calls: { command: CommandName; args: unknown }[] = [];
  readonly notifications: ArgsOf<"notify">[] = [];
  readonly call: MockCall;
  /** The call as the UI is sent it. */
  private keeper = this.keep(emptySnapshot());
  settings: Settings;
  devices: DeviceInfo[] = MOCK_DEVICES.map((d) => ({ ...d }));
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly latencyMs: number;
  private readonly storage: Storage | null;
  private previewing = false;
  private micTimer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: MockOptions = {}) {
    this.scenario = findScenario(opts.scenario);
    this.latencyMs = opts.latencyMs ?? 40;
    this.storage = opts.storage === undefined ? null : opts.storage;
    this.settings = this.initialSettings();
    this.call = new MockCall(this.scenario, {
      emit: (event, payload) => this.emit(event, payload),
      local: (change) => this.keeper.setLocal(change),
      changed: () => this.persist(),
      selfName: () => this.settings.displayName.value || "You",
    });
    this.restore();
  }

  private initialSettings(): Settings {
    const s: Settings = {
      serverUrl: { value: null, locked: false },
      displayName: { value: "", locked: false },
      cameraId: { value: "v4l2:/dev/video0", locked: false },
      microphoneId: { value: "pulse:mic-usb", locked: false },
      speakerId: { value: "pulse:spk-usb", locked: false },
      quality: { value: "auto", locked: false },
      encoderPreference: { value: "auto", locked: false },
      clinicalAudio: { value: false, locked: false },
      language: { value: "system", locked: false },
      launchAtLogin: { value: false, locked: false },
      knockSound: { value: true, locked: false },
    };
    for (const [key, value] of Object.entries(this.scenario.locked ?? {})) {
      (s as Record<string, { value: unknown; locked: boolean }>)[key] = { value, locked: true };
    }
    return s;
  }

  // ─────────────────────────── Backend ───────────────────────────

  async invoke<C extends CommandName>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    this.calls.push({ command, args });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    return (await this.handle(command, args)) as ResultOf<C>;
  }

  async listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void) {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => void set.delete(handler as (payload: never) => void);
  }

  openFrameSocket(url: string): FrameSocketLike {
    return new FakeFrameSocket(url, (track) => this.picture(track));
  }

  /** Emits an event as the app does: a call or media event after the snapshot it changed. */
  emit<E extends EventName>(event: E, payload: Events[E]): void {
    if (event === "callEvent") this.keeper.applyCall(payload as CallEvent);
    if (event === "mediaEvent") this.keeper.applyMedia(payload as MediaEvent);
    this.deliver(event, payload);
  }

  private deliver<E extends EventName>(event: E, payload: Events[E]): void {
    for (const h of this.listeners.get(event) ?? []) (h as (p: Events[E]) => void)(payload);
  }

  /** A keeper of `snapshot` that sends each change to the UI and keeps it for a reload. */
  private keep(snapshot: CallSnapshot): SnapshotKeeper {
    return new SnapshotKeeper((s) => {
      this.deliver("callSnapshot", s);
      this.persist();
    }, snapshot);
  }

  /** Commands received with this name. */
  callsOf<C extends CommandName>(command: C): ArgsOf<C>[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args as ArgsOf<C>);
  }

  /** Stop every timer (tests' cleanup). */
  dispose(): void {
    this.call.stopTimers();
    this.stopMic();
  }

  // ─────────────────────────── commands ───────────────────────────

  private async handle(command: CommandName, rawArgs: unknown): Promise<unknown> {
    const call = this.call;
    switch (command) {
      case "getAppInfo":
        return {
          version: "0.1.0-mock",
          platform: "browser",
          embeddedServer: this.settings.serverUrl.value === null,
          screenShare: (this.scenario.screenShare ?? true) !== false,
          frameProtocol: 1,
          openLink: null,
        };
      case "getSettings":
        return structuredClone(this.settings);
      case "updateSetting": {
        const { key, value } = rawArgs as ArgsOf<"updateSetting">;
        const current = this.settings[key];
        if (current.locked) throw fail("settingLocked", `${key} is set by machine policy`);
        (current as { value: unknown }).value = value;
        return structuredClone(this.settings);
      }
      case "listDevices":
        return structuredClone(this.devices);
      case "listEncoders":
        return [
          { element: "vah264enc", codec: "h264", hardware: true, available: true },
          { element: "vah265enc", codec: "h265", hardware: true, available: true },
          { element: "nvh264enc", codec: "h264", hardware: true, available: false },
          { element: "x264enc", codec: "h264", hardware: false, available: true },
          { element: "vp8enc", codec: "vp8", hardware: false, available: true },
        ];
      case "listRecentRooms":
        return [
          {
            label: "ward-7-visits",
            server: "meet.hospital.example",
            target: {
              type: "recent",
              server: "https://meet.hospital.example",
              room: "ward-7-visits",
            },
            lastJoinedAt: Date.now() - 86_400_000,
          },
          {
            label: "daily-command",
            server: "meet.health.gov.example",
            target: {
              type: "recent",
              server: "https://meet.health.gov.example",
              room: "daily-command",
            },
            lastJoinedAt: Date.now() - 3 * 86_400_000,
          },
        ];
      case "startPreview": {
        this.previewing = true;
        this.startMic();
        return { track: "local:camera" };
      }
      case "stopPreview":
        this.previewing = false;
        if (!call.active) this.stopMic();
        return null;
      case "setDevices": {
        const a = rawArgs as ArgsOf<"setDevices">;
        if (a.cameraId !== null) this.settings.cameraId.value = a.cameraId;
        if (a.microphoneId !== null) this.settings.microphoneId.value = a.microphoneId;
        if (a.speakerId !== null) this.settings.speakerId.value = a.speakerId;
        return null;
      }
      case "joinCall": {
        const a = rawArgs as ArgsOf<"joinCall">;
        if (checkDisplayName(a.displayName))
          throw fail("invalidDisplayName", "the display name is not allowed");
        let role: Role = this.scenario.role;
        if (a.target.type === "link") {
          if (!looksLikeJoinLink(a.target.link)) {
            throw fail(
              "invalidLink",
              "this is not a Mulaqat join link (it should start with mulaqat://join?)",
            );
          }
          if (a.target.link.includes("role=guest")) role = "guest";
        } else if (a.target.type === "roomCode" && !looksLikeRoomCode(a.target.roomCode)) {
          throw fail("invalidLink", "a room code is letters, digits, dots, dashes and underscores");
        }
        if (call.active) throw fail("alreadyJoined", "already in a call");
        this.startMic();
        const room =
          a.target.type === "roomCode"
            ? a.target.roomCode
            : a.target.type === "recent"
              ? a.target.room
              : "mock-room";
        // A snapshot for this call, as the app keeps one per call: its room, and our choices.
        this.keeper = this.keep({ ...emptySnapshot(), room, local: this.keeper.snapshot.local });
        call.join(a.displayName.trim(), role);
        return this.keeper.snapshot;
      }
      case "startMeeting": {
        const room = `room-${Math.random().toString(36).slice(2, 8)}`;
        const server = encodeURIComponent(
          this.settings.serverUrl.value ?? "ws://127.0.0.1:7878/ws",
        );
        return {
          room,
          hostLink: `mulaqat://join?server=${server}&token=mock-host-${room}&role=host`,
          guestLink: `mulaqat://join?server=${server}&token=mock-guest-${room}&role=guest`,
          roomCode: room,
          server: this.settings.serverUrl.value ? "configured" : "embedded",
        };
      }
      case "leaveCall":
        call.end({ type: "left" });
        this.stopMic();
        return null;
      case "endMeeting":
        if (!call.isHost) throw fail("forbidden", "only a host can end the meeting");
        call.end({ type: "meetingEnded" });
        this.stopMic();
        return null;
      case "admitParticipant":
      case "denyParticipant":
      case "removeParticipant": {
        const { participant } = rawArgs as ArgsOf<"admitParticipant">;
        if (!call.isHost) throw fail("forbidden", "only a host can do that");
        const ok =
          command === "admitParticipant"
            ? call.admit(participant)
            : command === "denyParticipant"
              ? call.deny(participant)
              : call.remove(participant);
        if (!ok) throw fail("unknownParticipant", "no such participant");
        return null;
      }
      case "setMicMuted":
        call.setLocal({ micMuted: (rawArgs as ArgsOf<"setMicMuted">).muted });
        return null;
      case "setCameraEnabled":
        call.setLocal({ cameraEnabled: (rawArgs as ArgsOf<"setCameraEnabled">).enabled });
        return null;
      case "startScreenShare":
        if (this.scenario.screenShare === false)
          throw fail("screenShareUnavailable", "screen sharing is not available");
        if (this.scenario.screenShare === "cancelled")
          throw fail("cancelled", "no screen was chosen to share");
        call.setLocal({ screenSharing: true });
        return { track: "local:screen" };
      case "stopScreenShare":
        call.setLocal({ screenSharing: false });
        return null;
      case "sendChat": {
        const { text } = rawArgs as ArgsOf<"sendChat">;
        if (checkChatText(text))
          throw fail("invalidText", "the message is empty, too long or has control characters");
        if (!call.inCall) throw fail("notJoined", "not in a call");
        call.chatFromSelf(text.trim());
        return null;
      }
      case "raiseHand":
        call.setLocal({ handRaised: (rawArgs as ArgsOf<"raiseHand">).raised });
        return null;
      case "getCallSnapshot":
        return this.keeper.snapshot;
      case "runNetworkCheck": {
        const { target } = rawArgs as ArgsOf<"runNetworkCheck">;
        if (target.type === "link" && !looksLikeJoinLink(target.link))
          throw fail(
            "invalidLink",
            "this is not a Mulaqat join link (it should start with mulaqat://join?)",
          );
        if (target.type === "roomCode" && !looksLikeRoomCode(target.roomCode))
          throw fail("invalidLink", "a room code is letters, digits, dots, dashes and underscores");
        await new Promise((r) => setTimeout(r, 600));
        const refuse = this.scenario.refuse;
        if (refuse)
          return {
            server: { ok: false, ms: null, detail: refuse.message, problem: "linkRefused" },
            turn: null,
            uplinkKbps: null,
            downlinkKbps: null,
          };
        const poor = call.network === "poor";
        return {
          server: { ok: true, ms: poor ? 420 : 38, detail: null, problem: null },
          turn: poor
            ? {
                ok: false,
                ms: null,
                detail:
                  "no answer from the relay: UDP may be blocked on this network; TURN over TCP or TLS on port 443 is needed (ask IT)",
                problem: "relayNoUdp",
              }
            : { ok: true, ms: 55, detail: null, problem: null },
          uplinkKbps: poor ? 600 : 9_500,
          downlinkKbps: poor ? 1_100 : 24_000,
        };
      }
      case "playTestSound":
        return null;
      case "getFrameSocket":
        return {
          url: "ws://127.0.0.1:9",
          token: "mock-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        };
      case "notify":
        this.notifications.push(rawArgs as ArgsOf<"notify">);
        return null;
    }
    // Fails to compile when a command of the contract has no case above.
    const unhandled: never = command;
    throw new Error(`the mock does not know ${String(unhandled)}`);
  }

  // ─────────────────────────── microphone level ───────────────────────────

  private startMic(): void {
    if (this.micTimer) return;
    const started = Date.now();
    this.micTimer = setInterval(() => {
      const muted = this.call.active && this.call.local.micMuted;
      const t = (Date.now() - started) / 1000;
      const speech = Math.max(0, Math.sin(t * 2.1) * Math.sin(t * 5.3));
      const level = muted ? 0 : 0.05 + 0.5 * speech;
      this.emit("micLevel", { level, peak: muted ? 0 : Math.min(1, level * 1.3) });
    }, 100);
  }

  private stopMic(): void {
    if (this.micTimer) clearInterval(this.micTimer);
    this.micTimer = null;
  }

  /** What a subscribed track shows now, or null while it sends nothing (a camera off). */
  private picture(track: TrackId): MediaSource | null {
    if (track === "local:camera") {
      const on = this.call.active ? this.call.local.cameraEnabled : this.previewing;
      return on ? "camera" : null;
    }
    return this.call.picture(track);
  }

  // ─────────────────────────── reload survival ───────────────────────────

  private persist(): void {
    if (!this.storage) return;
    if (this.call.active) {
      const saved: Saved = { call: this.call.save(), snapshot: this.keeper.snapshot };
      this.storage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } else this.storage.removeItem(STORAGE_KEY);
  }

  private restore(): void {
    const saved = this.storage?.getItem(STORAGE_KEY);
    if (!saved) return;
    try {
      const { call, snapshot } = JSON.parse(saved) as Saved;
      this.keeper = this.keep(snapshot);
      this.call.load(call);
      if (this.call.active) this.startMic();
    } catch {
      this.storage?.removeItem(STORAGE_KEY);
    }
  }
}

export type { CallEvent, CallSnapshot, CallState, ParticipantInfo };
