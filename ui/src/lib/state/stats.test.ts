import { describe, expect, it } from "vitest";
import type { InboundStats, OutboundStats, StatsReport } from "../ipc/contract";
import { intervalLoss, qualityOf, receivedFrom, summariseStats } from "./stats";

const out = (extra: Partial<OutboundStats> = {}): OutboundStats => ({
  peer: "p1",
  origin: { participant: "p1", source: "camera" },
  kind: "video",
  packetsSent: 100,
  bytesSent: 1000,
  bitrateKbps: 2000,
  rttMs: 30,
  fractionLost: 0.001,
  encoder: "vah264enc",
  resolution: { width: 1280, height: 720 },
  estimatedBandwidthKbps: 3000,
  targetBitrateKbps: 2500,
  ...extra,
});
const inb = (extra: Partial<InboundStats> = {}): InboundStats => ({
  track: "p1:video",
  peer: "p1",
  origin: { participant: "p1", source: "camera" },
  kind: "video",
  packetsReceived: 1000,
  packetsLost: 0,
  bitrateKbps: 1500,
  jitterMs: 2,
  framesDecoded: 300,
  fps: 30,
  resolution: { width: 1280, height: 720 },
  freezeCount: 0,
  decoder: "vah264dec",
  ...extra,
});

describe("qualityOf", () => {
  it("grades loss, round trip and jitter", () => {
    expect(qualityOf(0, 20)).toBe("good");
    expect(qualityOf(0.03, 20)).toBe("fair");
    expect(qualityOf(0.1, 20)).toBe("poor");
    expect(qualityOf(0, 450)).toBe("poor");
    expect(qualityOf(0, 20, 40)).toBe("fair");
    expect(qualityOf(null, null)).toBe("unknown");
  });
});

describe("intervalLoss", () => {
  it("measures loss over the last interval, not since the start", () => {
    const before = inb({ packetsReceived: 1000, packetsLost: 500 });
    const now = inb({ packetsReceived: 1090, packetsLost: 510 });
    expect(intervalLoss(before, now)).toBeCloseTo(0.1);
    expect(intervalLoss(now, now)).toBe(0);
  });
});

describe("summariseStats", () => {
  it("summarises what we send and grades each peer", () => {
    const prev: StatsReport = { outbound: [out()], inbound: [inb()] };
    const cur: StatsReport = {
      outbound: [out(), out({ kind: "audio", encoder: null, resolution: null })],
      inbound: [inb({ packetsReceived: 1100, packetsLost: 20 })],
    };
    const s = summariseStats(prev, cur);
    expect(s.send).toMatchObject({ resolution: "1280×720", encoder: "vah264enc", quality: "good" });
    expect(s.peers.get("p1")).toMatchObject({ quality: "poor", fps: 30, resolution: "1280×720" });
    expect(s.peers.get("p1")?.lossPercent).toBeCloseTo((20 / 120) * 100);
    expect(s.poorNetwork).toBe(false);
  });

  it("flags a poor network from our own sending figures", () => {
    const s = summariseStats(null, {
      outbound: [out({ fractionLost: 0.12, rttMs: 500 })],
      inbound: [],
    });
    expect(s.poorNetwork).toBe(true);
    expect(s.send?.lossPercent).toBeCloseTo(12);
  });

  it("finds what we receive of someone's camera and screen by origin, not by peer name", () => {
    const screen = inb({
      track: "s-track",
      peer: "s-peer",
      origin: { participant: "p1", source: "screen" },
      fps: 5,
    });
    const s = summariseStats(null, { outbound: [out()], inbound: [inb(), screen] });
    expect(receivedFrom(s, { participant: "p1", source: "camera" })).toMatchObject({ fps: 30 });
    expect(receivedFrom(s, { participant: "p1", source: "screen" })).toMatchObject({
      fps: 5,
      origin: { participant: "p1", source: "screen" },
      // The round trip is that of the connection the screen came on: none here.
      rttMs: null,
    });
    expect(receivedFrom(s, { participant: "p2", source: "camera" })).toBeUndefined();
    expect(receivedFrom(null, { participant: "p1", source: "camera" })).toBeUndefined();
  });

  it("has no sending summary before video is sent", () => {
    expect(summariseStats(null, { outbound: [], inbound: [] }).send).toBeNull();
  });
});
