import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FrameSocketLike } from "../ipc/contract";
import { FrameConnection, frameSocketUrl } from "./connection";
import { encodeFrame } from "./wire";

class FakeSocket implements FrameSocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code: 1006 }));
  }
  receive(data: string | ArrayBuffer) {
    this.onmessage?.(new MessageEvent("message", { data }));
  }
}

describe("frameSocketUrl", () => {
  it("puts the token in the query string of /", () => {
    expect(frameSocketUrl({ url: "ws://127.0.0.1:4567", token: "abc_-DEF" })).toBe(
      "ws://127.0.0.1:4567/?token=abc_-DEF",
    );
    expect(frameSocketUrl({ url: "ws://127.0.0.1:4567/", token: "t" })).toBe(
      "ws://127.0.0.1:4567/?token=t",
    );
  });
});

describe("FrameConnection", () => {
  let sockets: FakeSocket[];
  let tokens: number;
  let conn: FrameConnection;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    tokens = 0;
    conn = new FrameConnection({
      getInfo: async () => ({ url: "ws://127.0.0.1:9000", token: `token${++tokens}` }),
      open: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      minDelayMs: 500,
      maxDelayMs: 4000,
      debounceMs: 100,
    });
  });
  afterEach(() => {
    conn.stop();
    vi.useRealTimers();
  });

  it("opens one socket with the token and sends subscriptions once it is open", async () => {
    conn.subscriptions.subscribe("p1:video", { width: 320, height: 180 }, () => {});
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.url).toBe("ws://127.0.0.1:9000/?token=token1");
    expect(sockets[0]?.binaryType).toBe("arraybuffer");
    expect(sockets[0]?.sent).toEqual([]);
    sockets[0]?.open();
    expect(sockets[0]?.sent.map((m) => JSON.parse(m))).toEqual([
      { type: "subscribe", track: "p1:video", width: 320, height: 180, maxInFlight: 2 },
    ]);
    expect(conn.currentStatus).toBe("open");
  });

  it("routes binary frames to tiles and counts malformed ones", async () => {
    const got = vi.fn();
    conn.subscriptions.subscribe("p1:video", { width: 2, height: 2 }, got);
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    sockets[0]?.receive(encodeFrame("p1:video", 2, 2, 5n, new Uint8Array(4), new Uint8Array(2)));
    sockets[0]?.receive(new ArrayBuffer(7));
    sockets[0]?.receive('{"type":"subscribed","track":"p1:video","width":2,"height":2}');
    // Drawn before the next paint, then acknowledged.
    expect(got).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(20);
    expect(got).toHaveBeenCalledTimes(1);
    expect(got.mock.calls[0]?.[0]).toMatchObject({ track: "p1:video", timestampUs: 5n });
    expect(conn.rejectedFrames).toBe(1);
    expect(sockets[0]?.sent.at(-1)).toBe('{"type":"ack","track":"p1:video"}');
  });

  it("reconnects with a fresh token and backoff after the socket drops, then resubscribes", async () => {
    conn.subscriptions.subscribe("p1:video", { width: 320, height: 180 }, () => {});
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.drop(); // e.g. HTTP 401 before open
    expect(conn.currentStatus).toBe("waiting");
    await vi.advanceTimersByTimeAsync(499);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]?.url).toContain("token=token2");
    sockets[1]?.drop();
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    sockets[2]?.open();
    expect(sockets[2]?.sent).toHaveLength(1);
  });

  it("does not reconnect after stop", async () => {
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]?.open();
    conn.stop();
    expect(sockets[0]?.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(1);
  });
});
