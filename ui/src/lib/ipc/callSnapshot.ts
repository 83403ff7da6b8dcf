// The call snapshot and the one reducer that keeps it, for the backends with no Rust behind them
// (the mock, the browser client): the same reducer as crates/app's SnapshotKeeper, held to it by
// the vectors in crates/app/tests/golden/call_snapshot.json. A backend applies each call and media
// event it emits and sends the snapshot as `callSnapshot` before the event; the UI draws the
// snapshot it is sent and never reduces events itself. Pure functions, plus `SnapshotKeeper`.

import type {
  CallEvent,
  CallSnapshot,
  CallState,
  ChatMessage,
  LocalMedia,
  MediaEvent,
  ParticipantId,
  ParticipantInfo,
  SharedScreen,
} from "./contract";

/** At most this many chat messages are kept (the server replays its own history on a resume). */
export const KEPT_CHAT = 500;

/** No call yet: idle, nobody, nothing said, microphone and camera on. */
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
    screens: [],
  };
}

/** Whether a call is under way (neither idle nor over). */
export function isActive(state: CallState): boolean {
  return state.type !== "idle" && state.type !== "ended";
}

/** Who the state says we are: in the lobby an id but no role yet; null when it does not say. */
function identityOf(state: CallState): CallSnapshot["self"] {
  if (state.type === "inCall") return { id: state.participantId, role: state.role };
  if (state.type === "waitingInLobby") return { id: state.participantId, role: null };
  return null;
}

const byJoinOrder = (a: ParticipantInfo, b: ParticipantInfo) => a.joinOrder - b.joinOrder;

/** `list` with `p` in place of an earlier entry, in join order. */
function upsert(list: ParticipantInfo[], p: ParticipantInfo): ParticipantInfo[] {
  return [...without(list, p.id), p].sort(byJoinOrder);
}

function without(list: ParticipantInfo[], id: ParticipantId): ParticipantInfo[] {
  return list.filter((p) => p.id !== id);
}

function patch(
  list: ParticipantInfo[],
  id: ParticipantId,
  change: Partial<ParticipantInfo>,
): ParticipantInfo[] {
  return list.map((p) => (p.id === id ? { ...p, ...change } : p));
}

function changeState(s: CallSnapshot, state: CallState, now: number): CallSnapshot {
  // A new call: nothing of an earlier one but the room and our choices.
  const base =
    state.type === "connecting" && !isActive(s.state)
      ? { ...emptySnapshot(), room: s.room, local: s.local }
      : s;
  const next: CallSnapshot = { ...base, state, self: identityOf(state) ?? base.self };
  if (state.type === "inCall" && next.joinedAt === null) next.joinedAt = now;
  if (state.type === "ended") {
    next.self = null;
    next.lobby = [];
    next.screens = [];
    next.local = { ...next.local, screenSharing: false, handRaised: false };
  }
  return next;
}

function addChat(s: CallSnapshot, message: ChatMessage): CallSnapshot {
  if (s.chat.some((m) => m.seq === message.seq)) return s;
  return { ...s, chat: [...s.chat, message].slice(-KEPT_CHAT) };
}

/**
 * Applies one call event at `now` (Unix milliseconds). Returns a new snapshot, or the same one when
 * the event cannot change it (an error, a chat message seen already); never mutates.
 *
 * Our own media and hand as the room reports them change our entry in `participants` only:
 * `local` is what the person chose, set by the backend's commands, and an echo of an older choice
 * must not undo a newer one.
 */
export function reduceCall(s: CallSnapshot, event: CallEvent, now = Date.now()): CallSnapshot {
  switch (event.type) {
    case "stateChanged":
      return changeState(s, event.state, now);
    case "participantJoined":
      return {
        ...s,
        participants: upsert(s.participants, event.participant),
        lobby: without(s.lobby, event.participant.id),
      };
    case "participantLeft":
      return { ...s, participants: without(s.participants, event.participant) };
    case "knock":
      return { ...s, lobby: upsert(s.lobby, event.participant) };
    case "knockResolved":
      return { ...s, lobby: without(s.lobby, event.participant) };
    case "chat":
      return addChat(s, event.message);
    case "mediaStateChanged":
      return {
        ...s,
        participants: patch(s.participants, event.participant, { media: event.state }),
      };
    case "handRaised":
      return {
        ...s,
        participants: patch(s.participants, event.participant, { handRaised: event.raised }),
      };
    case "error":
      return s;
  }
}

/** The shared screen a started track is, told by its origin; null for any other track. */
function sharedScreenOf(event: Extract<MediaEvent, { type: "trackStarted" }>): SharedScreen | null {
  if (event.origin?.source !== "screen") return null;
  return { track: event.track, participant: event.origin.participant };
}

/**
 * Applies one media event: the shared screens that are tracks of their own as they start and end
 * (each track's origin says whether it is one, and whose), and our own share ending (the session
 * has turned it off and told the room). Returns the same snapshot when nothing changed.
 */
export function reduceMedia(s: CallSnapshot, event: MediaEvent): CallSnapshot {
  switch (event.type) {
    case "trackStarted": {
      const screen = sharedScreenOf(event);
      if (!screen || s.screens.some((x) => x.track === screen.track)) return s;
      return { ...s, screens: [...s.screens, screen] };
    }
    case "trackEnded":
      if (!s.screens.some((x) => x.track === event.track)) return s;
      return { ...s, screens: s.screens.filter((x) => x.track !== event.track) };
    case "screenShareEnded":
      if (!s.local.screenSharing) return s;
      return { ...s, local: { ...s.local, screenSharing: false } };
    default:
      return s;
  }
}

/**
 * Keeps a backend's snapshot and hands each new one to `publish` (a copy: the receiver may change
 * it). The mock runs every event it emits through one; crates/app's SnapshotKeeper is its twin.
 */
export class SnapshotKeeper {
  constructor(
    private readonly publish: (snapshot: CallSnapshot) => void,
    private current: CallSnapshot = emptySnapshot(),
  ) {}

  /** A copy of the snapshot as it stands. */
  get snapshot(): CallSnapshot {
    return structuredClone(this.current);
  }

  applyCall(event: CallEvent, now = Date.now()): void {
    this.set(reduceCall(this.current, event, now));
  }

  applyMedia(event: MediaEvent): void {
    this.set(reduceMedia(this.current, event));
  }

  /** What the person switched, as the backend takes it on. */
  setLocal(change: Partial<LocalMedia>): void {
    const local = { ...this.current.local, ...change };
    const same = (Object.keys(local) as (keyof LocalMedia)[]).every(
      (k) => local[k] === this.current.local[k],
    );
    if (!same) this.set({ ...this.current, local });
  }

  private set(next: CallSnapshot): void {
    if (next === this.current) return;
    this.current = next;
    this.publish(this.snapshot);
  }
}
