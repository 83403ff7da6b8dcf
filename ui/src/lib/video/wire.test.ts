import { describe, expect, it } from "vitest";
import { encodeFrame, FIXED_HEADER_LEN, parseFrame, parseServerMessage } from "./wire";

function planes(w: number, h: number) {
  const y = new Uint8Array(w * h).map((_, i) => i % 251);
  const uv = new Uint8Array((w * h) / 2).map((_, i) => (i * 7) % 256);
  return { y, uv };
}

/** A frame written byte by byte from the table in docs/frames.md (not with encodeFrame). */
function handMade(track: string, w: number, h: number, padTo: number): ArrayBuffer {
  const trackBytes = new TextEncoder().encode(track);
  const buf = new ArrayBuffer(padTo + (w * h * 3) / 2);
  const b = new Uint8Array(buf);
  b.set([0x4d, 0x51, 0x46, 0x31], 0); // "MQF1"
  b.set([padTo & 0xff, padTo >> 8], 4);
  b.set([trackBytes.length & 0xff, trackBytes.length >> 8], 6);
  b.set([w & 0xff, (w >> 8) & 0xff, 0, 0], 8);
  b.set([h & 0xff, (h >> 8) & 0xff, 0, 0], 12);
  b.set([0x40, 0x42, 0x0f, 0, 0, 0, 0, 0], 16); // 1_000_000 µs
  b.set(trackBytes, 24);
  b.fill(16, padTo, padTo + w * h); // Y
  b.fill(128, padTo + w * h); // UV
  return buf;
}

describe("parseFrame", () => {
  it("reads a frame laid out as docs/frames.md describes", () => {
    const parsed = parseFrame(handMade("peer-7:video", 4, 2, 40));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const f = parsed.frame;
    expect(f.track).toBe("peer-7:video");
    expect([f.width, f.height]).toEqual([4, 2]);
    expect(f.timestampUs).toBe(1_000_000n);
    expect([...f.y]).toEqual(Array(8).fill(16));
    expect([...f.uv]).toEqual(Array(4).fill(128));
  });

  it("round-trips what encodeFrame writes, planes as views into the message", () => {
    const { y, uv } = planes(64, 36);
    const buf = encodeFrame("local:camera", 64, 36, 123456789n, y, uv);
    const parsed = parseFrame(buf);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.frame.y).toEqual(y);
    expect(parsed.frame.uv).toEqual(uv);
    expect(parsed.frame.y.buffer).toBe(buf);
    expect(parsed.frame.timestampUs).toBe(123456789n);
  });

  it("reads headerLen from the message instead of assuming 24 + trackLen", () => {
    const { y, uv } = planes(2, 2);
    const buf = encodeFrame("a:video", 2, 2, 0n, y, uv, 64);
    expect(new DataView(buf).getUint16(4, true)).toBeGreaterThan(FIXED_HEADER_LEN + 7 + 56);
    const parsed = parseFrame(buf);
    expect(parsed.ok && [...parsed.frame.y]).toEqual([...y]);
  });

  it("decodes a UTF-8 track id", () => {
    const { y, uv } = planes(2, 2);
    const parsed = parseFrame(encodeFrame("پیئر:video", 2, 2, 0n, y, uv));
    expect(parsed.ok && parsed.frame.track).toBe("پیئر:video");
  });

  it.each([
    ["short", () => new ArrayBuffer(10)],
    [
      "notVersion1",
      () => {
        const b = handMade("t", 2, 2, 32);
        new Uint8Array(b)[3] = 0x32; // MQF2
        return b;
      },
    ],
    [
      "badHeaderLen",
      () => {
        const b = handMade("t", 2, 2, 32);
        new DataView(b).setUint16(4, 30, true); // not a multiple of 8
        return b;
      },
    ],
    [
      "badHeaderLen",
      () => {
        const b = handMade("a-long-track-id", 2, 2, 40);
        new DataView(b).setUint16(4, 32, true); // shorter than 24 + trackLen
        return b;
      },
    ],
    [
      "badSize",
      () => {
        const b = handMade("t", 2, 2, 32);
        new DataView(b).setUint32(8, 3, true); // odd width
        return b;
      },
    ],
    ["badLength", () => handMade("t", 4, 4, 32).slice(0, 40)],
    [
      "badTrack",
      () => {
        const b = handMade("tt", 2, 2, 32);
        new Uint8Array(b).set([0xff, 0xfe], 24); // not UTF-8
        return b;
      },
    ],
    [
      "badTrack",
      () => {
        const b = handMade("t", 2, 2, 32);
        new DataView(b).setUint16(6, 0, true);
        return b;
      },
    ],
  ])("refuses a message with %s", (reason, make) => {
    expect(parseFrame(make())).toEqual({ ok: false, reason });
  });

  it("refuses a message one byte longer than its header says", () => {
    const good = handMade("t", 2, 2, 32);
    const longer = new Uint8Array(good.byteLength + 1);
    longer.set(new Uint8Array(good));
    expect(parseFrame(longer.buffer)).toEqual({ ok: false, reason: "badLength" });
  });
});

describe("parseServerMessage", () => {
  it("reads subscribed, unsubscribed and error replies", () => {
    expect(
      parseServerMessage('{"type":"subscribed","track":"p:video","width":640,"height":360}'),
    ).toEqual({
      type: "subscribed",
      track: "p:video",
      width: 640,
      height: 360,
    });
    expect(parseServerMessage('{"type":"unsubscribed","track":"p:video"}')).toEqual({
      type: "unsubscribed",
      track: "p:video",
    });
    expect(
      parseServerMessage(
        '{"type":"error","code":"notSubscribed","message":"no","track":"p9:video","extra":1}',
      ),
    ).toEqual({ type: "error", code: "notSubscribed", message: "no", track: "p9:video" });
  });

  it("ignores what is not one of its messages", () => {
    expect(parseServerMessage("not json")).toBeNull();
    expect(parseServerMessage('{"type":"hello"}')).toBeNull();
    expect(parseServerMessage('{"type":"subscribed","track":3}')).toBeNull();
    expect(parseServerMessage("null")).toBeNull();
  });
});
