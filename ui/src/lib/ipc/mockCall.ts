// The mock backend's call: a small imitation of mulaqat-client's session and the media engine's
// stats, driven by the UI's commands and by the scenario's script (MockControls). Its events go
// through the backend's SnapshotKeeper (mock.ts), as the session's go through the app's.

import type {
  CallSnapshot,
  CallState,
  EndReason,
  ErrorCode,
  EventName,
  Events,
  InboundStats,
  LocalMedia,
  MediaSource,
  OutboundStats,
  ParticipantId,
  ParticipantInfo,
  Role,
  TrackId,
} from "./contract";
import type { MockControls, Scenario } from "./mockScenarios";

interface Hooks {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** The person switched something (the backend's snapshot takes it on). */
  local(change: Partial<LocalMedia>): void;
  /** The call changed (persist it). */
  changed(): void;
  selfName(): string;
}

interface Saved {
  state: CallState;
  participants: ParticipantInfo[];
  lobby: ParticipantInfo[];
  chat: CallSnapshot["chat"];
  local: LocalMedia;
  nextId: number;
  selfId: ParticipantId | null;
  role: Role;
}

// The mock names its tracks and connections as the engine does, and says whose each is wherever
// it tells of one (`origin`): the UI never takes these names apart.

/** A participant's camera picture. */
const cameraTrack = (participant: ParticipantId): TrackId => `${participant}:video`;

/** A participant's shared screen in an SFU room: its track, and the connection it comes on. */
const screenFeed = (participant: ParticipantId) => ({
  track: `${participant}/screen:video`,
  peer: `${participant}/screen`,
});

/** The preview of our own shared screen in an SFU room, beside its publication. */
const OWN_SCREEN = { track: "local:screen", peer: "sfu:screen" };

const idle = (): LocalMedia => ({
  micMuted: false,
  cameraEnabled: true,
  screenSharing: false,
  handRaised: false,
});

export class MockCall implements MockControls {
  state: CallState = { type: "idle" };
  participants: ParticipantInfo[] = [];
  lobby: ParticipantInfo[] = [];
  chat: CallSnapshot["chat"] = [];
  local: LocalMedia = idle();
  network: "good" | "poor";
  /** The tracks of the shared screens sent apart (SFU rooms only), ours among them. */
  readonly sharedScreens = new Set<TrackId>();
  private selfId: ParticipantId | null = null;
  private role: Role = "host";
  private nextId = 1;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private counters = new Map<string, number>();

  constructor(
    private readonly scenario: Scenario,
    private readonly hooks: Hooks,
  ) {
    this.network = scenario.network ?? "good";
  }

  get active(): boolean {
    return this.state.type !== "idle" && this.state.type !== "ended";
  }
  get inCall(): boolean {
    return this.state.type === "inCall" || this.state.type === "reconnecting";
  }
  get isHost(): boolean {
    return this.inCall && this.role === "host";
  }

  remotes(): ParticipantInfo[] {
    return this.participants.filter((p) => p.id !== this.selfId);
  }

  // ─────────────────────────── driven by commands ───────────────────────────

  join(displayName: string, role: Role): void {
    this.stopTimers();
    Object.assign(this, { participants: [], lobby: [], chat: [] });
    this.local = { ...this.local, screenSharing: false, handRaised: false };
    this.role = role;
    this.selfName = displayName;
    this.selfId = `p${this.nextId++}`;
    this.setState({ type: "connecting" });
    this.later(350, () => {
      const refuse = this.scenario.refuse;
      if (refuse) return this.end({ type: "refused", code: refuse.code, message: refuse.message });
      const present = (this.scenario.present ?? []).map((name) =>
        this.makeParticipant(name, "guest"),
      );
      if (this.scenario.lobby && role === "guest") {
        this.pendingPresent = present;
        this.setState({
          type: "waitingInLobby",
          participantId: this.selfId ?? "",
          reason: this.scenario.lobby,
        });
        this.runScript();
        return;
      }
      this.enter(present);
      this.runScript();
    });
  }

  private pendingPresent: ParticipantInfo[] = [];
  private selfName = "";

