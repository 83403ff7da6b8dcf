// Which video codec the browser offers and answers with: H.264 constrained baseline
// (`profile-level-id=42e01f`, `packetization-mode=1`, what every browser and the desktop app
// decode) first, then VP8, then whatever else the browser has. A page opened with
// `#...&codec=vp8` (or `h264`) offers and accepts only that one (tests; browsers without H.264).
// `setCodecPreferences` where the browser has it; otherwise the offer's SDP is reordered.
// `join.decodes` tells the server which of H.264 and VP8 we decode (an SFU room's codec).

import type { ForcedCodec } from "./link";
import type { VideoCodec } from "./wire";

/** A codec as `RTCRtpCodecCapability` / `RTCRtpCodec` describes it. */
export interface CodecLike {
  mimeType: string;
  clockRate?: number;
  sdpFmtpLine?: string;
}

/** Codecs that are not pictures: retransmission, redundancy, error correction. */
const HELPERS = ["video/rtx", "video/red", "video/ulpfec", "video/flexfec-03"];

function fmtp(codec: CodecLike): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of (codec.sdpFmtpLine ?? "").split(";")) {
    const [key, value] = part.trim().split("=");
    if (key) params.set(key.toLowerCase(), (value ?? "").toLowerCase());
  }
  return params;
}

/** H.264 constrained baseline 3.1 with packetization mode 1. */
export function isBaselineH264(codec: CodecLike): boolean {
  if (codec.mimeType.toLowerCase() !== "video/h264") return false;
  const p = fmtp(codec);
  const profile = p.get("profile-level-id") ?? "";
  return profile.startsWith("42e0") && p.get("packetization-mode") === "1";
}

/**
 * The video codecs we decode, for `join.decodes`: only the forced one when there is one, else
 * H.264 constrained baseline and VP8 as the receiver's capabilities list them. Null (the field
 * left out: both) when the browser cannot tell.
 */
export function decodableCodecs(
  capabilities: ((kind: string) => RTCRtpCapabilities | null) | null,
  forced: ForcedCodec | null,
): VideoCodec[] | null {
  if (forced) return [forced];
  const codecs = capabilities?.("video")?.codecs ?? [];
  const decodes: VideoCodec[] = [];
  if (codecs.some(isBaselineH264)) decodes.push("h264");
  if (codecs.some((c) => c.mimeType.toLowerCase() === "video/vp8")) decodes.push("vp8");
  return decodes.length ? decodes : null;
}

/** How much we want a codec: lower is better; null: not at all. */
function rank(codec: CodecLike, forced: ForcedCodec | null): number | null {
  const mime = codec.mimeType.toLowerCase();
  if (HELPERS.includes(mime)) return 10;
  const h264 = mime === "video/h264";
  const vp8 = mime === "video/vp8";
  if (forced === "h264") return isBaselineH264(codec) ? 0 : null;
  if (forced === "vp8") return vp8 ? 0 : null;
  if (isBaselineH264(codec)) return 0;
  if (vp8) return 1;
  return h264 ? 2 : 3;
}

/** The browser's video codecs in the order we prefer them (unwanted ones left out). */
export function orderCodecs<T extends CodecLike>(
  codecs: readonly T[],
  forced: ForcedCodec | null,
): T[] {
  return codecs
    .map((codec, i) => ({ codec, i, r: rank(codec, forced) }))
    .filter((c): c is { codec: T; i: number; r: number } => c.r !== null)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((c) => c.codec);
}

/** Sets a video transceiver's codec order; false when the browser cannot (then munge the SDP). */
export function preferCodecs(
  transceiver: RTCRtpTransceiver,
  forced: ForcedCodec | null,
  capabilities: ((kind: string) => RTCRtpCapabilities | null) | null,
): boolean {
  if (typeof transceiver.setCodecPreferences !== "function" || !capabilities) return false;
  const codecs = capabilities("video")?.codecs ?? [];
  const ordered = orderCodecs(codecs, forced);
  if (!ordered.some((c) => !HELPERS.includes(c.mimeType.toLowerCase()))) return false;
  try {
    transceiver.setCodecPreferences(ordered);
    return true;
  } catch {
    return false;
  }
}

/**
 * The same order applied to an SDP's video sections: payload types reordered on each
 * `m=video` line, unwanted codecs (and their `rtx`) removed with their attributes.
 */
export function mungeVideoCodecs(sdp: string, forced: ForcedCodec | null): string {
  const eol = sdp.includes("\r\n") ? "\r\n" : "\n";
  const sections = sdp.split(/(?=^m=)/m);
  return sections.map((s) => (s.startsWith("m=video") ? mungeSection(s, forced, eol) : s)).join("");
}

function mungeSection(section: string, forced: ForcedCodec | null, eol: string): string {
  const lines = section.split(eol);
  const codecs = new Map<string, CodecLike & { apt?: string }>();
  for (const line of lines) {
    const map = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)/.exec(line);
    if (map?.[1] && map[2])
      codecs.set(map[1], { mimeType: `video/${map[2]}`, clockRate: Number(map[3]) });
    const fm = /^a=fmtp:(\d+) (.*)$/.exec(line);
    const codec = fm?.[1] ? codecs.get(fm[1]) : undefined;
    if (codec && fm?.[2]) {
      codec.sdpFmtpLine = fm[2];
      codec.apt = /apt=(\d+)/.exec(fm[2])?.[1];
    }
  }
  const entries = [...codecs].map(([pt, c]) => ({ ...c, pt }));
  const wanted = orderCodecs(
    entries.filter((c) => c.apt === undefined),
    forced,
  ).map((c) => c.pt);
  const kept = new Set(wanted);
  const order = wanted.flatMap((pt) => [
    pt,
    ...entries.filter((c) => c.apt === pt).map((c) => c.pt),
  ]);
  for (const pt of order) kept.add(pt);
  const [first, ...rest] = lines;
  const header = (first ?? "").split(" ");
  const others = header.slice(3).filter((pt) => !codecs.has(pt));
  const mline = [...header.slice(0, 3), ...order, ...others].join(" ");
  const attr = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/;
  const body = rest.filter((line) => {
    const pt = attr.exec(line)?.[1];
    return pt === undefined || kept.has(pt) || !codecs.has(pt);
  });
  return [mline, ...body].join(eol);
}
