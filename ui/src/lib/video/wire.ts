// The frame socket's wire format, version 1 (docs/frames.md; Rust: crates/media/src/frames/wire.rs).
// Binary messages: a little-endian header, then an NV12 picture. Text messages: JSON.

import type { TrackId } from "../ipc/contract";

/** `MQF1` read as a big-endian u32. */
export const FRAME_MAGIC = 0x4d514631;
/** Bytes before the track id. */
export const FIXED_HEADER_LEN = 24;
/** Largest width or height accepted (the engine scales to at most 8192; native 4K fits). */
export const MAX_DIMENSION = 16384;

export interface Nv12Frame {
  track: TrackId;
  width: number;
  height: number;
  /** Capture time in microseconds, as the engine stamped it. */
  timestampUs: bigint;
  /** `width × height` luma bytes, one row after another. */
  y: Uint8Array;
  /** `width × height / 2` bytes of interleaved U V pairs, one per 2×2 pixels. */
  uv: Uint8Array;
}

export type FrameRejection =
  "short" | "notVersion1" | "badHeaderLen" | "badSize" | "badLength" | "badTrack";

export type ParsedFrame = { ok: true; frame: Nv12Frame } | { ok: false; reason: FrameRejection };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads one binary message. Never throws; the planes are views into `buf` (no copy). */
export function parseFrame(buf: ArrayBuffer): ParsedFrame {
  if (buf.byteLength < FIXED_HEADER_LEN) return { ok: false, reason: "short" };
  const v = new DataView(buf);
  if (v.getUint32(0, false) !== FRAME_MAGIC) return { ok: false, reason: "notVersion1" };
  const headerLen = v.getUint16(4, true);
  const trackLen = v.getUint16(6, true);
  const width = v.getUint32(8, true);
  const height = v.getUint32(12, true);
  const timestampUs = v.getBigUint64(16, true);
  if (
    headerLen % 8 !== 0 ||
    headerLen < FIXED_HEADER_LEN + trackLen ||
    headerLen > buf.byteLength
  ) {
    return { ok: false, reason: "badHeaderLen" };
  }
  if (
    width === 0 ||
    height === 0 ||
    width % 2 !== 0 ||
    height % 2 !== 0 ||
    width > MAX_DIMENSION ||
    height > MAX_DIMENSION
  ) {
    return { ok: false, reason: "badSize" };
  }
  const lumaLen = width * height;
  if (buf.byteLength !== headerLen + (lumaLen * 3) / 2) return { ok: false, reason: "badLength" };
  if (trackLen === 0) return { ok: false, reason: "badTrack" };
  let track: string;
  try {
    track = utf8.decode(new Uint8Array(buf, FIXED_HEADER_LEN, trackLen));
  } catch {
    return { ok: false, reason: "badTrack" };
  }
  return {
    ok: true,
    frame: {
      track,
      width,
      height,
      timestampUs,
      y: new Uint8Array(buf, headerLen, lumaLen),
      uv: new Uint8Array(buf, headerLen + lumaLen, lumaLen / 2),
    },
  };
}

const utf8Encoder = new TextEncoder();

/**
 * Builds one binary message (the mock's frame source and the tests use it). `extraHeader` adds
 * padding beyond the minimum, as a later header extension would.
 */
export function encodeFrame(
  track: TrackId,
  width: number,
  height: number,
  timestampUs: bigint,
  y: Uint8Array,
  uv: Uint8Array,
  extraHeader = 0,
): ArrayBuffer {
  const trackBytes = utf8Encoder.encode(track);
  const headerLen = Math.ceil((FIXED_HEADER_LEN + trackBytes.length + extraHeader) / 8) * 8;
  const buf = new ArrayBuffer(headerLen + y.length + uv.length);
  const v = new DataView(buf);
  v.setUint32(0, FRAME_MAGIC, false);
  v.setUint16(4, headerLen, true);
  v.setUint16(6, trackBytes.length, true);
  v.setUint32(8, width, true);
  v.setUint32(12, height, true);
  v.setBigUint64(16, timestampUs, true);
  const bytes = new Uint8Array(buf);
  bytes.set(trackBytes, FIXED_HEADER_LEN);
  bytes.set(y, headerLen);
  bytes.set(uv, headerLen + y.length);
  return buf;
}

// ───────────────────────────── JSON text messages ──────────────────────────────────────────────

export type ClientFrameMessage =
  | { type: "subscribe"; track: TrackId; width: number; height: number; maxInFlight?: number }
  | { type: "unsubscribe"; track: TrackId }
  // One frame of the track was drawn or skipped: with `maxInFlight`, the server may send another.
  | { type: "ack"; track: TrackId };

export type FrameErrorCode =
  "badMessage" | "badTrack" | "badSize" | "notSubscribed" | "tooManySubscriptions";

export type ServerFrameMessage =
  | { type: "subscribed"; track: TrackId; width: number; height: number }
  | { type: "unsubscribed"; track: TrackId }
  | { type: "error"; code: FrameErrorCode; message: string; track?: TrackId };

/** Reads a text message from the server; `null` for anything that is not one of ours. */
export function parseServerMessage(text: string): ServerFrameMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== "object" || msg === null) return null;
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case "subscribed":
      return typeof m.track === "string" &&
        typeof m.width === "number" &&
        typeof m.height === "number"
        ? { type: "subscribed", track: m.track, width: m.width, height: m.height }
        : null;
    case "unsubscribed":
      return typeof m.track === "string" ? { type: "unsubscribed", track: m.track } : null;
    case "error":
      return typeof m.code === "string" && typeof m.message === "string"
        ? {
            type: "error",
            code: m.code as FrameErrorCode,
            message: m.message,
            ...(typeof m.track === "string" ? { track: m.track } : {}),
          }
        : null;
    default:
      return null;
  }
}
