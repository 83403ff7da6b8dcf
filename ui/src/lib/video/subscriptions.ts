// Which tracks this window wants, at what size, over its one frame socket.
//
// Several tiles may show the same track (a pinned speaker and its filmstrip thumbnail): the
// socket carries one subscription per track, at the largest size any tile asks for. The first
// `subscribe` goes out at once; size changes from a ResizeObserver are debounced; the last tile
// to leave sends `unsubscribe`. After a reconnect every subscription is sent again.
//
// With `schedule` (the window's next paint), frames are handed to the tiles there: only the newest
// frame of each track is drawn, the ones it replaced are skipped. With `maxInFlight`, the server
// sends a track at most that many frames ahead of the acks this sends for each frame drawn or
// skipped, so a page that draws slower than the engine publishes is sent fewer frames instead of
// queueing them (the webview reads the socket in another process and would buffer every one).

import type { TrackId } from "../ipc/contract";
import type { ClientFrameMessage, Nv12Frame, ServerFrameMessage } from "./wire";

/** A tile's size in device pixels; 0 × 0 means "no preference" (native size). */
export interface PixelSize {
  width: number;
  height: number;
}

export type FrameListener = (frame: Nv12Frame) => void;

export interface Subscription {
  /** The tile was resized (device pixels). */
  resize(size: PixelSize): void;
  /** The tile is gone. */
  close(): void;
}

interface Viewer {
  size: PixelSize;
  onFrame: FrameListener;
}

interface TrackState {
  viewers: Set<Viewer>;
  /** The size last sent for this track, or null before the first send. */
  sent: PixelSize | null;
  timer: ReturnType<typeof setTimeout> | null;
  /** The newest frame not yet handed to the tiles (with `schedule`). */
  pending: Nv12Frame | null;
}

export interface SubscriptionOptions {
  send: (msg: ClientFrameMessage) => void;
  /** Delay for resize-driven resubscribes. */
  debounceMs?: number;
  /** Refused subscriptions (bad track, too many): for logs. */
  onError?: (msg: Extract<ServerFrameMessage, { type: "error" }>) => void;
  /** Runs a callback before the next paint (`requestAnimationFrame`); absent: frames go to the
   * tiles as they arrive. */
  schedule?: (callback: () => void) => void;
  /** Frames of a track the server may send ahead of this side's acks; absent: no limit, no acks. */
  maxInFlight?: number;
}

/** The protocol's largest size; larger requests are clamped. */
export const MAX_REQUEST = 8192;

function clampSize(size: PixelSize): PixelSize {
  const c = (n: number) => (Number.isFinite(n) && n > 0 ? Math.min(MAX_REQUEST, Math.round(n)) : 0);
  return { width: c(size.width), height: c(size.height) };
}

/** The size to ask the engine for: the largest width and the largest height among viewers. */
export function wantedSize(sizes: Iterable<PixelSize>): PixelSize {
  let width = 0;
  let height = 0;
  for (const s of sizes) {
    width = Math.max(width, s.width);
    height = Math.max(height, s.height);
  }
  return { width, height };
}

export class FrameSubscriptions {
  private readonly tracks = new Map<TrackId, TrackState>();
  private connected = false;
  private readonly debounceMs: number;
  private deliveryScheduled = false;

  constructor(private readonly opts: SubscriptionOptions) {
    this.debounceMs = opts.debounceMs ?? 150;
  }

  /** Tracks with at least one viewer. */
  get activeTracks(): TrackId[] {
    return [...this.tracks.keys()];
  }

  subscribe(track: TrackId, size: PixelSize, onFrame: FrameListener): Subscription {
    const viewer: Viewer = { size: clampSize(size), onFrame };
    let state = this.tracks.get(track);
    const isNew = !state;
    if (!state) {
      state = { viewers: new Set(), sent: null, timer: null, pending: null };
      this.tracks.set(track, state);
    }
    state.viewers.add(viewer);
    if (isNew) this.flush(track);
    else this.schedule(track);
    let closed = false;
    return {
      resize: (next) => {
        if (closed) return;
        viewer.size = clampSize(next);
        this.schedule(track);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.remove(track, viewer);
      },
    };
  }

  /** The socket opened: send every subscription again (the server forgets them on close). */
  setConnected(connected: boolean): void {
    this.connected = connected;
    for (const [track, state] of this.tracks) {
      state.sent = null;
      // Frames of the old connection are owed no acks; the new one starts afresh.
      state.pending = null;
      if (connected) this.flush(track);
    }
  }

  /**
   * A frame arrived: hand it to the tiles showing its track (now, or before the next paint with
   * `schedule`, replacing a frame still waiting there); frames of other tracks are dropped.
   */
  handleFrame(frame: Nv12Frame): boolean {
    const state = this.tracks.get(frame.track);
    if (!state) return false;
    const { schedule } = this.opts;
    if (!schedule) {
      for (const viewer of state.viewers) viewer.onFrame(frame);
      this.ack(frame.track);
      return true;
    }
    if (state.pending) this.ack(frame.track);
    state.pending = frame;
    if (!this.deliveryScheduled) {
      this.deliveryScheduled = true;
      schedule(() => this.deliver());
    }
    return true;
  }

  /** Hands every waiting frame to its tiles. */
  private deliver(): void {
    this.deliveryScheduled = false;
    for (const [track, state] of this.tracks) {
      const frame = state.pending;
      if (!frame) continue;
      state.pending = null;
      for (const viewer of state.viewers) viewer.onFrame(frame);
      this.ack(track);
    }
  }

  private ack(track: TrackId): void {
    if (this.opts.maxInFlight && this.connected) this.opts.send({ type: "ack", track });
  }

  handleMessage(msg: ServerFrameMessage): void {
    if (msg.type === "error") this.opts.onError?.(msg);
  }

  /** Stop all timers (the window is closing). */
  dispose(): void {
    for (const state of this.tracks.values()) if (state.timer) clearTimeout(state.timer);
    this.tracks.clear();
  }

  private schedule(track: TrackId): void {
    const state = this.tracks.get(track);
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      this.flush(track);
    }, this.debounceMs);
  }

  private flush(track: TrackId): void {
    const state = this.tracks.get(track);
    if (!state || !this.connected) return;
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    const size = wantedSize([...state.viewers].map((v) => v.size));
    if (state.sent && state.sent.width === size.width && state.sent.height === size.height) return;
    state.sent = size;
    const { maxInFlight } = this.opts;
    this.opts.send({
      type: "subscribe",
      track,
      width: size.width,
      height: size.height,
      ...(maxInFlight ? { maxInFlight } : {}),
    });
  }

  private remove(track: TrackId, viewer: Viewer): void {
    const state = this.tracks.get(track);
    if (!state) return;
    state.viewers.delete(viewer);
    if (state.viewers.size > 0) {
      this.schedule(track);
      return;
    }
    if (state.timer) clearTimeout(state.timer);
    this.tracks.delete(track);
    if (this.connected && state.sent) this.opts.send({ type: "unsubscribe", track });
  }
}
