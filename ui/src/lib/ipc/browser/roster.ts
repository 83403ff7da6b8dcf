// What the session knows about the room: participants in join order, the lobby (for hosts) and
// the chat, and how a `welcome` is folded into what was known before: the TypeScript side of
// crates/client/src/session/roster.rs.

import type { CallEvent } from "../contract";
import type { ChatMessage, MediaState, ParticipantId, ParticipantInfo } from "./wire";

const sameMedia = (a: MediaState, b: MediaState) =>
  a.audio === b.audio && a.video === b.video && a.screen === b.screen;

const sameChat = (a: ChatMessage, b: ChatMessage) =>
  a.seq === b.seq &&
  a.from === b.from &&
  a.text === b.text &&
  a.sentAt === b.sentAt &&
  a.displayName === b.displayName;

export class Roster {
  participants: ParticipantInfo[] = [];
  lobby: ParticipantInfo[] = [];
  chat: ChatMessage[] = [];

  get(id: ParticipantId): ParticipantInfo | undefined {
    return this.participants.find((p) => p.id === id);
  }

  /** Adds or replaces a participant, keeping join order. */
  upsert(info: ParticipantInfo): void {
    const others = this.participants.filter((p) => p.id !== info.id);
    const at = others.findIndex((p) => p.joinOrder > info.joinOrder);
    others.splice(at < 0 ? others.length : at, 0, info);
    this.participants = others;
  }

  remove(id: ParticipantId): void {
    this.participants = this.participants.filter((p) => p.id !== id);
  }

  /** Records a participant's media state; whether it changed. */
  setMedia(id: ParticipantId, state: MediaState): boolean {
    const p = this.get(id);
    if (!p || sameMedia(p.media, state)) return false;
    p.media = { ...state };
    return true;
  }

  /** Records a raised or lowered hand; whether it changed. */
  setHand(id: ParticipantId, raised: boolean): boolean {
    const p = this.get(id);
    if (!p || p.handRaised === raised) return false;
    p.handRaised = raised;
    return true;
  }

  knock(info: ParticipantInfo): void {
    this.lobby = [...this.lobby.filter((p) => p.id !== info.id), info];
  }

  knockResolved(id: ParticipantId): void {
    this.lobby = this.lobby.filter((p) => p.id !== id);
  }

  pushChat(message: ChatMessage): void {
    this.chat.push(message);
  }

  /**
   * Takes a `welcome`'s view of the room and returns the events that bring a UI that followed
   * the old view to the new one: who left and joined, changed media and hands, knocks that came
   * or went, and chat messages not seen yet.
   */
  welcome(
    participants: ParticipantInfo[],
    lobby: ParticipantInfo[],
    chat: ChatMessage[],
  ): CallEvent[] {
    const events: CallEvent[] = [];
    for (const old of this.participants) {
      if (!participants.some((p) => p.id === old.id))
        events.push({ type: "participantLeft", participant: old.id, reason: "disconnected" });
    }
    const sorted = [...participants].sort((a, b) => a.joinOrder - b.joinOrder);
    for (const next of sorted) {
      const old = this.get(next.id);
      if (!old) {
        events.push({ type: "participantJoined", participant: structuredClone(next) });
        continue;
      }
      if (!sameMedia(old.media, next.media))
        events.push({ type: "mediaStateChanged", participant: next.id, state: { ...next.media } });
      if (old.handRaised !== next.handRaised)
        events.push({ type: "handRaised", participant: next.id, raised: next.handRaised });
    }
    for (const old of this.lobby) {
      if (lobby.some((p) => p.id === old.id)) continue;
      const admitted = sorted.some((p) => p.id === old.id);
      events.push({
        type: "knockResolved",
        participant: old.id,
        outcome: admitted ? "admitted" : "withdrawn",
      });
    }
    for (const next of lobby) {
      if (!this.lobby.some((p) => p.id === next.id))
        events.push({ type: "knock", participant: structuredClone(next) });
    }
    const unseen = unseenChat(this.chat, chat);
    for (const message of chat.slice(unseen)) events.push({ type: "chat", message });
    this.participants = sorted;
    this.lobby = [...lobby];
    this.chat = [...chat];
    return events;
  }
}

/**
 * Where the messages we have not seen start in the server's `history`: just after our last
 * message if the history continues ours, else at its start (the room began anew).
 */
export function unseenChat(ours: readonly ChatMessage[], history: readonly ChatMessage[]): number {
  const last = ours[ours.length - 1];
  if (!last) return 0;
  const same = history.find((m) => m.seq === last.seq);
  const continues = same ? sameChat(same, last) : (history[0]?.seq ?? 0) > last.seq;
  if (!continues) return 0;
  const at = history.findIndex((m) => m.seq > last.seq);
  return at < 0 ? history.length : at;
}
