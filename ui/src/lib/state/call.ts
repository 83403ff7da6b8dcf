// The call as the UI draws it: the backend's snapshot, kept current by `callEvent`s.
// Pure functions, so every event's effect is tested without a component.

import type {
  CallEvent,
  CallSnapshot,
  CallState,
  ParticipantId,
  ParticipantInfo,
  Role,
} from "../ipc/contract";

export function emptySnapshot(): CallSnapshot {
  return {
    state: { type: "idle" },
    self: null,
    room: null,
    participants: [],
    lobby: [],
    chat: [],
    local: { micMuted: false, cameraEnabled: true, screenSharing: false, handRaised: false },
    joinedAt: null,
    screenTracks: [],
  };
}

/** Who the state says we are: in the lobby we have an id but no role yet. */
export function identityOf(state: CallState): { id: ParticipantId; role: Role | null } | null {
  if (state.type === "inCall") return { id: state.participantId, role: state.role };
  if (state.type === "waitingInLobby") return { id: state.participantId, role: null };
  return null;
}

/** Whether we act as host now (in the call, or reconnecting to it). */
export function isHostNow(s: CallSnapshot): boolean {
  return s.self?.role === "host" && (s.state.type === "inCall" || s.state.type === "reconnecting");
}

/** Whether a call is under way (the call screen shows). */
export function isActive(state: CallState): boolean {
  return state.type !== "idle" && state.type !== "ended";
}

const byJoinOrder = (a: ParticipantInfo, b: ParticipantInfo) => a.joinOrder - b.joinOrder;

function upsert(list: ParticipantInfo[], p: ParticipantInfo): ParticipantInfo[] {
  return [...list.filter((x) => x.id !== p.id), p].sort(byJoinOrder);
}

function patch(
  list: ParticipantInfo[],
  id: ParticipantId,
  change: (p: ParticipantInfo) => ParticipantInfo,
): ParticipantInfo[] {
  return list.map((p) => (p.id === id ? change(p) : p));
}

/** Applies one event. Returns a new snapshot; never mutates the old one. */
export function reduceCall(s: CallSnapshot, event: CallEvent): CallSnapshot {
  switch (event.type) {
    case "stateChanged": {
      const next: CallSnapshot = {
        ...s,
        state: event.state,
        self: identityOf(event.state) ?? s.self,
      };
      if (event.state.type === "inCall" && s.joinedAt === null) next.joinedAt = Date.now();
      if (event.state.type === "connecting" && !isActive(s.state)) {
        return { ...emptySnapshot(), state: event.state, room: s.room, local: s.local };
      }
      if (event.state.type === "ended") {
        next.self = null;
        next.lobby = [];
        next.local = { ...s.local, screenSharing: false, handRaised: false };
      }
      return next;
    }
    case "participantJoined": {
      const me = s.self?.id;
      const next = { ...s, participants: upsert(s.participants, event.participant) };
      next.lobby = s.lobby.filter((p) => p.id !== event.participant.id);
      if (event.participant.id === me) {
        const m = event.participant.media;
        next.local = {
          ...s.local,
          micMuted: !m.audio,
          cameraEnabled: m.video,
          screenSharing: m.screen,
        };
      }
      return next;
    }
    case "participantLeft":
      return { ...s, participants: s.participants.filter((p) => p.id !== event.participant) };
    case "knock":
      return { ...s, lobby: upsert(s.lobby, event.participant) };
    case "knockResolved":
      return { ...s, lobby: s.lobby.filter((p) => p.id !== event.participant) };
    case "chat":
      if (s.chat.some((m) => m.seq === event.message.seq)) return s;
      return { ...s, chat: [...s.chat, event.message] };
    case "mediaStateChanged": {
      const next = {
        ...s,
        participants: patch(s.participants, event.participant, (p) => ({
          ...p,
          media: event.state,
        })),
      };
      if (event.participant === s.self?.id) {
        next.local = {
          ...s.local,
          micMuted: !event.state.audio,
          cameraEnabled: event.state.video,
          screenSharing: event.state.screen,
        };
      }
      return next;
    }
    case "handRaised": {
      const next = {
        ...s,
        participants: patch(s.participants, event.participant, (p) => ({
          ...p,
          handRaised: event.raised,
        })),
      };
      if (event.participant === s.self?.id) next.local = { ...s.local, handRaised: event.raised };
      return next;
    }
    case "error":
      return s;
  }
}
