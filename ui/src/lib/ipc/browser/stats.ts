// Once a second: the browser's `getStats()` of every connection as the `StatsReport` the
// desktop app sends (what the browser does not know is null), and the same numbers for the
// test hook `window.__mulaqatBrowser` (debug.ts): decoded frames and sizes per remote track, the
// codec and states of every connection.

import type { InboundStats, OutboundStats, StatsReport } from "../contract";
import type { Connection, PeerIdentity } from "./engine";
import type { RemoteTrack } from "./tracks";

/** The fields of an `RTCStats` entry this file reads (all optional: browsers differ). */
interface Entry {
  id: string;
  type: string;
  kind?: string;
  timestamp?: number;
  trackIdentifier?: string;
  codecId?: string;
  mimeType?: string;
  sdpFmtpLine?: string;
  packetsSent?: number;
  bytesSent?: number;
  packetsReceived?: number;
  packetsLost?: number;
  bytesReceived?: number;
  jitter?: number;
  framesDecoded?: number;
  framesEncoded?: number;
  framesPerSecond?: number;
  frameWidth?: number;
  frameHeight?: number;
  freezeCount?: number;
  decoderImplementation?: string;
  encoderImplementation?: string;
  targetBitrate?: number;
  localId?: string;
  roundTripTime?: number;
  fractionLost?: number;
  audioLevel?: number;
  nominated?: boolean;
  selected?: boolean;
  state?: string;
  availableOutgoingBitrate?: number;
  localCandidateId?: string;
  remoteCandidateId?: string;
  candidateType?: string;
  selectedCandidatePairId?: string;
}

export interface DebugPeer {
  peer: string;
  role: Connection["role"];
  initiator: boolean;
  connectionState: string;
  iceConnectionState: string;
  signalingState: string;
  /** The negotiated video codec, `video/H264;level-asymmetry-allowed=1;...`, once known. */
  videoCodec: string | null;
  audioCodec: string | null;
  /** `host`, `srflx`, `prflx` or `relay` of the pair in use. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

export interface DebugTrack {
  track: string;
  peer: string;
  kind: "audio" | "video";
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  framesPerSecond: number;
  packetsReceived: number;
  bytesReceived: number;
  audioLevel: number | null;
}

export interface DebugSent {
  peer: string;
  kind: "audio" | "video";
  framesEncoded: number;
  frameWidth: number;
  frameHeight: number;
  bytesSent: number;
  codec: string | null;
}

/** What one pass over every connection found. */
export interface StatsPass {
  at: number;
  report: StatsReport;
  peers: DebugPeer[];
  tracks: DebugTrack[];
  sent: DebugSent[];
}

const kbps = (bytes: number, before: { bytes: number; at: number } | undefined, at: number) =>
  before && at > before.at ? Math.max(0, ((bytes - before.bytes) * 8) / (at - before.at)) : 0;

/** Keeps the previous counters, for rates. */
export class StatsCollector {
  private previous = new Map<string, { bytes: number; at: number; frames: number }>();

  async collect(connections: Connection[], tracks: Iterable<RemoteTrack>): Promise<StatsPass> {
    const at = Date.now();
    const pass: StatsPass = {
      at,
      report: { outbound: [], inbound: [] },
      peers: [],
      tracks: [],
      sent: [],
    };
    // Track ids repeat across connections (Janus names every subscription's tracks alike).
    const byTrack = new Map<string, RemoteTrack>();
    for (const t of tracks) byTrack.set(`${t.peer}|${t.track.id}`, t);
    const seen = new Map<string, { bytes: number; at: number; frames: number }>();
    for (const conn of connections) {
      const report = await conn.peer.pc.getStats().catch(() => null);
      const entries = new Map<string, Entry>();
      report?.forEach((s: Entry) => entries.set(s.id, s));
      this.connection(conn, entries, byTrack, pass, seen, at);
    }
    this.previous = seen;
    return pass;
  }

