// The browser client's media engine: carries out the session's media commands on
// RTCPeerConnections and reports back what the desktop app's engine reports (descriptions,
// candidates, connected, failed), and the UI's media events (peer states, tracks).
// Engine peers are named as in the desktop app: the participant for a mesh peer or a camera
// subscription, `<participant>/screen` for a screen subscription, `sfu:camera` and
// `sfu:screen` for our publications. Each connection also knows whose media it carries (its
// `origin`, told with its tracks and stats), so nothing reads those names back.

import type { MediaEvent, MediaOrigin, PeerId, PeerState, TrackId } from "../contract";
import type { ForcedCodec } from "./link";
import type { LocalMedia } from "./local";
import { Peer, type PeerHooks, type PeerOptions, type Sending } from "./peer";
import { RemoteTracks } from "./tracks";
import { targetKey, type MediaCommand, type MediaReport } from "./types";
import type { IceServer, ParticipantId, SfuPublication, SfuTarget, VideoCodec } from "./wire";

export interface EngineEnv {
  Pc: new (config: RTCConfiguration) => RTCPeerConnection;
  capabilities: ((kind: string) => RTCRtpCapabilities | null) | null;
  doc: Document | null;
  relayOnly: boolean;
  codec: ForcedCodec | null;
}

/** Who a connection is with: its peer name, and whose media it carries (null: our own). */
export interface PeerIdentity {
  name: PeerId;
  origin: MediaOrigin | null;
}

/** A mesh peer: the participant, whose camera (and microphone) it carries. */
function meshPeer(participant: ParticipantId): PeerIdentity {
  return { name: participant, origin: { participant, source: "camera" } };
}

/** A subscription to a participant's camera or screen feed through the SFU. */
function subscriptionPeer(feed: ParticipantId, publication: SfuPublication): PeerIdentity {
  const name = publication === "camera" ? feed : `${feed}/screen`;
  return { name, origin: { participant: feed, source: publication } };
}

/** One of our publications to the SFU: our own media, with no origin (as the desktop's). */
export function publicationPeer(publication: SfuPublication): PeerIdentity {
  return { name: `sfu:${publication}`, origin: null };
}

/** One of our connections, as stats and the debug view see it. */
export interface Connection extends PeerIdentity {
  role: PeerOptions["role"];
  initiator: boolean;
  peer: Peer;
  state: PeerState;
}

export class MediaEngine {
  /** Mesh peers, by participant. */
  readonly mesh = new Map<ParticipantId, Connection>();
  /** SFU connections, by `targetKey`. */
  readonly sfu = new Map<string, Connection>();
  readonly tracks: RemoteTracks;
  /** Counts connections made per peer name (a restart makes a new one). */
  readonly made = new Map<PeerId, number>();

  constructor(
    private readonly env: EngineEnv,
    readonly local: LocalMedia,
    private readonly report: (r: MediaReport) => void,
    private readonly emit: (e: MediaEvent) => void,
  ) {
    this.tracks = new RemoteTracks(env.doc, emit);
  }

  connections(): Connection[] {
    return [...this.mesh.values(), ...this.sfu.values()];
  }

  stream(track: TrackId): MediaStream | null {
    if (track === "local:camera") return this.local.cameraStream;
    if (track === "local:screen") return this.local.screenStream;
    return this.tracks.stream(track);
  }

  apply(command: MediaCommand): void {
    switch (command.type) {
      case "addPeer":
        return this.addPeer(command.peer, command.initiator, command.iceServers);
      case "removePeer":
        return this.close(this.mesh, command.peer);
      case "remoteDescription":
        return this.remoteDescription(command.peer, command.description);
      case "remoteCandidate":
        return void this.mesh.get(command.peer)?.peer.addCandidate(command.candidate);
      case "restartPeer": {
        const old = this.mesh.get(command.peer);
        if (!old) return;
        const iceServers = old.peer.iceServers;
        this.close(this.mesh, command.peer);
        return this.addPeer(command.peer, true, iceServers);
      }
      case "removeAllPeers":
        for (const id of [...this.mesh.keys()]) this.close(this.mesh, id);
        for (const key of [...this.sfu.keys()]) this.close(this.sfu, key);
        this.local.setScreenStream(false);
        return;
      case "screenInCamera":
        return this.local.setScreenInCamera(command.on);
      case "publish":
        return this.publish(command.publication, command.iceServers, command.codec);
      case "subscribe": {
        const { subscription, feed, publication, offer, iceServers } = command;
        const who = subscriptionPeer(feed, publication);
        const conn = this.open(this.sfu, { subscription }, who, "subscription", iceServers, null);
        return void conn.peer.answer(offer, { audio: null, video: null }).catch(() => undefined);
      }
      case "publicationAnswer":
        return void this.sfu
          .get(targetKey({ publication: command.publication }))
          ?.peer.applyAnswer(command.sdp)
          .catch(() => undefined);
      case "sfuCandidate":
        return void this.sfu.get(targetKey(command.target))?.peer.addCandidate(command.candidate);
      case "closeSfu":
        this.close(this.sfu, targetKey(command.target));
        if ("publication" in command.target && command.target.publication === "screen")
          this.local.setScreenStream(false);
        return;
    }
  }

