// The browser client's call session: a sans-IO state machine for one participant in one room,
// the TypeScript side of crates/client/src/session (mod.rs, local.rs). It makes the same
// decisions with the same messages and the same events; the runner (runner.ts) does the IO.
// The loop: hand each thing that happens to `handle` (or a user action) with the time, drain
// `pollOutput`, come back with `{type: "timeout"}` at `pollTimeout()`. Times are milliseconds.
// Messages in the room are handled in sessionRoom.ts, SFU rooms in sfuSession.ts.

import type { CallEvent, CallState, CommandError, EndReason } from "../contract";
import { checkChatText, checkDisplayName } from "../../format/text";
import { Backoff } from "./backoff";
import { Mesh } from "./mesh";
import { Roster } from "./roster";
import { serverMessage } from "./sessionRoom";
import { SfuSide } from "./sfuSession";
import type { Input, MediaCommand, MediaReport, Output, SfuNotice } from "./types";
import {
  PROTOCOL_VERSION,
  type ClientMsg,
  type IceServer,
  type MediaMode,
  type MediaState,
  type ParticipantId,
  type ParticipantInfo,
  type Resume,
  type Role,
  type RoomId,
  type RoomPolicy,
  type Signal,
  type VideoCodec,
} from "./wire";

/** How long to wait for `closed` after `leave` before ending anyway. */
export const LEAVE_TIMEOUT = 3_000;
/** The soonest fresh TURN credentials are asked for, and the wait before asking again. */
export const ICE_REFRESH_MIN = 10_000;
export const ICE_REFRESH_RETRY = 30_000;

/** Everything needed to join one room. `token` is a secret: never logged. */
export interface SessionConfig {
  room: RoomId;
  displayName: string;
  token: string;
  role: Role | null;
  media: MediaState;
  /** The video codecs we decode (`join.decodes`); null: not known, the server assumes all. */
  decodes: VideoCodec[] | null;
}

/** What the session keeps across a page reload to resume the call. */
export interface SavedSession {
  participantId: ParticipantId;
  resume: Resume;
  role: Role | null;
  participants: ParticipantInfo[];
}

interface RoomInfo {
  mode: MediaMode;
  policy: RoomPolicy;
  iceServers: IceServer[];
}

const fail = (code: CommandError["code"], message: string): CommandError => ({ code, message });

export class Session {
  state: CallState = { type: "idle" };
  transport: "closed" | "opening" | "open" = "closed";
  participantId: ParticipantId | null = null;
  role: Role | null = null;
  resume: Resume | null = null;
  room: RoomInfo | null = null;
  roster = new Roster();
  mesh = new Mesh();
  readonly sfu: SfuSide;
  media: MediaState;
  displayName: string;
  screenInCamera = false;
  backoff: Backoff | null = null;
  leaveDeadline: number | null = null;
  iceRefreshAt: number | null = null;
  private out: Output[] = [];

  constructor(readonly config: SessionConfig) {
    this.media = { ...config.media };
    this.displayName = config.displayName;
    this.sfu = new SfuSide(this);
  }

  // ─────────────────────────── the loop ───────────────────────────

  /** Takes one thing that happened at `now`. Never throws: what does not fit is ignored. */
  handle(now: number, input: Input): void {
    if (!isActive(this.state)) return;
    switch (input.type) {
      case "transportOpened":
        return this.transportOpened();
      case "transportClosed":
        return this.transportClosed(now);
      case "server":
        return serverMessage(this, now, input.msg);
      case "media":
        return this.mediaReport(now, input.report);
      case "timeout":
        return this.timeout(now);
    }
  }

  pollOutput(): Output | undefined {
    return this.out.shift();
  }

