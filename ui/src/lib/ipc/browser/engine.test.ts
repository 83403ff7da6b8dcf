// The browser client's media engine against a fake RTCPeerConnection: who offers, codec order,
// restarts on a new connection, tracks and their events.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MediaEvent, MediaOrigin } from "../contract";
import { MediaEngine, type EngineEnv } from "./engine";
import { FakePeerConnection, FakeTrack, fakeBrowser } from "./fakes";
import { LocalMedia } from "./local";
import { StatsCollector } from "./stats";
import type { MediaReport } from "./types";

const CODECS = [
  { mimeType: "video/VP9", clockRate: 90000 },
  { mimeType: "video/VP8", clockRate: 90000 },
  { mimeType: "video/rtx", clockRate: 90000, sdpFmtpLine: "apt=96" },
  {
    mimeType: "video/H264",
    clockRate: 90000,
    sdpFmtpLine: "profile-level-id=640c1f;packetization-mode=1",
  },
  {
    mimeType: "video/H264",
    clockRate: 90000,
    sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  },
];

/** A browser's offer with VP8 and H.264 baseline, each with its retransmission. */
const OFFER = [
  "v=0",
  "m=video 9 UDP/TLS/RTP/SAVPF 100 101 96 97",
  "a=rtpmap:100 H264/90000",
  "a=fmtp:100 packetization-mode=1;profile-level-id=42e01f",
  "a=rtpmap:101 rtx/90000",
  "a=fmtp:101 apt=100",
  "a=rtpmap:96 VP8/90000",
  "a=rtpmap:97 rtx/90000",
  "a=fmtp:97 apt=96",
  "",
].join("\r\n");

