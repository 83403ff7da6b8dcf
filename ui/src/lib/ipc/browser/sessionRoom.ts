// Messages from the server for the browser client's session: getting in (`welcome`,
// `lobbyWaiting`), refusals and errors, endings, and what happens in the room. The TypeScript
// side of crates/client/src/session/server.rs; the same message gives the same events.

import type { ErrorCode } from "../contract";
import { RECONNECT } from "./backoff";
import { initiates } from "./mesh";
import type { Session } from "./session";
import type {
  LeaveReason,
  LobbyReason,
  ParticipantId,
  ParticipantInfo,
  ServerMsg,
  Signal,
} from "./wire";

type Welcome = Extract<ServerMsg, { type: "welcome" }>;

const FATAL: readonly ErrorCode[] = [
  "unsupportedVersion",
  "invalidToken",
  "tokenExpired",
  "wrongRoom",
  "serverShuttingDown",
];

/** Errors worth another attempt when they refuse a join. */
const RETRYABLE: readonly ErrorCode[] = ["serverShuttingDown", "internal", "rateLimited"];

/** One server message, at `now`. */
export function serverMessage(s: Session, now: number, msg: ServerMsg): void {
  if (s.transport !== "open") return;
  if (s.leaveDeadline !== null) {
    if (msg.type === "closed") s.end({ type: msg.reason });
    return;
  }
  switch (msg.type) {
    case "welcome":
      return welcome(s, now, msg);
    case "lobbyWaiting":
      return lobbyWaiting(s, msg.participantId, msg.reason);
    case "closed":
      return s.end({ type: msg.reason });
    case "error":
      return error(s, now, msg.code, msg.message);
    default:
      if (s.state.type === "inCall") roomMessage(s, now, msg);
  }
}

function awaitingEntry(s: Session): boolean {
  return s.state.type === "connecting" || s.state.type === "reconnecting";
}

function welcome(s: Session, now: number, w: Welcome): void {
  if (!awaitingEntry(s) && s.state.type !== "waitingInLobby") return;
  const resumed = s.resume?.participantId === w.participantId;
  if (!resumed && s.mesh.size > 0) {
    // Our old identity is gone: the others see a new participant, to whom we offer afresh.
    s.mesh.clear();
    s.mediaCommand({ type: "removeAllPeers" });
  }
  s.backoff = null;
  s.participantId = w.participantId;
  s.role = w.role;
  s.resume = { participantId: w.participantId, resumeToken: w.resumeToken };
  s.room = { mode: w.mode, policy: w.policy, iceServers: w.iceServers };
  s.scheduleIceRefresh(now, w.iceTtlSecs);
  s.setState({ type: "inCall", participantId: w.participantId, role: w.role });
  for (const event of s.roster.welcome(w.participants, w.lobby, w.chat)) s.event(event);
  // Our SFU connections ended with the old connection; `modeChanged` follows in SFU rooms.
  s.sfu.drop();
  setUpMesh(s, w.participantId);
  s.syncMedia();
  s.syncScreen(now);
}

/**
 * Brings the mesh in line with the participant list: peers of participants who are gone are
 * removed, peers we kept are restarted by their initiator, new participants get a peer.
 */
export function setUpMesh(s: Session, me: ParticipantId): void {
  if (s.mode() !== "p2p") return;
  const mine = s.roster.get(me);
  if (!mine) return;
  for (const id of [...s.mesh.peers.keys()]) {
    if (s.roster.get(id)) continue;
    s.mesh.remove(id);
    s.mediaCommand({ type: "removePeer", peer: id });
  }
  for (const other of s.roster.participants) {
    if (other.id !== me) peerPresent(s, other.id, initiates(mine, other));
  }
}

/** `participant` is in the room: restart the peer we kept if we initiate it and it is down. */
function peerPresent(s: Session, participant: ParticipantId, initiator: boolean): void {
  const link = s.mesh.get(participant);
  if (link) {
    s.mesh.cameBack(participant);
    if (link.initiator && !link.connected)
      s.mediaCommand({ type: "restartPeer", peer: participant });
    return;
  }
  s.mesh.add(participant, initiator);
  s.mediaCommand({ type: "addPeer", peer: participant, initiator, iceServers: s.iceServers() });
}

