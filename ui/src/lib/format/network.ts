// The network check's result in plain language (the pre-join screen shows one sentence and
// what to do, not numbers).

import type { NetworkCheck } from "../ipc/contract";
import type { MessageKey } from "../i18n/index.svelte";

export interface NetworkVerdict {
  level: "good" | "warn" | "bad";
  key: MessageKey;
  params: Record<string, number>;
}

/** Bitrates (kbit/s) the engine starts each quality at (mulaqat_media::Quality::start_bitrate_kbps). */
export const NEEDED_KBPS = { p360: 800, p720: 2000, p1080: 4000, p2160: 12000 } as const;

export function describeNetworkCheck(check: NetworkCheck): NetworkVerdict {
  if (!check.server.ok) return { level: "bad", key: "network.serverUnreachable", params: {} };
  if (check.turn && !check.turn.ok)
    return { level: "bad", key: "network.relayBlocked", params: {} };
  const up = check.uplinkKbps;
  if (up === null) return { level: "good", key: "network.reachable", params: {} };
  const kbps = Math.round(up);
  if (up < NEEDED_KBPS.p360) return { level: "bad", key: "network.tooSlow", params: { kbps } };
  if (up < NEEDED_KBPS.p720) return { level: "warn", key: "network.slow", params: { kbps } };
  if (up < NEEDED_KBPS.p2160) return { level: "good", key: "network.goodHd", params: { kbps } };
  return { level: "good", key: "network.good4k", params: { kbps } };
}