  private enter(present: ParticipantInfo[]): void {
    const displayName = this.selfName || this.hooks.selfName();
    const self: ParticipantInfo = {
      id: this.selfId ?? "p0",
      displayName,
      role: this.role,
      joinOrder: 0,
      media: { audio: !this.local.micMuted, video: this.local.cameraEnabled, screen: false },
      handRaised: false,
    };
    if (present.length && this.role === "guest") {
      const first = present[0];
      if (first) first.role = "host";
    }
    this.setState({ type: "inCall", participantId: self.id, role: this.role });
    for (const p of [...present, self]) this.joinedEvent(p);
    this.statsTimer = setInterval(() => this.tickStats(), 1000);
  }

  end(reason: EndReason): void {
    this.stopTimers();
    if (!this.active) return;
    this.sharedScreens.clear();
    this.participants = [];
    this.lobby = [];
    this.setState({ type: "ended", reason });
  }

  admit(id: ParticipantId): boolean {
    const p = this.lobby.find((x) => x.id === id);
    if (!p) return false;
    this.lobby = this.lobby.filter((x) => x.id !== id);
    this.hooks.emit("callEvent", { type: "knockResolved", participant: id, outcome: "admitted" });
    this.joinedEvent(p);
    return true;
  }

  deny(id: ParticipantId): boolean {
    if (!this.lobby.some((x) => x.id === id)) return false;
    this.lobby = this.lobby.filter((x) => x.id !== id);
    this.hooks.emit("callEvent", { type: "knockResolved", participant: id, outcome: "denied" });
    this.hooks.changed();
    return true;
  }

  remove(id: ParticipantId): boolean {
    if (id === this.selfId || !this.participants.some((p) => p.id === id)) return false;
    this.leftEvent(id, "removedByHost");
    return true;
  }

  setLocal(change: Partial<LocalMedia>): void {
    const before = this.local;
    this.local = { ...this.local, ...change };
    this.hooks.local(change);
    const self = this.participants.find((p) => p.id === this.selfId);
    if (!self) return this.hooks.changed();
    // In an SFU room our shared screen is a track of its own, with a preview for us.
    if (this.scenario.sfu && this.local.screenSharing !== before.screenSharing)
      this.screenTrack(null, this.local.screenSharing);
    if (change.handRaised !== undefined && change.handRaised !== before.handRaised) {
      self.handRaised = this.local.handRaised;
      this.hooks.emit("callEvent", {
        type: "handRaised",
        participant: self.id,
        raised: self.handRaised,
      });
    }
    const media = {
      audio: !this.local.micMuted,
      video: this.local.cameraEnabled,
      screen: this.local.screenSharing,
    };
    if (
      media.audio !== self.media.audio ||
      media.video !== self.media.video ||
      media.screen !== self.media.screen
    ) {
      self.media = media;
      this.hooks.emit("callEvent", {
        type: "mediaStateChanged",
        participant: self.id,
        state: { ...media },
      });
    }
    this.hooks.changed();
  }

  chatFromSelf(text: string): void {
    if (this.selfId) this.chatFrom(this.selfId, text);
  }

  // ─────────────────────────── MockControls (scripts, e2e) ───────────────────────────

  addParticipant(
    name: string,
    opts: { role?: Role; video?: boolean; audio?: boolean } = {},
  ): ParticipantInfo {
    const p = this.makeParticipant(name, opts.role ?? "guest", opts);
    this.joinedEvent(p);
    return p;
  }

  removeRemote(id: ParticipantId, reason: "left" | "disconnected" = "left"): void {
    this.leftEvent(id, reason);
  }

  knock(name: string): ParticipantInfo {
    const p = this.makeParticipant(name, "guest");
    this.lobby = [...this.lobby, p];
    this.hooks.emit("callEvent", { type: "knock", participant: structuredClone(p) });
    this.hooks.changed();
    return p;
  }

  withdrawKnock(id: ParticipantId): void {
    this.lobby = this.lobby.filter((x) => x.id !== id);
    this.hooks.emit("callEvent", { type: "knockResolved", participant: id, outcome: "withdrawn" });
    this.hooks.changed();
  }

  chatFrom(id: ParticipantId, text: string): void {
    const from = this.participants.find((p) => p.id === id);
    const message = {
      seq: this.chat.length + 1,
      from: id,
      displayName: from?.displayName ?? "?",
      text,
      sentAt: Date.now(),
    };
    this.chat = [...this.chat, message];
    this.hooks.emit("callEvent", { type: "chat", message: structuredClone(message) });
    this.hooks.changed();
  }

