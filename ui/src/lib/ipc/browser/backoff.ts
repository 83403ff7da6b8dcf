// Reconnection after the signalling link drops (crates/client/src/session/reconnect.rs): wait
// 1 s, then double the wait after every failed attempt up to 30 s (never less than 1 s), and
// give up 60 s after the drop. Times are milliseconds.

export const RECONNECT = {
  firstDelay: 1_000,
  maxDelay: 30_000,
  giveUpAfter: 60_000,
  /** How long a peer of a participant whose link dropped is kept for them to come back. */
  awayPeerGrace: 60_000,
  minAttemptInterval: 1_000,
} as const;

/** The wait before attempt `attempt` (from 1), measured from the failure before it. */
export function reconnectDelay(attempt: number): number {
  const doubled = RECONNECT.firstDelay * 2 ** Math.max(0, attempt - 1);
  return Math.max(RECONNECT.minAttemptInterval, Math.min(doubled, RECONNECT.maxDelay));
}

/** Bookkeeping while the link is down, from the drop until back in (or giving up). */
export class Backoff {
  attempt = 1;
  /** When to start the next attempt; null while one is under way. */
  nextAt: number | null;

  constructor(readonly lostAt: number) {
    this.nextAt = lostAt + reconnectDelay(1);
  }

  attemptFailed(now: number): void {
    this.attempt += 1;
    this.nextAt = now + reconnectDelay(this.attempt);
  }

  due(now: number): boolean {
    return this.nextAt !== null && this.nextAt <= now;
  }

  beginAttempt(): void {
    this.nextAt = null;
  }

  get giveUpAt(): number {
    return this.lostAt + RECONNECT.giveUpAfter;
  }

  /** The earliest time something is due: the next attempt or giving up. */
  get deadline(): number {
    return this.nextAt === null ? this.giveUpAt : Math.min(this.nextAt, this.giveUpAt);
  }
}
