// The peer-to-peer mesh: one peer connection per remote participant, and who offers on each
// (crates/client/src/session/mesh.rs). Of any two participants the later joiner (greater
// `joinOrder`; the id, compared byte by byte, breaks a tie) makes the offer and every restart;
// the other only answers. Both sides decide from the join order, so they agree whatever order
// their messages came in. crates/protocol/tests/golden/initiator.json holds the cases both
// implementations are tested against.

import type { ParticipantId } from "./wire";

/** The part of a participant the rule looks at. */
export interface Arrival {
  id: ParticipantId;
  joinOrder: number;
}

/** Compares two ids byte by byte (ids are ASCII, so UTF-16 code units order as bytes). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `me` offers to `them`: `(me.joinOrder, me.id) > (them.joinOrder, them.id)`. */
export function initiates(me: Arrival, them: Arrival): boolean {
  if (me.joinOrder !== them.joinOrder) return me.joinOrder > them.joinOrder;
  return compareIds(me.id, them.id) > 0;
}

/** What the session knows about its connection to one participant (`PeerLink`). */
export interface PeerLink {
  /** This side made the offer (and makes restarts). */
  initiator: boolean;
  /** The engine reported it connected (and not failed since). */
  connected: boolean;
  /** Their own signalling link dropped; the peer is kept in case they come back. */
  away: boolean;
  /** While away: when to give up on them (ms). */
  awayUntil: number | null;
}

/** The peer connections the media engine has been told about. */
export class Mesh {
  readonly peers = new Map<ParticipantId, PeerLink>();

  get(id: ParticipantId): PeerLink | undefined {
    return this.peers.get(id);
  }

  add(id: ParticipantId, initiator: boolean): void {
    this.peers.set(id, { initiator, connected: false, away: false, awayUntil: null });
  }

  remove(id: ParticipantId): boolean {
    return this.peers.delete(id);
  }

  clear(): void {
    this.peers.clear();
  }

  get size(): number {
    return this.peers.size;
  }

  /** Their link dropped: keep the peer until `until`. */
  markAway(id: ParticipantId, until: number): boolean {
    const peer = this.peers.get(id);
    if (!peer) return false;
    peer.away = true;
    peer.awayUntil = until;
    return true;
  }

  cameBack(id: ParticipantId): void {
    const peer = this.peers.get(id);
    if (peer) Object.assign(peer, { away: false, awayUntil: null });
  }

  /** Peers of participants who did not come back by `now` (removed here). */
  expire(now: number): ParticipantId[] {
    const gone = [...this.peers]
      .filter(([, p]) => p.awayUntil !== null && p.awayUntil <= now)
      .map(([id]) => id);
    for (const id of gone) this.peers.delete(id);
    return gone;
  }

  /** When the next away peer is given up on. */
  nextExpiry(): number | null {
    const times = [...this.peers.values()].flatMap((p) =>
      p.awayUntil === null ? [] : [p.awayUntil],
    );
    return times.length ? Math.min(...times) : null;
  }
}