  setRemoteMedia(
    id: ParticipantId,
    media: { audio?: boolean; video?: boolean; screen?: boolean },
  ): void {
    const p = this.participants.find((x) => x.id === id);
    if (!p) return;
    p.media = { ...p.media, ...media };
    this.hooks.emit("callEvent", {
      type: "mediaStateChanged",
      participant: id,
      state: { ...p.media },
    });
    this.hooks.changed();
  }

  shareScreen(id: ParticipantId, on: boolean): void {
    const p = this.participants.find((x) => x.id === id);
    if (!p || id === this.selfId || p.media.screen === on) return;
    // The track arrives before the flag says so, and goes after it: either order must work.
    if (on && this.scenario.sfu) this.screenTrack(id, true);
    this.setRemoteMedia(id, { screen: on });
    if (!on) this.screenTrack(id, false);
  }

  raiseRemoteHand(id: ParticipantId, raised: boolean): void {
    const p = this.participants.find((x) => x.id === id);
    if (!p) return;
    p.handRaised = raised;
    this.hooks.emit("callEvent", { type: "handRaised", participant: id, raised });
  }

  setActiveSpeaker(id: ParticipantId | null): void {
    this.hooks.emit("activeSpeaker", { participant: id });
  }

  reconnecting(attempt: number): void {
    if (this.inCall) this.setState({ type: "reconnecting", attempt });
  }

  recovered(): void {
    if (this.state.type === "reconnecting" && this.selfId) {
      this.setState({ type: "inCall", participantId: this.selfId, role: this.role });
    }
  }

  loseConnection(): void {
    this.end({ type: "connectionLost" });
  }

  admitSelf(): void {
    if (this.state.type !== "waitingInLobby") return;
    this.enter(this.pendingPresent);
  }

  denySelf(): void {
    if (this.state.type === "waitingInLobby") this.end({ type: "denied" });
  }

  hostArrives(): void {
    if (this.state.type === "waitingInLobby" && this.selfId) {
      this.setState({
        type: "waitingInLobby",
        participantId: this.selfId,
        reason: "awaitingAdmission",
      });
    }
  }

  endByHost(): void {
    this.end({ type: "meetingEnded" });
  }

  setAudioOnly(active: boolean): void {
    this.hooks.emit("mediaEvent", {
      type: "audioOnly",
      active,
      reason: active ? "the estimated bandwidth is below 150 kbit/s" : "",
    });
  }

  setNetwork(quality: "good" | "poor"): void {
    this.network = quality;
  }

  serverError(code: ErrorCode, message: string): void {
    this.hooks.emit("callEvent", { type: "error", code, message });
  }

  // ─────────────────────────── persistence, timers ───────────────────────────

  save(): Saved {
    const { state, participants, lobby, chat, local, nextId, selfId, role } = this;
    return structuredClone({
      state,
      participants,
      lobby,
      chat,
      local,
      nextId,
      selfId,
      role,
    });
  }

  /** Picks the call up again after a page reload; a reconnection in progress then succeeds. */
  load(saved: Saved): void {
    Object.assign(this, saved);
    if (this.inCall) this.statsTimer = setInterval(() => this.tickStats(), 1000);
    if (this.state.type === "reconnecting") this.later(2000, () => this.recovered());
  }

  stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private runScript(): void {
    for (const step of this.scenario.script) this.later(step.at, () => step.run(this));
  }

  private setState(state: CallState): void {
    this.state = state;
    this.hooks.emit("callEvent", { type: "stateChanged", state: structuredClone(state) });
    this.hooks.changed();
  }

  private makeParticipant(
    name: string,
    role: Role,
    opts: { video?: boolean; audio?: boolean } = {},
  ): ParticipantInfo {
    const n = this.nextId++;
    return {
      id: `p${n}`,
      displayName: name,
      role,
      joinOrder: n,
      media: { audio: opts.audio ?? true, video: opts.video ?? true, screen: false },
      handRaised: false,
    };
  }

  private joinedEvent(p: ParticipantInfo): void {
    this.participants = [...this.participants.filter((x) => x.id !== p.id), p];
    this.hooks.emit("callEvent", { type: "participantJoined", participant: structuredClone(p) });
    this.hooks.changed();
  }

