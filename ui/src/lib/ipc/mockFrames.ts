// A stand-in for the engine's frame socket: speaks the same JSON and binary messages
// (docs/frames.md) so the real parser, subscription manager and renderer run in the mock.
// Each subscribed track gets a moving picture: colour bands that drift, a hue per track; a
// shared screen looks like a slide with a moving pointer. The mock backend says which a track
// shows.

import type { FrameSocketLike, MediaSource, TrackId } from "./contract";
import { encodeFrame } from "../video/wire";

/** Keep fake frames small: the point is movement, not detail. */
const MAX_FAKE_WIDTH = 320;
const MAX_FAKE_HEIGHT = 180;
const FPS = 12;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The picture size for a request: fits the tile, at most 320 × 180, even, 16:9 by default. */
export function fakeFrameSize(width: number, height: number): { width: number; height: number } {
  let w = width > 0 ? width : MAX_FAKE_WIDTH;
  let h = height > 0 ? height : MAX_FAKE_HEIGHT;
  const scale = Math.min(1, MAX_FAKE_WIDTH / w, MAX_FAKE_HEIGHT / h);
  w = Math.max(2, Math.round((w * scale) / 2) * 2);
  h = Math.max(2, Math.round((h * scale) / 2) * 2);
  return { width: w, height: h };
}

/** One NV12 picture of `track`, showing a camera or a shared screen, at time `t` (seconds). */
export function fakePicture(
  track: TrackId,
  source: MediaSource,
  width: number,
  height: number,
  t: number,
) {
  if (source === "screen") return fakeScreen(track, width, height, t);
  const y = new Uint8Array(width * height);
  const uv = new Uint8Array((width * height) / 2);
  const hue = (hash(track) % 360) * (Math.PI / 180) + t * 0.6;
  const u = Math.round(128 + 90 * Math.cos(hue));
  const v = Math.round(128 + 90 * Math.sin(hue));
  const shift = Math.floor(t * 40);
  for (let row = 0; row < height; row++) {
    const band = ((row + shift) >> 4) & 1;
    y.fill(band ? 150 : 90, row * width, (row + 1) * width);
  }
  // A bright square sweeping across, so even a still hue shows motion.
  const size = Math.max(2, Math.floor(height / 4));
  const x0 = Math.floor(((t * 0.25) % 1) * (width - size));
  const y0 = Math.floor(height / 2 - size / 2);
  for (let row = y0; row < y0 + size; row++) y.fill(230, row * width + x0, row * width + x0 + size);
  for (let i = 0; i < uv.length; i += 2) {
    uv[i] = u;
    uv[i + 1] = v;
  }
  return { y, uv };
}

/**
 * A shared screen: a light slide with a coloured title bar, lines of "text" and a pointer that
 * moves across it, so a screen tile is told apart from a camera and still shows motion.
 */
function fakeScreen(track: TrackId, width: number, height: number, t: number) {
  const y = new Uint8Array(width * height).fill(225);
  const uv = new Uint8Array((width * height) / 2).fill(128);
  const title = Math.max(2, Math.floor(height / 8) & ~1);
  y.fill(110, 0, title * width);
  const hue = (hash(track) % 360) * (Math.PI / 180);
  for (let i = 0; i < (title / 2) * width; i += 2) {
    uv[i] = Math.round(128 + 70 * Math.cos(hue));
    uv[i + 1] = Math.round(128 + 70 * Math.sin(hue));
  }
  // Lines of text: dark bars of varying length, with a gap between lines.
  const line = Math.max(2, Math.floor(height / 14));
  const margin = Math.floor(width / 12);
  for (let top = title + line, n = 0; top + line <= height - line; top += line * 2, n++) {
    const length = Math.floor((width - 2 * margin) * (0.45 + 0.5 * (((n * 37) % 10) / 10)));
    for (let row = top; row < top + Math.ceil(line / 2); row++)
      y.fill(70, row * width + margin, row * width + margin + length);
  }
  // The pointer: a dark square going round in a circle.
  const size = Math.max(2, Math.floor(height / 10));
  const cx = Math.floor(width / 2 + (width / 3) * Math.cos(t * 1.5) - size / 2);
  const cy = Math.floor(height / 2 + (height / 4) * Math.sin(t * 1.5) - size / 2);
  for (let row = Math.max(0, cy); row < Math.min(height, cy + size); row++)
    y.fill(20, row * width + Math.max(0, cx), row * width + Math.min(width, cx + size));
  return { y, uv };
}

/** Implements the browser WebSocket surface the frame connection uses. */
export class FakeFrameSocket implements FrameSocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  private readonly subs = new Map<TrackId, { width: number; height: number }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly started = Date.now();

  constructor(
    readonly url: string,
    /**
     * What each track shows now; null: subscribed but silent, like a camera off. Every track a
     * camera by default.
     */
    private readonly shows: (track: TrackId) => MediaSource | null = () => "camera",
  ) {
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.(new Event("open"));
      this.timer = setInterval(() => this.tick(), 1000 / FPS);
    }, 0);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    const msg = JSON.parse(data) as {
      type: string;
      track: string;
      width?: number;
      height?: number;
    };
    if (msg.type === "subscribe") {
      this.subs.set(msg.track, fakeFrameSize(msg.width ?? 0, msg.height ?? 0));
      this.reply({
        type: "subscribed",
        track: msg.track,
        width: msg.width ?? 0,
        height: msg.height ?? 0,
      });
    } else if (msg.type === "unsubscribe") {
      this.subs.delete(msg.track);
      this.reply({ type: "unsubscribed", track: msg.track });
    } else if (msg.type === "ack") {
      // Frames go at the mock's own pace; acks (for `maxInFlight`) need no answer.
    } else {
      this.reply({ type: "error", code: "badMessage", message: "unknown type" });
    }
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    if (this.timer) clearInterval(this.timer);
    this.onclose?.(new CloseEvent("close", { code, reason, wasClean: true }));
  }

  private reply(msg: object): void {
    queueMicrotask(() =>
      this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(msg) })),
    );
  }

  private tick(): void {
    const t = (Date.now() - this.started) / 1000;
    for (const [track, size] of this.subs) {
      const source = this.shows(track);
      if (!source) continue;
      const { y, uv } = fakePicture(track, source, size.width, size.height, t);
      const data = encodeFrame(track, size.width, size.height, BigInt(Math.round(t * 1e6)), y, uv);
      this.onmessage?.(new MessageEvent("message", { data }));
    }
  }
}