  private connection(
    conn: Connection,
    entries: Map<string, Entry>,
    byTrack: Map<string, RemoteTrack>,
    pass: StatsPass,
    seen: Map<string, { bytes: number; at: number; frames: number }>,
    at: number,
  ): void {
    const codec = (id?: string) => {
      const c = id ? entries.get(id) : undefined;
      return c?.mimeType ? (c.sdpFmtpLine ? `${c.mimeType};${c.sdpFmtpLine}` : c.mimeType) : null;
    };
    const pair = selectedPair(entries);
    const candidate = (id?: string) => (id ? (entries.get(id)?.candidateType ?? null) : null);
    const peerRow: DebugPeer = {
      peer: conn.name,
      role: conn.role,
      initiator: conn.initiator,
      connectionState: conn.peer.pc.connectionState ?? conn.state,
      iceConnectionState: conn.peer.pc.iceConnectionState,
      signalingState: conn.peer.pc.signalingState,
      videoCodec: null,
      audioCodec: null,
      localCandidateType: candidate(pair?.localCandidateId),
      remoteCandidateType: candidate(pair?.remoteCandidateId),
    };
    for (const s of entries.values()) {
      const kind = s.kind === "audio" ? "audio" : s.kind === "video" ? "video" : null;
      if (!kind) continue;
      const key = `${conn.name}:${kind}:${s.type}`;
      if (s.type === "outbound-rtp") {
        const bytes = s.bytesSent ?? 0;
        seen.set(key, { bytes, at, frames: 0 });
        const remote = [...entries.values()].find(
          (r) => r.type === "remote-inbound-rtp" && r.localId === s.id,
        );
        pass.report.outbound.push(
          outbound(conn, kind, s, remote, pair, kbps(bytes, this.previous.get(key), at)),
        );
        pass.sent.push({
          peer: conn.name,
          kind,
          framesEncoded: s.framesEncoded ?? 0,
          frameWidth: s.frameWidth ?? 0,
          frameHeight: s.frameHeight ?? 0,
          bytesSent: bytes,
          codec: codec(s.codecId),
        });
        peerRow[kind === "video" ? "videoCodec" : "audioCodec"] ??= codec(s.codecId);
      } else if (s.type === "inbound-rtp") {
        const mine = byTrack.get(`${conn.name}|${s.trackIdentifier ?? ""}`);
        const track = mine?.id ?? `${conn.name}:${kind}`;
        const bytes = s.bytesReceived ?? 0;
        const frames = s.framesDecoded ?? 0;
        const before = this.previous.get(key);
        seen.set(key, { bytes, at, frames });
        const fps =
          s.framesPerSecond ??
          (before && at > before.at ? ((frames - before.frames) * 1000) / (at - before.at) : 0);
        pass.report.inbound.push(inbound(track, conn, kind, s, kbps(bytes, before, at), fps));
        pass.tracks.push({
          track,
          peer: conn.name,
          kind,
          framesDecoded: frames,
          frameWidth: s.frameWidth ?? 0,
          frameHeight: s.frameHeight ?? 0,
          framesPerSecond: fps,
          packetsReceived: s.packetsReceived ?? 0,
          bytesReceived: bytes,
          audioLevel: s.audioLevel ?? null,
        });
        peerRow[kind === "video" ? "videoCodec" : "audioCodec"] ??= codec(s.codecId);
      }
    }
    pass.peers.push(peerRow);
  }
}

function selectedPair(entries: Map<string, Entry>): Entry | undefined {
  const transport = [...entries.values()].find((e) => e.type === "transport");
  const byTransport = transport?.selectedCandidatePairId
    ? entries.get(transport.selectedCandidatePairId)
    : undefined;
  return (
    byTransport ??
    [...entries.values()].find(
      (e) =>
        e.type === "candidate-pair" && (e.selected || (e.nominated && e.state === "succeeded")),
    )
  );
}

function outbound(
  { name: peer, origin }: PeerIdentity,
  kind: "audio" | "video",
  s: Entry,
  remote: Entry | undefined,
  pair: Entry | undefined,
  bitrateKbps: number,
): OutboundStats {
  const video = kind === "video";
  return {
    peer,
    origin,
    kind,
    packetsSent: s.packetsSent ?? 0,
    bytesSent: s.bytesSent ?? 0,
    bitrateKbps,
    rttMs: remote?.roundTripTime === undefined ? null : remote.roundTripTime * 1000,
    fractionLost: remote?.fractionLost ?? null,
    encoder: video ? (s.encoderImplementation ?? null) : null,
    resolution:
      video && s.frameWidth && s.frameHeight
        ? { width: s.frameWidth, height: s.frameHeight }
        : null,
    estimatedBandwidthKbps:
      video && pair?.availableOutgoingBitrate !== undefined
        ? pair.availableOutgoingBitrate / 1000
        : null,
    targetBitrateKbps: video && s.targetBitrate !== undefined ? s.targetBitrate / 1000 : null,
  };
}

function inbound(
  track: string,
  { name: peer, origin }: PeerIdentity,
  kind: "audio" | "video",
  s: Entry,
  bitrateKbps: number,
  fps: number,
): InboundStats {
  const video = kind === "video";
  return {
    track,
    peer,
    origin,
    kind,
    packetsReceived: s.packetsReceived ?? 0,
    packetsLost: s.packetsLost ?? 0,
    bitrateKbps,
    jitterMs: s.jitter === undefined ? null : s.jitter * 1000,
    framesDecoded: video ? (s.framesDecoded ?? 0) : 0,
    fps: video ? fps : 0,
    resolution:
      video && s.frameWidth && s.frameHeight
        ? { width: s.frameWidth, height: s.frameHeight }
        : null,
    freezeCount: video ? (s.freezeCount ?? 0) : 0,
    decoder: video ? (s.decoderImplementation ?? null) : null,
  };
}