  /** Our tracks changed (device switched, screen in the camera's place): every sender follows. */
  resend(): void {
    for (const conn of this.connections()) {
      if (conn.role === "subscription") continue;
      if (conn.name === "sfu:screen") continue;
      void conn.peer.send(this.sending());
    }
  }

  /** Closes everything (the call ended or the page goes). */
  stop(): void {
    this.apply({ type: "removeAllPeers" });
    this.tracks.clear();
  }

  private sending(): Sending {
    return { audio: this.local.mic, video: this.local.sentVideo };
  }

  private addPeer(peer: ParticipantId, initiator: boolean, iceServers: IceServer[]): void {
    this.close(this.mesh, peer);
    const who = meshPeer(peer);
    const conn = this.open(this.mesh, peer, who, "mesh", iceServers, this.env.codec, initiator);
    if (initiator) void conn.peer.offer(this.sending()).catch(() => undefined);
  }

  private remoteDescription(peer: ParticipantId, d: { type: string; sdp: string }): void {
    const conn = this.mesh.get(peer);
    if (!conn) return;
    if (d.type === "answer") return void conn.peer.applyAnswer(d.sdp).catch(() => undefined);
    if (d.type !== "offer") return;
    let target = conn;
    if (conn.peer.negotiated || conn.peer.pc.signalingState !== "stable") {
      // The other side restarted its connection (new ICE credentials and certificate):
      // answer on a new one, as the desktop app does.
      const iceServers = conn.peer.iceServers;
      this.close(this.mesh, peer);
      target = this.open(this.mesh, peer, meshPeer(peer), "mesh", iceServers, this.env.codec);
    }
    void target.peer.answer(d.sdp, this.sending()).catch(() => undefined);
  }

  /** A publication offers the room's codec alone: Janus drops the video of any other. */
  private publish(publication: SfuPublication, iceServers: IceServer[], codec: VideoCodec): void {
    const target = { publication };
    this.close(this.sfu, targetKey(target));
    const who = publicationPeer(publication);
    const conn = this.open(this.sfu, target, who, "publication", iceServers, codec, true);
    const screen = publication === "screen";
    if (screen) this.local.setScreenStream(true);
    const sending = screen ? { audio: undefined, video: this.local.screen } : this.sending();
    void conn.peer.offer(sending).catch(() => undefined);
  }

  /** A new connection; `codec`: the only video codec it offers (PeerOptions). */
  private open(
    into: Map<string, Connection>,
    key: ParticipantId | SfuTarget,
    { name, origin }: PeerIdentity,
    role: PeerOptions["role"],
    iceServers: IceServer[],
    codec: ForcedCodec | null,
    initiator = false,
  ): Connection {
    const mapKey = typeof key === "string" ? key : targetKey(key);
    const hooks = this.hooks(name, typeof key === "string" ? null : key, () => conn);
    const peer = new Peer(
      this.env.Pc,
      this.env.capabilities,
      { iceServers, relayOnly: this.env.relayOnly, codec, role },
      hooks,
    );
    const conn: Connection = { name, origin, role, initiator, peer, state: "new" };
    into.set(mapKey, conn);
    this.made.set(name, (this.made.get(name) ?? 0) + 1);
    this.emit({ type: "peerState", peer: name, state: "new" });
    return conn;
  }

  private close(from: Map<string, Connection>, key: string): void {
    const conn = from.get(key);
    if (!conn) return;
    from.delete(key);
    conn.peer.close();
    this.tracks.endAll(conn.peer);
  }

  private hooks(name: PeerId, target: SfuTarget | null, conn: () => Connection): PeerHooks {
    const live = () => this.connections().includes(conn());
    const tell = (mesh: MediaReport, sfu: (t: SfuTarget) => MediaReport) => {
      if (live()) this.report(target ? sfu(target) : mesh);
    };
    return {
      description: (d) =>
        tell({ type: "localDescription", peer: name, description: d }, (t) => ({
          type: "sfuLocalDescription",
          target: t,
          sdp: d.sdp,
        })),
      candidate: (c) =>
        tell({ type: "localCandidate", peer: name, candidate: c }, (t) => ({
          type: "sfuLocalCandidate",
          target: t,
          candidate: c,
        })),
      connected: () =>
        tell({ type: "peerConnected", peer: name }, (t) => ({ type: "sfuConnected", target: t })),
      failed: () =>
        tell({ type: "peerFailed", peer: name }, (t) => ({ type: "sfuFailed", target: t })),
      state: (state) => {
        conn().state = state;
        this.emit({ type: "peerState", peer: name, state });
      },
      track: (track) => {
        const c = conn();
        if (live()) this.tracks.add(c.peer, c, track, () => receiverStats(c.peer, track));
      },
      problem: (message) => this.emit({ type: "error", message: `${name}: ${message}` }),
    };
  }
}

function receiverStats(peer: Peer, track: MediaStreamTrack): Promise<RTCStatsReport | null> {
  return peer.pc.getStats(track).catch(() => null);
}
