// One frame socket per window, reconnecting on its own.
//
// A refused token looks like a plain close (1006) in a browser, so every attempt asks the backend
// for the URL and token again instead of retrying the old ones (docs/frames.md, "Connecting").

import type { FrameSocketInfo, FrameSocketLike } from "../ipc/contract";
import { FrameSubscriptions } from "./subscriptions";
import { parseFrame, parseServerMessage } from "./wire";

export type FrameSocketStatus = "idle" | "connecting" | "open" | "waiting";

export interface FrameConnectionOptions {
  getInfo: () => Promise<FrameSocketInfo>;
  open: (url: string) => FrameSocketLike;
  onStatus?: (status: FrameSocketStatus) => void;
  /** First retry delay; doubles up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  debounceMs?: number;
  /** When tiles draw (default: before the next paint). */
  schedule?: (callback: () => void) => void;
  /** Frames per track the server may send ahead of the acks (default `FRAMES_IN_FLIGHT`). */
  maxInFlight?: number;
}

/**
 * Frames per track on their way at once: one being drawn and one coming keep the picture fluid;
 * more would only queue in the webview when drawing falls behind.
 */
export const FRAMES_IN_FLIGHT = 2;

/** Before the next paint; a timer where there is no `requestAnimationFrame` (tests). */
function defaultSchedule(callback: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => callback());
  else setTimeout(callback, 0);
}

/** `ws://127.0.0.1:PORT` + token → the URL to open. Never log the result. */
export function frameSocketUrl(info: FrameSocketInfo): string {
  const base = info.url.replace(/\/+$/, "");
  return `${base}/?${new URLSearchParams({ token: info.token }).toString()}`;
}

export class FrameConnection {
  readonly subscriptions: FrameSubscriptions;
  private socket: FrameSocketLike | null = null;
  private stopped = true;
  private delay: number;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private status: FrameSocketStatus = "idle";
  /** Counts frames that were dropped as malformed (for the stats overlay and tests). */
  rejectedFrames = 0;

  constructor(private readonly opts: FrameConnectionOptions) {
    this.delay = opts.minDelayMs ?? 500;
    this.subscriptions = new FrameSubscriptions({
      send: (msg) => {
        if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(msg));
      },
      debounceMs: opts.debounceMs ?? 150,
      schedule: opts.schedule ?? defaultSchedule,
      maxInFlight: opts.maxInFlight ?? FRAMES_IN_FLIGHT,
    });
  }

  get currentStatus(): FrameSocketStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    this.subscriptions.setConnected(false);
    if (s) {
      s.onclose = null;
      s.close(1000, "window closing");
    }
    this.setStatus("idle");
  }

  private setStatus(status: FrameSocketStatus): void {
    this.status = status;
    this.opts.onStatus?.(status);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setStatus("connecting");
    let info: FrameSocketInfo;
    try {
      info = await this.opts.getInfo();
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    const socket = this.opts.open(frameSocketUrl(info));
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.opts.minDelayMs ?? 500;
      this.setStatus("open");
      this.subscriptions.setConnected(true);
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === "string") {
        const msg = parseServerMessage(ev.data);
        if (msg) this.subscriptions.handleMessage(msg);
        return;
      }
      if (!(ev.data instanceof ArrayBuffer)) return;
      const parsed = parseFrame(ev.data);
      if (parsed.ok) this.subscriptions.handleFrame(parsed.frame);
      else this.rejectedFrames += 1;
    };
    socket.onerror = () => {
      // A close event always follows; reconnect there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.subscriptions.setConnected(false);
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.setStatus("waiting");
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 8000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, wait);
  }
}