  /** When to come back with a timeout if nothing else happens first; null: no timer. */
  pollTimeout(): number | null {
    const times = [
      this.leaveDeadline,
      this.backoff?.deadline ?? null,
      this.mesh.nextExpiry(),
      this.sfu.nextTimer(),
      this.iceRefreshAt,
    ].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  // ─────────────────────────── user actions (throw CommandError) ───────────────────────────

  join(): void {
    this.checkJoin();
    this.openTransport();
    this.setState({ type: "connecting" });
  }

  /**
   * Comes back into a call this tab was in before a reload, with its resume token. Our media
   * started afresh with the page, so the resume says `restarted`: the others drop the peer
   * connections they kept for us (the next welcome's token resumes without it).
   */
  rejoin(now: number, saved: SavedSession): void {
    this.checkJoin();
    this.participantId = saved.participantId;
    this.resume = { ...saved.resume, restarted: true };
    this.role = saved.role;
    this.roster.participants = structuredClone(saved.participants);
    this.backoff = new Backoff(now);
    this.backoff.beginAttempt();
    this.openTransport();
    this.setState({ type: "reconnecting", attempt: 1 });
  }

  private checkJoin(): void {
    if (isActive(this.state)) throw fail("alreadyJoined", "already in a call");
    if (checkDisplayName(this.config.displayName))
      throw fail("invalidDisplayName", "the display name is not allowed");
    this.displayName = this.config.displayName.trim();
  }

  leave(now: number): void {
    if (!isActive(this.state) || this.leaveDeadline !== null) return;
    const linked = this.transport === "open";
    const inRoom = this.state.type === "inCall" || this.state.type === "waitingInLobby";
    if (linked) this.send({ type: "leave" });
    if (inRoom && linked) this.leaveDeadline = now + LEAVE_TIMEOUT;
    else this.end({ type: "left" });
  }

  setMedia(now: number, state: MediaState): void {
    if (this.state.type === "ended") throw fail("notInCall", "the call has ended");
    this.media = { ...state };
    if (this.linkedInCall()) this.syncMedia();
    if (isActive(this.state)) this.syncScreen(now);
  }

  chat(text: string): void {
    this.requireInCall();
    if (checkChatText(text))
      throw fail("invalidText", "the message is empty, too long or has control characters");
    this.send({ type: "chat", text: text.trim() });
  }

  raiseHand(raised: boolean): void {
    const me = this.requireInCall();
    this.send({ type: "raiseHand", raised });
    if (this.roster.setHand(me, raised))
      this.event({ type: "handRaised", participant: me, raised });
  }

  hostAction(msg: Extract<ClientMsg, { type: "admit" | "deny" | "remove" | "endMeeting" }>): void {
    const me = this.requireInCall();
    if (this.role !== "host") throw fail("forbidden", "only a host can do that");
    if (msg.type === "remove" && msg.participant === me)
      throw fail("invalidField", "you cannot remove yourself; leave the call instead");
    this.send(msg);
  }

  // ─────────────────────────── helpers for the room and the SFU ───────────────────────────

  linkedInCall(): boolean {
    return this.state.type === "inCall" && this.transport === "open" && this.leaveDeadline === null;
  }

  mode(): MediaMode | null {
    return this.room?.mode ?? null;
  }

  iceServers(): IceServer[] {
    return this.room?.iceServers ?? [];
  }

  send(msg: ClientMsg): void {
    this.out.push({ type: "send", msg });
  }

  mediaCommand(command: MediaCommand): void {
    this.out.push({ type: "media", command });
  }

  event(event: CallEvent): void {
    this.out.push({ type: "event", event });
  }

  notice(notice: SfuNotice): void {
    this.out.push({ type: "sfu", notice });
  }

  setState(state: CallState): void {
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    this.event({ type: "stateChanged", state: structuredClone(state) });
  }

  /** Ends the call: releases every peer, closes the link, forgets timers. */
  end(reason: EndReason): void {
    this.mesh.clear();
    this.sfu.reset();
    this.mediaCommand({ type: "removeAllPeers" });
    if (this.screenInCamera) {
      this.screenInCamera = false;
      this.mediaCommand({ type: "screenInCamera", on: false });
    }
    if (this.transport !== "closed") {
      this.transport = "closed";
      this.out.push({ type: "closeTransport" });
    }
    this.backoff = null;
    this.leaveDeadline = null;
    this.iceRefreshAt = null;
    this.setState({ type: "ended", reason });
  }

  /** Asks for fresh TURN credentials at four fifths of their lifetime (never sooner than 10 s). */
  scheduleIceRefresh(now: number, ttlSecs: number | null | undefined): void {
    this.iceRefreshAt =
      ttlSecs === null || ttlSecs === undefined
        ? null
        : now + Math.max((ttlSecs * 1000 * 4) / 5, ICE_REFRESH_MIN);
  }

  /** Tells the room our media state if it differs from what the room has. */
  syncMedia(): void {
    const me = this.participantId;
    if (me === null) return;
    const known = this.roster.get(me)?.media;
    const state = { ...this.media };
    if (known && sameMedia(known, state)) return;
    this.send({ type: "mediaState", ...state });
    this.roster.setMedia(me, state);
    this.event({ type: "mediaStateChanged", participant: me, state });
  }

  /** The screen in the camera's place peer to peer; a publication of its own in SFU rooms. */
  syncScreen(now: number): void {
    const inCamera = this.media.screen && this.mode() !== "sfu" && this.room !== null;
    if (inCamera !== this.screenInCamera) {
      this.screenInCamera = inCamera;
      this.mediaCommand({ type: "screenInCamera", on: inCamera });
    }
    this.sfu.syncScreenPublication(now);
  }

  link(lost: number): void {
    if (this.backoff) this.backoff.attemptFailed(lost);
    else this.backoff = new Backoff(lost);
    if (lost >= this.backoff.giveUpAt) return this.end({ type: "connectionLost" });
    this.setState({ type: "reconnecting", attempt: this.backoff.attempt });
  }

  closeTransportForRetry(now: number): void {
    this.transport = "closed";
    this.out.push({ type: "closeTransport" });
    this.link(now);
  }

  // ─────────────────────────── transport, time, media reports ───────────────────────────

  private openTransport(): void {
    this.transport = "opening";
    this.out.push({ type: "openTransport" });
  }

  private transportOpened(): void {
    if (this.transport !== "opening") return;
    this.transport = "open";
    this.send({ type: "hello", version: PROTOCOL_VERSION, token: this.config.token });
    this.send({
      type: "join",
      room: this.config.room,
      displayName: this.displayName,
      role: this.config.role,
      resume: this.resume,
      media: { ...this.media },
      decodes: this.config.decodes,
    });
  }

  private transportClosed(now: number): void {
    if (this.transport === "closed") return;
    this.transport = "closed";
    if (this.leaveDeadline !== null) this.end({ type: "left" });
    else this.link(now);
  }

  private timeout(now: number): void {
    if (this.leaveDeadline !== null && this.leaveDeadline <= now) return this.end({ type: "left" });
    const backoff = this.backoff;
    if (backoff) {
      if (now >= backoff.giveUpAt) return this.end({ type: "connectionLost" });
      if (backoff.due(now)) {
        backoff.beginAttempt();
        this.openTransport();
      }
    }
    for (const peer of this.mesh.expire(now)) this.mediaCommand({ type: "removePeer", peer });
    this.sfu.timeout(now);
    if (this.iceRefreshAt !== null && this.iceRefreshAt <= now) {
      if (this.linkedInCall()) {
        this.send({ type: "refreshIce" });
        this.iceRefreshAt = now + ICE_REFRESH_RETRY;
      } else {
        this.iceRefreshAt = null; // the next welcome brings fresh ones
      }
    }
  }

  private mediaReport(now: number, report: MediaReport): void {
    switch (report.type) {
      case "localDescription":
        return this.relay(report.peer, { sdp: report.description });
      case "localCandidate":
        return this.relay(report.peer, { candidate: report.candidate });
      case "peerConnected": {
        const link = this.mesh.get(report.peer);
        if (link) link.connected = true;
        return;
      }
      case "peerFailed":
        return this.peerFailed(report.peer);
      default:
        return this.sfu.media(now, report);
    }
  }

  private peerFailed(peer: ParticipantId): void {
    const link = this.mesh.get(peer);
    if (!link) return;
    link.connected = false;
    if (this.mode() === "sfu") {
      // The SFU carries the media now: no restart.
      this.mesh.remove(peer);
      this.mediaCommand({ type: "removePeer", peer });
      return;
    }
    if (link.initiator && !link.away && this.linkedInCall())
      this.mediaCommand({ type: "restartPeer", peer });
  }

  /** Sends our SDP or candidate to `peer`, if that can be done now. */
  private relay(peer: ParticipantId, signal: Signal): void {
    const link = this.mesh.get(peer);
    if (!link || link.away || !this.linkedInCall()) return;
    this.send({ type: "signal", to: peer, ...signal });
  }

  private requireInCall(): ParticipantId {
    if (this.participantId === null || !this.linkedInCall())
      throw fail("notInCall", "not in a call right now");
    return this.participantId;
  }
}

export function isActive(state: CallState): boolean {
  return state.type !== "idle" && state.type !== "ended";
}

export function sameMedia(a: MediaState, b: MediaState): boolean {
  return a.audio === b.audio && a.video === b.video && a.screen === b.screen;
}