function lobbyWaiting(s: Session, participantId: ParticipantId, reason: LobbyReason): void {
  const waitingSame = s.state.type === "waitingInLobby" && s.state.participantId === participantId;
  if (!waitingSame && !awaitingEntry(s)) return;
  if (s.resume !== null) {
    // Back in the lobby after a drop: the room forgot us.
    s.resume = null;
    if (s.mesh.size > 0) {
      s.mesh.clear();
      s.mediaCommand({ type: "removeAllPeers" });
    }
  }
  s.backoff = null;
  s.participantId = participantId;
  s.setState({ type: "waitingInLobby", participantId, reason });
}

function error(s: Session, now: number, code: ErrorCode, message: string): void {
  if (awaitingEntry(s)) {
    // It answers our hello or join: we are not getting in on this connection.
    if (RETRYABLE.includes(code)) {
      s.event({ type: "error", code, message });
      s.closeTransportForRetry(now);
    } else {
      s.end({ type: "refused", code, message });
    }
  } else if (FATAL.includes(code) && code !== "serverShuttingDown") {
    s.end({ type: "refused", code, message });
  } else {
    s.event({ type: "error", code, message });
  }
}

/** Messages about the room, while in the call. */
export function roomMessage(s: Session, now: number, msg: ServerMsg): void {
  switch (msg.type) {
    case "joined":
      return joined(s, msg.participant, msg.restarted === true);
    case "left":
      return left(s, now, msg.participant, msg.reason);
    case "knock":
      s.roster.knock(msg.participant);
      return s.event({ type: "knock", participant: structuredClone(msg.participant) });
    case "knockResolved":
      s.roster.knockResolved(msg.participant);
      return s.event({ type: "knockResolved", participant: msg.participant, outcome: msg.outcome });
    case "signal":
      return remoteSignal(s, msg.from, "sdp" in msg ? { sdp: msg.sdp } : msg);
    case "chat":
      s.roster.pushChat(msg.message);
      return s.event({ type: "chat", message: msg.message });
    case "mediaState": {
      const state = { audio: msg.audio, video: msg.video, screen: msg.screen };
      s.roster.setMedia(msg.participant, state);
      return s.event({ type: "mediaStateChanged", participant: msg.participant, state });
    }
    case "handRaised":
      s.roster.setHand(msg.participant, msg.raised);
      return s.event({ type: "handRaised", participant: msg.participant, raised: msg.raised });
    case "iceServers":
      if (s.room) s.room.iceServers = msg.iceServers;
      return s.scheduleIceRefresh(now, msg.iceTtlSecs);
    default:
      return s.sfu.server(now, msg);
  }
}

/** `restarted`: they came back with their media started afresh (a reloaded page). */
function joined(s: Session, participant: ParticipantInfo, restarted: boolean): void {
  if (s.participantId === participant.id) return;
  s.roster.upsert(structuredClone(participant));
  s.event({ type: "participantJoined", participant: structuredClone(participant) });
  // The connection we kept for them has nobody at the other end: a new one replaces it.
  if (restarted && s.mesh.remove(participant.id))
    s.mediaCommand({ type: "removePeer", peer: participant.id });
  if (s.mode() !== "p2p" || s.participantId === null) return;
  const me = s.roster.get(s.participantId);
  if (me) peerPresent(s, participant.id, initiates(me, participant));
}

function left(s: Session, now: number, participant: ParticipantId, reason: LeaveReason): void {
  if (s.participantId === participant) return;
  s.roster.remove(participant);
  s.sfu.participantLeft(participant);
  const mayComeBack = reason === "disconnected" || reason === "replaced";
  if (mayComeBack) {
    s.mesh.markAway(participant, now + RECONNECT.awayPeerGrace);
  } else if (s.mesh.remove(participant)) {
    s.mediaCommand({ type: "removePeer", peer: participant });
  }
  s.event({ type: "participantLeft", participant, reason });
}

function remoteSignal(s: Session, from: ParticipantId, signal: Signal): void {
  if (!s.mesh.get(from)) return;
  if ("sdp" in signal)
    s.mediaCommand({ type: "remoteDescription", peer: from, description: signal.sdp });
  else s.mediaCommand({ type: "remoteCandidate", peer: from, candidate: signal.candidate });
}
