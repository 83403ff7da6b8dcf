// `window.__mulaqatBrowser`: a read-only view of the browser client's media for end-to-end tests
// (and people at the console), as `window.__mulaqatMock` is for the mock. It never holds a token
// or an SDP. Per remote track: frames decoded and frame size (getStats); per connection: role,
// states and the negotiated codecs.

import type { BrowserCall } from "./call";
import { StatsCollector, type DebugPeer, type DebugSent, type DebugTrack } from "./stats";

/** Numbers from one `getStats()` pass over every connection. */
export interface DebugStats {
  /** `Date.now()` when measured. */
  at: number;
  peers: DebugPeer[];
  tracks: DebugTrack[];
  sent: DebugSent[];
}

/** A connection as it is now (no await). */
export interface DebugConnection {
  peer: string;
  role: "mesh" | "publication" | "subscription";
  initiator: boolean;
  connectionState: string;
  iceConnectionState: string;
  signalingState: string;
  /** How many connections were made to this peer so far (a restart makes a new one). */
  made: number;
}

export interface BrowserDebug {
  readonly version: 1;
  /** The call's state (`idle`, `connecting`, `waitingInLobby`, `inCall`, `reconnecting`, `ended`). */
  readonly callState: string;
  readonly selfId: string | null;
  readonly mode: "p2p" | "sfu" | null;
  readonly relayOnly: boolean;
  readonly forcedCodec: "h264" | "vp8" | null;
  /** Who is in the room and in which order they came (who offers to whom follows it). */
  participants(): { id: string; joinOrder: number }[];
  /** Every connection now. */
  connections(): DebugConnection[];
  /** Remote tracks whose media started (`<peer>:video`, ...). */
  tracks(): string[];
  /** Fresh numbers (frames decoded and size per remote track, codec per connection). */
  stats(): Promise<DebugStats>;
  /** The last once-a-second numbers, or null before the first. */
  readonly last: DebugStats | null;
  /** The negotiated video codec of a connection (`video/H264;...`), or null. */
  codec(peer: string): Promise<string | null>;
}

function view(call: BrowserCall): BrowserDebug {
  const engine = () => call.runner?.engine ?? null;
  const pass = (p: DebugStats | null): DebugStats | null =>
    p && { at: p.at, peers: p.peers, tracks: p.tracks, sent: p.sent };
  return Object.freeze({
    version: 1 as const,
    get callState() {
      return call.runner?.session.state.type ?? "idle";
    },
    get selfId() {
      return call.runner?.session.participantId ?? null;
    },
    get mode() {
      return call.runner?.session.mode() ?? null;
    },
    get relayOnly() {
      return call.env.relayOnly;
    },
    get forcedCodec() {
      return call.env.codec;
    },
    participants: () =>
      (call.runner?.session.roster.participants ?? []).map((p) => ({
        id: p.id,
        joinOrder: p.joinOrder,
      })),
    connections: () =>
      (engine()?.connections() ?? []).map((c) => ({
        peer: c.name,
        role: c.role,
        initiator: c.initiator,
        connectionState: c.peer.pc.connectionState ?? c.state,
        iceConnectionState: c.peer.pc.iceConnectionState,
        signalingState: c.peer.pc.signalingState,
        made: engine()?.made.get(c.name) ?? 0,
      })),
    tracks: () =>
      [...(engine()?.tracks.tracks.values() ?? [])].filter((t) => t.started).map((t) => t.id),
    stats: async () => {
      const e = engine();
      if (!e) return { at: Date.now(), peers: [], tracks: [], sent: [] };
      const p = await new StatsCollector().collect(e.connections(), e.tracks.tracks.values());
      return { at: p.at, peers: p.peers, tracks: p.tracks, sent: p.sent };
    },
    get last() {
      return pass(call.last);
    },
    codec: async (peer: string) => {
      const conn = engine()
        ?.connections()
        .find((c) => c.name === peer);
      return conn ? conn.peer.videoCodec() : null;
    },
  });
}

/** Puts the view on `window.__mulaqatBrowser` (read-only). */
export function installDebug(win: Window, call: BrowserCall): void {
  Object.defineProperty(win, "__mulaqatBrowser", {
    value: view(call),
    writable: false,
    enumerable: false,
    configurable: true,
  });
}
