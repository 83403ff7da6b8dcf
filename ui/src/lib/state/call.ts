// What the UI asks of the call snapshot its backend sends. The snapshot and its reducer live with
// the backends (../ipc/callSnapshot.ts); the UI draws the snapshot and never reduces events.

import type { CallSnapshot } from "../ipc/contract";

// The browser client's runner (ipc/browser/runner.ts) takes the reducer from here.
export { emptySnapshot, isActive, reduceCall } from "../ipc/callSnapshot";

/** Whether we act as host now (in the call, or reconnecting to it). */
export function isHostNow(s: CallSnapshot): boolean {
  return s.self?.role === "host" && (s.state.type === "inCall" || s.state.type === "reconnecting");
}