  /**
   * Starts or ends the screen track of `participant` (null: ours), with the media event the
   * engine sends.
   */
  private screenTrack(participant: ParticipantId | null, on: boolean): void {
    const { track, peer } = participant === null ? OWN_SCREEN : screenFeed(participant);
    if (on === this.sharedScreens.has(track)) return;
    if (on) {
      this.sharedScreens.add(track);
      const origin = { participant, source: "screen" } as const;
      this.hooks.emit("mediaEvent", { type: "trackStarted", track, peer, kind: "video", origin });
    } else {
      this.sharedScreens.delete(track);
      this.hooks.emit("mediaEvent", { type: "trackEnded", track });
    }
  }

  /** What a track of this call shows now (a camera, a shared screen), or null while nothing. */
  picture(track: TrackId): MediaSource | null {
    if (this.sharedScreens.has(track)) return "screen";
    const camera = this.remotes().some((p) => p.media.video && cameraTrack(p.id) === track);
    return camera ? "camera" : null;
  }

  private leftEvent(id: ParticipantId, reason: "left" | "disconnected" | "removedByHost"): void {
    this.screenTrack(id, false);
    this.participants = this.participants.filter((p) => p.id !== id);
    this.hooks.emit("callEvent", { type: "participantLeft", participant: id, reason });
    this.hooks.changed();
  }

  private grow(key: string, by: number): number {
    const v = (this.counters.get(key) ?? 0) + by;
    this.counters.set(key, v);
    return v;
  }

  private tickStats(): void {
    const poor = this.network === "poor";
    const jitter = () => 0.9 + Math.random() * 0.2;
    const outbound: OutboundStats[] = [];
    const inbound: InboundStats[] = [];
    for (const p of this.remotes()) {
      const videoKbps = (poor ? 280 : 2400) * jitter();
      const camera = { participant: p.id, source: "camera" } as const;
      outbound.push({
        peer: p.id,
        origin: camera,
        kind: "video",
        packetsSent: this.grow(`${p.id}:os`, Math.round(videoKbps / 9.6)),
        bytesSent: this.grow(`${p.id}:ob`, Math.round(videoKbps * 125)),
        bitrateKbps: videoKbps,
        rttMs: (poor ? 420 : 24) * jitter(),
        fractionLost: poor ? 0.09 * jitter() : 0.001,
        encoder: "vah264enc",
        resolution: poor ? { width: 640, height: 360 } : { width: 1280, height: 720 },
        estimatedBandwidthKbps: (poor ? 350 : 3200) * jitter(),
        targetBitrateKbps: poor ? 300 : 2500,
      });
      if (!p.media.video) continue;
      const received = this.grow(`${p.id}:ir`, poor ? 30 : 220);
      inbound.push({
        track: cameraTrack(p.id),
        peer: p.id,
        origin: camera,
        kind: "video",
        packetsReceived: received,
        packetsLost: this.grow(`${p.id}:il`, poor ? 4 : 0),
        bitrateKbps: (poor ? 300 : 1800) * jitter(),
        jitterMs: (poor ? 45 : 3) * jitter(),
        framesDecoded: this.grow(`${p.id}:if`, poor ? 12 : 30),
        fps: poor ? 12 : 30,
        resolution: poor ? { width: 640, height: 360 } : { width: 1280, height: 720 },
        freezeCount: poor ? Math.floor(received / 200) : 0,
        decoder: "vah264dec",
      });
    }
    for (const p of this.remotes()) {
      const { track, peer } = screenFeed(p.id);
      if (!this.sharedScreens.has(track)) continue;
      inbound.push({
        track,
        peer,
        origin: { participant: p.id, source: "screen" },
        kind: "video",
        packetsReceived: this.grow(`${track}:r`, poor ? 20 : 90),
        packetsLost: this.grow(`${track}:l`, poor ? 3 : 0),
        bitrateKbps: (poor ? 200 : 900) * jitter(),
        jitterMs: (poor ? 45 : 3) * jitter(),
        framesDecoded: this.grow(`${track}:f`, poor ? 5 : 15),
        fps: poor ? 5 : 15,
        resolution: { width: 1920, height: 1080 },
        freezeCount: 0,
        decoder: "vah264dec",
      });
    }
    this.hooks.emit("stats", { outbound, inbound });
  }
}