function setUp(over: Partial<EngineEnv> = {}) {
  const reports: MediaReport[] = [];
  const events: MediaEvent[] = [];
  const local = new LocalMedia(navigator, { changed() {}, sending() {}, screenEnded() {} });
  const env: EngineEnv = {
    Pc: FakePeerConnection as unknown as EngineEnv["Pc"],
    capabilities: () => ({ codecs: CODECS, headerExtensions: [] }),
    doc: document,
    relayOnly: false,
    codec: null,
    ...over,
  };
  const engine = new MediaEngine(
    env,
    local,
    (r) => reports.push(r),
    (e) => events.push(e),
  );
  return { engine, local, reports, events };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("MediaEngine", () => {
  beforeEach(() => fakeBrowser(vi.stubGlobal));
  afterEach(() => vi.unstubAllGlobals());

  it("offers as initiator with H.264 constrained baseline first, then VP8, bundled", async () => {
    const { engine, reports } = setUp();
    engine.apply({
      type: "addPeer",
      peer: "p1",
      initiator: true,
      iceServers: [{ urls: ["stun:s"] }],
    });
    await flush();
    const pc = FakePeerConnection.made[0];
    expect(pc?.config).toMatchObject({
      bundlePolicy: "max-bundle",
      rtcpMuxPolicy: "require",
      iceTransportPolicy: "all",
      iceServers: [{ urls: ["stun:s"] }],
    });
    const video = pc?.transceivers.find((t) => t.receiver.track.kind === "video");
    expect(video?.preferences?.map((c) => c.mimeType)).toEqual([
      "video/H264",
      "video/VP8",
      "video/H264",
      "video/VP9",
      "video/rtx",
    ]);
    expect(video?.preferences?.[0]).toBe(CODECS[4]);
    expect(reports).toEqual([
      {
        type: "localDescription",
        peer: "p1",
        description: { type: "offer", sdp: "offer from pc0" },
      },
    ]);
  });

  it("offers only the forced codec (and its helpers), through relays when asked", async () => {
    const { engine } = setUp({ codec: "vp8", relayOnly: true });
    engine.apply({ type: "addPeer", peer: "p1", initiator: true, iceServers: [] });
    await flush();
    const pc = FakePeerConnection.made[0];
    expect(pc?.config.iceTransportPolicy).toBe("relay");
    const video = pc?.transceivers.find((t) => t.receiver.track.kind === "video");
    expect(video?.preferences?.map((c) => c.mimeType)).toEqual(["video/VP8", "video/rtx"]);
  });

  it("answers a first offer on its connection, and a second on a new one", async () => {
    const { engine, reports, events } = setUp();
    engine.apply({ type: "addPeer", peer: "p1", initiator: false, iceServers: [] });
    engine.apply({
      type: "remoteDescription",
      peer: "p1",
      description: { type: "offer", sdp: "o1" },
    });
    await flush();
    expect(FakePeerConnection.made).toHaveLength(1);
    expect(reports.at(-1)).toEqual({
      type: "localDescription",
      peer: "p1",
      description: { type: "answer", sdp: "answer from pc0" },
    });
    // The other side restarted: a new connection (new ICE credentials and certificate).
    engine.apply({
      type: "remoteDescription",
      peer: "p1",
      description: { type: "offer", sdp: "o2" },
    });
    await flush();
    expect(FakePeerConnection.made).toHaveLength(2);
    expect(FakePeerConnection.made[0]?.closed).toBe(true);
    expect(FakePeerConnection.made[1]?.remoteDescription?.sdp).toBe("o2");
    expect(reports.at(-1)).toMatchObject({
      description: { type: "answer", sdp: "answer from pc1" },
    });
    expect(events).toContainEqual({ type: "peerState", peer: "p1", state: "closed" });
    expect(engine.made.get("p1")).toBe(2);
  });

  it("restarts as initiator on a new connection with a new offer", async () => {
    const { engine, reports } = setUp();
    engine.apply({ type: "addPeer", peer: "p1", initiator: true, iceServers: [] });
    await flush();
    engine.apply({ type: "restartPeer", peer: "p1" });
    await flush();
    expect(FakePeerConnection.made).toHaveLength(2);
    expect(FakePeerConnection.made[0]?.closed).toBe(true);
    expect(reports.filter((r) => r.type === "localDescription")).toHaveLength(2);
  });

  it("holds candidates until the remote description, and trickles its own with an end", async () => {
    const { engine, reports } = setUp();
    engine.apply({ type: "addPeer", peer: "p1", initiator: false, iceServers: [] });
    engine.apply({
      type: "remoteCandidate",
      peer: "p1",
      candidate: { candidate: "c1", sdpMLineIndex: 0 },
    });
    const pc = FakePeerConnection.made[0];
    expect(pc?.candidates).toEqual([]);
    engine.apply({
      type: "remoteDescription",
      peer: "p1",
      description: { type: "offer", sdp: "o" },
    });
    await flush();
    expect(pc?.candidates.map((c) => c.candidate)).toEqual(["c1"]);
    pc?.gather("candidate:1 1 udp 1 192.0.2.1 5000 typ host");
    pc?.gather(null);
    pc?.gather(null);
    expect(reports.filter((r) => r.type === "localCandidate")).toEqual([
      {
        type: "localCandidate",
        peer: "p1",
        candidate: {
          candidate: "candidate:1 1 udp 1 192.0.2.1 5000 typ host",
          sdpMid: "0",
          sdpMLineIndex: 0,
        },
      },
      {
        type: "localCandidate",
        peer: "p1",
        candidate: { candidate: "", sdpMid: null, sdpMLineIndex: 0 },
      },
    ]);
  });

  it("names remote tracks as the desktop app does, says whose they are, ends them with their connection", async () => {
    const { engine, events } = setUp();
    const p1Camera = { participant: "p1", source: "camera" };
    engine.apply({ type: "addPeer", peer: "p1", initiator: false, iceServers: [] });
    engine.apply({
      type: "remoteDescription",
      peer: "p1",
      description: { type: "offer", sdp: "o" },
    });
    await flush();
    expect(events.filter((e) => e.type === "trackStarted")).toEqual([
      { type: "trackStarted", track: "p1:audio", peer: "p1", kind: "audio", origin: p1Camera },
      { type: "trackStarted", track: "p1:video", peer: "p1", kind: "video", origin: p1Camera },
    ]);
    expect(engine.stream("p1:video")).not.toBeNull();
    engine.apply({ type: "removePeer", peer: "p1" });
    expect(
      events.filter((e) => e.type === "trackEnded").map((e) => e.type === "trackEnded" && e.track),
    ).toEqual(["p1:audio", "p1:video"]);
    expect(engine.stream("p1:video")).toBeNull();
  });

  it("says in its stats whose media each connection carries, none for our publications", async () => {
    class MeasuredPeerConnection extends FakePeerConnection {
      override async getStats() {
        const entries = [
          { id: "out", type: "outbound-rtp", kind: "video" },
          { id: "in", type: "inbound-rtp", kind: "video" },
        ];
        return new Map(entries.map((e) => [e.id, e]));
      }
    }
    const { engine } = setUp({ Pc: MeasuredPeerConnection as unknown as EngineEnv["Pc"] });
    engine.apply({ type: "addPeer", peer: "p1", initiator: false, iceServers: [] });
    engine.apply({
      type: "subscribe",
      subscription: 7,
      feed: "p2",
      publication: "screen",
      offer: "janus",
      iceServers: [],
    });
    engine.apply({ type: "publish", publication: "camera", iceServers: [], codec: "h264" });
    await flush();
    const { report } = await new StatsCollector().collect(
      engine.connections(),
      engine.tracks.tracks.values(),
    );
    const whose = ({ peer, origin }: { peer: string; origin: MediaOrigin | null }) => [
      peer,
      origin,
    ];
    const expected = [
      ["p1", { participant: "p1", source: "camera" }],
      ["p2/screen", { participant: "p2", source: "screen" }],
      ["sfu:camera", null],
    ];
    expect(report.outbound.map(whose)).toEqual(expected);
    expect(report.inbound.map(whose)).toEqual(expected);
  });

  it("reports connected, and failed after a long disconnection", async () => {
    vi.useFakeTimers();
    try {
      const { engine, reports } = setUp();
      engine.apply({ type: "addPeer", peer: "p1", initiator: false, iceServers: [] });
      const pc = FakePeerConnection.made[0];
      pc?.setState("connected");
      pc?.setState("disconnected");
      await vi.advanceTimersByTimeAsync(4_000);
      expect(reports.map((r) => r.type)).toEqual(["peerConnected"]);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(reports.map((r) => r.type)).toEqual(["peerConnected", "peerFailed"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("subscribes to a screen feed as <participant>/screen and publishes send-only", async () => {
    const { engine, reports, events } = setUp();
    engine.apply({
      type: "subscribe",
      subscription: 7,
      feed: "p1",
      publication: "screen",
      offer: "janus",
      iceServers: [],
    });
    await flush();
    const sub = FakePeerConnection.made[0];
    expect(sub?.transceivers.every((t) => t.direction === "recvonly")).toBe(true);
    expect(reports).toContainEqual({
      type: "sfuLocalDescription",
      target: { subscription: 7 },
      sdp: "answer from pc0",
    });
    expect(events).toContainEqual({
      type: "trackStarted",
      track: "p1/screen:video",
      peer: "p1/screen",
      kind: "video",
      origin: { participant: "p1", source: "screen" },
    });
    engine.apply({ type: "publish", publication: "camera", iceServers: [], codec: "h264" });
    await flush();
    const pub = FakePeerConnection.made[1];
    expect(pub?.transceivers.map((t) => t.direction)).toEqual(["sendonly", "sendonly"]);
    expect(events).toContainEqual({ type: "peerState", peer: "sfu:camera", state: "new" });
  });

  it("offers the SFU room's codec alone on publications, and answers subscriptions as offered", async () => {
    // A forced codec is the mesh's: the room's codec wins on publications.
    const { engine } = setUp({ codec: "h264" });
    engine.apply({ type: "publish", publication: "camera", iceServers: [], codec: "vp8" });
    engine.apply({ type: "publish", publication: "screen", iceServers: [], codec: "h264" });
    engine.apply({
      type: "subscribe",
      subscription: 3,
      feed: "p1",
      publication: "camera",
      offer: "janus",
      iceServers: [],
    });
    await flush();
    const [camera, screen, sub] = FakePeerConnection.made.map((pc) =>
      pc.transceivers.find((t) => t.receiver.track.kind === "video"),
    );
    expect(camera?.preferences?.map((c) => c.mimeType)).toEqual(["video/VP8", "video/rtx"]);
    expect(screen?.preferences).toEqual([CODECS[4], CODECS[2]]);
    expect(sub?.preferences).toBeNull();
  });

  it("keeps only the room's codec in a publication's offer when the browser cannot be told", async () => {
    class SdpPeerConnection extends FakePeerConnection {
      override async createOffer() {
        return { type: "offer" as const, sdp: OFFER };
      }
    }
    const { engine, reports } = setUp({
      Pc: SdpPeerConnection as unknown as EngineEnv["Pc"],
      capabilities: null,
    });
    engine.apply({ type: "publish", publication: "camera", iceServers: [], codec: "vp8" });
    await flush();
    const offer = reports.find((r) => r.type === "sfuLocalDescription");
    const sdp = offer?.type === "sfuLocalDescription" ? offer.sdp : "";
    expect(sdp.split("\r\n").find((l) => l.startsWith("m=video"))).toBe(
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
    );
    expect(sdp).not.toContain("H264");
  });

  it("switches what it sends without renegotiating", async () => {
    const { engine, local } = setUp();
    engine.apply({ type: "addPeer", peer: "p1", initiator: true, iceServers: [] });
    await flush();
    const camera = new FakeTrack("video");
    local.camera = camera as unknown as MediaStreamTrack;
    engine.resend();
    await flush();
    const video = FakePeerConnection.made[0]?.transceivers.find(
      (t) => t.receiver.track.kind === "video",
    );
    expect(video?.sender.track).toBe(camera);
    expect(FakePeerConnection.made).toHaveLength(1);
  });
});
