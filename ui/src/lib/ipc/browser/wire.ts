// The signalling protocol's frames (docs/protocol.md) for the browser client: server frames
// checked into the generated `ServerMsg` type, client messages written as `mulaqat-protocol`
// writes them (field order, optional fields left out). The types come from the Rust crate
// (../../bindings/protocol.ts, ts-rs); the golden files of crates/protocol/tests/golden/ test
// both directions (wire.test.ts).

import type { ClientMsg, ServerMsg } from "../../bindings/protocol";

export type * from "../../bindings/protocol";

/** The protocol version this client speaks (`PROTOCOL_VERSION`). */
export const PROTOCOL_VERSION = 1;

/** The largest server frame read, as `mulaqat-client` allows (1 MiB). */
export const MAX_SERVER_MESSAGE = 1024 * 1024;

type Kind = "string" | "number" | "boolean" | "object" | "array";
/** A field and its JSON kind; `?` marks one that may be absent (or null). */
type Field = readonly [name: string, kind: Kind, optional?: "?"];

const participant: Field = ["participant", "string"];
const sdp: Field = ["sdp", "string"];
const publication: Field = ["publication", "string"];
const candidate: Field = ["candidate", "object"];
const target: Field = ["target", "object"];

/** Every server message type with the fields it must carry (serde's required fields). */
const SERVER_FIELDS: { readonly [T in ServerMsg["type"]]: readonly Field[] } = {
  welcome: [
    ["version", "number"],
    ["participantId", "string"],
    ["room", "string"],
    ["role", "string"],
    ["mode", "string"],
    ["policy", "object"],
    ["iceServers", "array"],
    ["iceExpiresAt", "number", "?"],
    ["iceTtlSecs", "number", "?"],
    ["participants", "array"],
    ["lobby", "array"],
    ["chat", "array"],
    ["resumeToken", "string"],
  ],
  lobbyWaiting: [
    ["version", "number"],
    ["participantId", "string"],
    ["reason", "string"],
  ],
  knock: [["participant", "object"]],
  knockResolved: [participant, ["outcome", "string"]],
  joined: [["participant", "object"]],
  left: [participant, ["reason", "string"]],
  signal: [
    ["from", "string"],
    ["sdp", "object", "?"],
    ["candidate", "object", "?"],
  ],
  chat: [["message", "object"]],
  mediaState: [participant, ["audio", "boolean"], ["video", "boolean"], ["screen", "boolean"]],
  handRaised: [participant, ["raised", "boolean"]],
  iceServers: [
    ["iceServers", "array"],
    ["iceExpiresAt", "number", "?"],
    ["iceTtlSecs", "number", "?"],
  ],
  closed: [["reason", "string"]],
  error: [
    ["code", "string"],
    ["message", "string"],
  ],
  modeChanged: [
    ["mode", "string"],
    ["sfu", "object", "?"],
  ],
  sfuPublished: [publication, sdp],
  sfuOffer: [["subscription", "number"], ["feed", "string"], publication, sdp],
  sfuCandidate: [target, candidate],
  sfuFeeds: [
    ["available", "array", "?"],
    ["gone", "array", "?"],
  ],
  sfuTalking: [participant, ["talking", "boolean"]],
  sfuRefused: [
    ["target", "object", "?"],
    ["code", "string"],
    ["message", "string"],
  ],
  sfuReset: [["reason", "string"]],
};

/** Every `type` the server may send. */
export const SERVER_TYPES = Object.keys(SERVER_FIELDS) as ServerMsg["type"][];

function kindOf(value: unknown): Kind | "null" | "other" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  const t = typeof value;
  return t === "string" || t === "number" || t === "boolean" || t === "object" ? t : "other";
}

/** Why a frame is not a server message (for logs: never the frame itself). */
export type DecodeProblem = "notJson" | "notAnObject" | "unknownType" | "badFields";

/** A server frame as a message, or why it is not one. */
export function decodeServer(
  text: string,
): { ok: true; msg: ServerMsg } | { ok: false; problem: DecodeProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "notJson" };
  }
  if (kindOf(value) !== "object") return { ok: false, problem: "notAnObject" };
  const obj = value as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== "string" || !Object.hasOwn(SERVER_FIELDS, type))
    return { ok: false, problem: "unknownType" };
  const fields = SERVER_FIELDS[type as ServerMsg["type"]];
  for (const [name, kind, optional] of fields) {
    const got = kindOf(obj[name]);
    const absent = got === "null" || obj[name] === undefined;
    if (absent ? !optional : got !== kind) return { ok: false, problem: "badFields" };
  }
  if (type === "signal" && (obj.sdp === undefined) === (obj.candidate === undefined))
    return { ok: false, problem: "badFields" };
  if (type === "sfuFeeds") {
    // `#[serde(default)]`: absent lists are empty.
    obj.available ??= [];
    obj.gone ??= [];
  }
  return { ok: true, msg: obj as ServerMsg };
}

/** Field order as serde writes each client message (flattened fields in place). */
const CLIENT_ORDER: { readonly [T in ClientMsg["type"]]: readonly string[] } = {
  hello: ["version", "token"],
  join: ["room", "displayName", "role", "resume", "media", "decodes"],
  admit: ["participant"],
  deny: ["participant"],
  remove: ["participant"],
  endMeeting: [],
  signal: ["to", "sdp", "candidate"],
  chat: ["text"],
  mediaState: ["audio", "video", "screen"],
  raiseHand: ["raised"],
  leave: [],
  refreshIce: [],
  sfuPublish: ["pin", "publication", "sdp"],
  sfuUnpublish: ["publication"],
  sfuSubscribe: ["pin", "feed", "publication"],
  sfuAnswer: ["subscription", "sdp"],
  sfuUnsubscribe: ["subscription"],
  sfuCandidate: ["target", "candidate"],
};

/** Every `type` a client may send. */
export const CLIENT_TYPES = Object.keys(CLIENT_ORDER) as ClientMsg["type"][];

/** Field order of the values inside client messages. */
const NESTED_ORDER: Record<string, readonly string[]> = {
  resume: ["participantId", "resumeToken", "restarted"],
  media: ["audio", "video", "screen"],
  sdp: ["type", "sdp"],
  candidate: ["candidate", "sdpMid", "sdpMLineIndex"],
};

function ordered(value: Record<string, unknown>, order: readonly string[]): object {
  const out: Record<string, unknown> = {};
  for (const key of order) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    const nested = NESTED_ORDER[key];
    out[key] = nested && kindOf(v) === "object" ? ordered(v as Record<string, unknown>, nested) : v;
  }
  return out;
}

/** One client message as a text frame: serde's field order, absent options left out. */
export function encodeClient(msg: ClientMsg): string {
  const body = ordered(msg as unknown as Record<string, unknown>, CLIENT_ORDER[msg.type]);
  return JSON.stringify({ type: msg.type, ...body });
}
