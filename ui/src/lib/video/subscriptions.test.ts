import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FrameSubscriptions, wantedSize } from "./subscriptions";
import type { ClientFrameMessage, Nv12Frame } from "./wire";

function frame(track: string): Nv12Frame {
  return {
    track,
    width: 2,
    height: 2,
    timestampUs: 0n,
    y: new Uint8Array(4),
    uv: new Uint8Array(2),
  };
}

describe("FrameSubscriptions", () => {
  let sent: ClientFrameMessage[];
  let subs: FrameSubscriptions;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    subs = new FrameSubscriptions({ send: (m) => sent.push(m), debounceMs: 150 });
    subs.setConnected(true);
  });
  afterEach(() => vi.useRealTimers());

  it("subscribes a new tile at once with its device-pixel size", () => {
    subs.subscribe("p1:video", { width: 640, height: 360 }, () => {});
    expect(sent).toEqual([{ type: "subscribe", track: "p1:video", width: 640, height: 360 }]);
  });

  it("debounces resizes into one subscribe with the final size", () => {
    const s = subs.subscribe("p1:video", { width: 640, height: 360 }, () => {});
    sent.length = 0;
    s.resize({ width: 700, height: 394 });
    s.resize({ width: 800, height: 450 });
    vi.advanceTimersByTime(100);
    s.resize({ width: 960, height: 540 });
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(150);
    expect(sent).toEqual([{ type: "subscribe", track: "p1:video", width: 960, height: 540 }]);
  });

  it("does not resend an unchanged size", () => {
    const s = subs.subscribe("p1:video", { width: 640, height: 360 }, () => {});
    s.resize({ width: 640, height: 360 });
    vi.advanceTimersByTime(500);
    expect(sent).toHaveLength(1);
  });

  it("asks for the largest size when two tiles show one track, and unsubscribes after the last", () => {
    const big = subs.subscribe("p1:video", { width: 1280, height: 720 }, () => {});
    const small = subs.subscribe("p1:video", { width: 320, height: 180 }, () => {});
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([{ type: "subscribe", track: "p1:video", width: 1280, height: 720 }]);
    big.close();
    vi.advanceTimersByTime(200);
    expect(sent.at(-1)).toEqual({ type: "subscribe", track: "p1:video", width: 320, height: 180 });
    small.close();
    expect(sent.at(-1)).toEqual({ type: "unsubscribe", track: "p1:video" });
    expect(subs.activeTracks).toEqual([]);
  });

  it("sends nothing while disconnected and everything again on (re)connect", () => {
    subs.setConnected(false);
    subs.subscribe("a:video", { width: 100, height: 50 }, () => {});
    subs.subscribe("b:video", { width: 200, height: 100 }, () => {});
    expect(sent).toEqual([]);
    subs.setConnected(true);
    expect(sent).toEqual([
      { type: "subscribe", track: "a:video", width: 100, height: 50 },
      { type: "subscribe", track: "b:video", width: 200, height: 100 },
    ]);
    subs.setConnected(false);
    subs.setConnected(true);
    expect(sent).toHaveLength(4);
  });

  it("hands frames only to tiles of their track and drops the rest", () => {
    const a = vi.fn();
    const b = vi.fn();
    subs.subscribe("a:video", { width: 10, height: 10 }, a);
    subs.subscribe("b:video", { width: 10, height: 10 }, b);
    expect(subs.handleFrame(frame("a:video"))).toBe(true);
    expect(subs.handleFrame(frame("gone:video"))).toBe(false);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
  });

  it("stops delivering to a closed tile and ignores closing twice", () => {
    const a = vi.fn();
    const s = subs.subscribe("a:video", { width: 10, height: 10 }, a);
    s.close();
    s.close();
    subs.handleFrame(frame("a:video"));
    expect(a).not.toHaveBeenCalled();
    expect(sent.filter((m) => m.type === "unsubscribe")).toHaveLength(1);
  });

  it("clamps sizes to the protocol's range and treats nonsense as native size", () => {
    subs.subscribe("a:video", { width: 20000, height: Number.NaN }, () => {});
    expect(sent[0]).toEqual({ type: "subscribe", track: "a:video", width: 8192, height: 0 });
  });

  it("reports refused subscriptions", () => {
    const onError = vi.fn();
    const s2 = new FrameSubscriptions({ send: () => {}, onError });
    s2.handleMessage({ type: "error", code: "tooManySubscriptions", message: "64" });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: "tooManySubscriptions" }));
  });
});

describe("FrameSubscriptions with paint-time delivery and acks", () => {
  let sent: ClientFrameMessage[];
  let paint: (() => void)[];
  let subs: FrameSubscriptions;

  beforeEach(() => {
    sent = [];
    paint = [];
    subs = new FrameSubscriptions({
      send: (m) => sent.push(m),
      schedule: (cb) => paint.push(cb),
      maxInFlight: 2,
    });
    subs.setConnected(true);
  });

  const runPaint = () => paint.splice(0).forEach((cb) => cb());
  const stamped = (track: string, ts: bigint) => ({ ...frame(track), timestampUs: ts });

  it("asks the server to wait for acks", () => {
    subs.subscribe("a:video", { width: 10, height: 10 }, () => {});
    expect(sent).toEqual([
      { type: "subscribe", track: "a:video", width: 10, height: 10, maxInFlight: 2 },
    ]);
  });

  it("draws only the newest frame of each track at paint time and acks every frame", () => {
    const a = vi.fn();
    const b = vi.fn();
    subs.subscribe("a:video", { width: 10, height: 10 }, a);
    subs.subscribe("b:video", { width: 10, height: 10 }, b);
    sent.length = 0;
    subs.handleFrame(stamped("a:video", 1n));
    subs.handleFrame(stamped("a:video", 2n));
    subs.handleFrame(stamped("b:video", 3n));
    expect(a).not.toHaveBeenCalled();
    // The replaced frame is acked at once (skipped); one paint is asked for.
    expect(sent).toEqual([{ type: "ack", track: "a:video" }]);
    expect(paint).toHaveLength(1);
    runPaint();
    expect(a).toHaveBeenCalledTimes(1);
    expect(a.mock.calls[0]?.[0].timestampUs).toBe(2n);
    expect(b).toHaveBeenCalledTimes(1);
    expect(sent.filter((m) => m.type === "ack")).toHaveLength(3);
  });

  it("owes nothing for frames of a closed tile or an old connection", () => {
    const s = subs.subscribe("a:video", { width: 10, height: 10 }, vi.fn());
    subs.handleFrame(frame("a:video"));
    subs.setConnected(false);
    subs.setConnected(true);
    s.close();
    sent.length = 0;
    runPaint();
    expect(subs.handleFrame(frame("a:video"))).toBe(false);
    expect(sent).toEqual([]);
  });
});

describe("wantedSize", () => {
  it("takes the largest width and the largest height separately", () => {
    expect(
      wantedSize([
        { width: 640, height: 100 },
        { width: 100, height: 480 },
      ]),
    ).toEqual({ width: 640, height: 480 });
    expect(wantedSize([])).toEqual({ width: 0, height: 0 });
  });
});
