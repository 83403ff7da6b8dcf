// The network check's result as one plain-language line per step: the server, the relay, the
// speed (and whether it carries the chosen quality). Words only come from the catalogues: a step's
// `problem` becomes advice in the user's language; the backend's `detail` (English, for IT) goes
// under it, or stands alone when the backend named no problem.

import type { CheckProblem, CheckStep, NetworkCheck, QualityChoice } from "../../lib/ipc/contract";
import type { MessageKey, Params } from "../../lib/i18n/index.svelte";
import { NEEDED_KBPS } from "../../lib/format/network";

export type CheckLevel = "good" | "warn" | "bad";

export type FixedQuality = keyof typeof NEEDED_KBPS;

/** A catalogue sentence; `qualities` are placeholders filled with a quality's translated name. */
export interface Sentence {
  key: MessageKey;
  params: Params;
  qualities?: Record<string, FixedQuality>;
}

export interface CheckLine extends Sentence {
  step: "server" | "relay" | "speed";
  level: CheckLevel;
  /** A second sentence (the speed's verdict for the chosen quality). */
  then?: Sentence;
  /** What to do about the step's problem, when the backend named it. */
  advice?: Sentence;
  /** The backend's own explanation, when a step failed or has a note. */
  detail: string | null;
}

/** The sentence in the current language. */
export function say(s: Sentence, t: (key: MessageKey, params?: Params) => string): string {
  const params: Params = { ...s.params };
  for (const [name, q] of Object.entries(s.qualities ?? {})) params[name] = t(`quality.${q}`);
  return t(s.key, params);
}
/** Best first. */
const FIXED: readonly FixedQuality[] = ["p2160", "p1080", "p720", "p360"];

/** Mbit/s with one decimal (kbit/s in, as the backend measures). */
export function mbps(kbps: number): number {
  return Math.round(kbps / 100) / 10;
}

/** The best quality `kbps` carries, or null when not even the lowest. */
export function bestQualityFor(kbps: number): FixedQuality | null {
  return FIXED.find((q) => kbps >= NEEDED_KBPS[q]) ?? null;
}

/** What to do about a step's problem, in the user's language. */
export function advice(problem: CheckProblem): Sentence {
  return { key: `network.problem.${problem}`, params: {} };
}

/** The advice (when the backend named the problem) and the backend's own words. */
function explained(step: CheckStep): Pick<CheckLine, "advice" | "detail"> {
  return step.problem === null
    ? { detail: step.detail }
    : { advice: advice(step.problem), detail: step.detail };
}

export function describeCheck(check: NetworkCheck, quality: QualityChoice): CheckLine[] {
  const server: CheckLine = check.server.ok
    ? {
        step: "server",
        level: "good",
        key: check.server.ms === null ? "network.serverAnswers" : "network.serverOk",
        params: check.server.ms === null ? {} : { ms: check.server.ms },
        ...explained(check.server),
      }
    : {
        step: "server",
        level: "bad",
        key: "network.serverFailed",
        params: {},
        ...explained(check.server),
      };
  if (!check.server.ok) return [server];
  return [server, relayLine(check), speedLine(check, quality)];
}

function relayLine(check: NetworkCheck): CheckLine {
  const turn = check.turn;
  if (turn === null)
    return { step: "relay", level: "good", key: "network.relayNone", params: {}, detail: null };
  if (turn.ok)
    return {
      step: "relay",
      level: "good",
      key: turn.ms === null ? "network.relayWorks" : "network.relayOk",
      params: turn.ms === null ? {} : { ms: turn.ms },
      detail: null,
    };
  return {
    step: "relay",
    level: "warn",
    key: "network.relayFailed",
    params: {},
    ...explained(turn),
  };
}

function speedLine(check: NetworkCheck, quality: QualityChoice): CheckLine {
  const up = check.uplinkKbps;
  const down = check.downlinkKbps;
  if (up === null || down === null)
    return { step: "speed", level: "warn", key: "network.speedUnknown", params: {}, detail: null };
  const params = { up: mbps(up), down: mbps(down) };
  // What we send is limited by the way up; what others send us by the way down.
  const carried = bestQualityFor(Math.min(up, down));
  if (carried === null)
    return {
      step: "speed",
      level: "bad",
      key: "network.speed",
      params,
      then: { key: "network.speedTooSlow", params: {} },
      detail: null,
    };
  if (quality === "auto")
    return {
      step: "speed",
      level: "good",
      key: "network.speed",
      params,
      then: { key: "network.speedAuto", params: {}, qualities: { quality: carried } },
      detail: null,
    };
  if (Math.min(up, down) >= NEEDED_KBPS[quality])
    return {
      step: "speed",
      level: "good",
      key: "network.speed",
      params,
      then: { key: "network.speedEnough", params: {}, qualities: { quality } },
      detail: null,
    };
  return {
    step: "speed",
    level: "warn",
    key: "network.speed",
    params,
    then: { key: "network.speedNotEnough", params: {}, qualities: { quality, fit: carried } },
    detail: null,
  };
}
