// Turning the engine's once-a-second StatsReport into what people see: a quality mark per
// tile, a "poor network" banner, and the numbers in the stats overlay.

import type {
  InboundStats,
  MediaOrigin,
  OutboundStats,
  PeerId,
  StatsReport,
} from "../ipc/contract";

export type LinkQuality = "good" | "fair" | "poor" | "unknown";

/** Loss between two reports of the same track (cumulative counters), 0..1. */
export function intervalLoss(prev: InboundStats | undefined, cur: InboundStats): number {
  const received = cur.packetsReceived - (prev?.packetsReceived ?? 0);
  const lost = cur.packetsLost - (prev?.packetsLost ?? 0);
  const total = received + lost;
  return total > 0 ? Math.max(0, lost) / total : 0;
}

export function qualityOf(
  loss: number | null,
  rttMs: number | null,
  jitterMs: number | null = null,
): LinkQuality {
  if (loss === null && rttMs === null) return "unknown";
  const l = loss ?? 0;
  const r = rttMs ?? 0;
  const j = jitterMs ?? 0;
  if (l >= 0.08 || r >= 400 || j >= 60) return "poor";
  if (l >= 0.02 || r >= 200 || j >= 30) return "fair";
  return "good";
}

export interface PeerSummary {
  /** Whose picture it is (a participant's camera or shared screen); null if the backend cannot say. */
  origin: MediaOrigin | null;
  quality: LinkQuality;
  lossPercent: number;
  rttMs: number | null;
  fps: number | null;
  bitrateKbps: number;
  resolution: string | null;
  decoder: string | null;
}

export interface SendSummary {
  resolution: string | null;
  bitrateKbps: number;
  lossPercent: number | null;
  rttMs: number | null;
  encoder: string | null;
  estimatedKbps: number | null;
  quality: LinkQuality;
}

export interface StatsSummary {
  send: SendSummary | null;
  /** What we receive, per connection (by peer id); `receivedFrom` finds one by whose it is. */
  peers: Map<PeerId, PeerSummary>;
  /** Our own link looks poor: show the banner. */
  poorNetwork: boolean;
}

const res = (r: { width: number; height: number } | null) => (r ? `${r.width}×${r.height}` : null);
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function summariseSend(out: OutboundStats[]): SendSummary | null {
  const video = out.filter((o) => o.kind === "video");
  if (video.length === 0) return null;
  const first = video[0] as OutboundStats;
  const loss = avg(video.flatMap((o) => (o.fractionLost === null ? [] : [o.fractionLost])));
  const rtt = avg(video.flatMap((o) => (o.rttMs === null ? [] : [o.rttMs])));
  const est = video.flatMap((o) =>
    o.estimatedBandwidthKbps === null ? [] : [o.estimatedBandwidthKbps],
  );
  return {
    resolution: res(first.resolution),
    bitrateKbps: Math.max(...video.map((o) => o.bitrateKbps)),
    lossPercent: loss === null ? null : loss * 100,
    rttMs: rtt,
    encoder: first.encoder,
    estimatedKbps: est.length ? Math.min(...est) : null,
    quality: qualityOf(loss, rtt),
  };
}

export function summariseStats(prev: StatsReport | null, cur: StatsReport): StatsSummary {
  const send = summariseSend(cur.outbound);
  const peers = new Map<PeerId, PeerSummary>();
  for (const inb of cur.inbound) {
    if (inb.kind !== "video") continue;
    const before = prev?.inbound.find((p) => p.track === inb.track);
    const loss = intervalLoss(before, inb);
    const rtt = cur.outbound.find((o) => o.peer === inb.peer)?.rttMs ?? null;
    peers.set(inb.peer, {
      origin: inb.origin,
      quality: qualityOf(loss, rtt, inb.jitterMs),
      lossPercent: loss * 100,
      rttMs: rtt,
      fps: inb.fps,
      bitrateKbps: inb.bitrateKbps,
      resolution: res(inb.resolution),
      decoder: inb.decoder,
    });
  }
  return { send, peers, poorNetwork: send?.quality === "poor" };
}

/** What we receive of a participant's camera or shared screen, found by its origin. */
export function receivedFrom(
  stats: StatsSummary | null,
  origin: MediaOrigin,
): PeerSummary | undefined {
  return [...(stats?.peers.values() ?? [])].find(
    (p) => p.origin?.participant === origin.participant && p.origin.source === origin.source,
  );
}
