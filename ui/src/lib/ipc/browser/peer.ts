// One RTCPeerConnection of the browser client: to another participant (mesh), or to the SFU
// (a publication, which offers and only sends; a subscription, which answers and only
// receives). Bundle (max-bundle), rtcp-mux, trickle ICE; TWCC, NACK and RTX as the browser
// does them. A connection is never renegotiated: restarting one means a new RTCPeerConnection
// (new ICE credentials and DTLS certificate) and a new offer, as the desktop app does.

import type { PeerState } from "../contract";
import { mungeVideoCodecs, preferCodecs } from "./codecs";
import type { ForcedCodec } from "./link";
import type { IceCandidate, IceServer } from "./wire";

/** How long a connection may stay `disconnected` before it counts as failed. */
export const DISCONNECTED_GRACE = 5_000;

export interface PeerOptions {
  iceServers: IceServer[];
  relayOnly: boolean;
  /**
   * The only video codec offered (and, on a mesh peer, accepted): a mesh peer's is the page's
   * forced one, a publication's the SFU room's. A subscription answers what the SFU offers.
   */
  codec: ForcedCodec | null;
  /** Mesh peers send and receive; publications only send; subscriptions only receive. */
  role: "mesh" | "publication" | "subscription";
}

export interface PeerHooks {
  /** Our offer or answer, set as the local description, to send. */
  description(description: { type: "offer" | "answer"; sdp: string }): void;
  /** One trickled candidate (an empty one: no more). */
  candidate(candidate: IceCandidate): void;
  state(state: PeerState): void;
  /** Connected (ICE and DTLS up). */
  connected(): void;
  /** Failed, or disconnected for longer than DISCONNECTED_GRACE. */
  failed(): void;
  /** A remote track (audio or video) of this connection. */
  track(track: MediaStreamTrack): void;
  /** Something failed that the person should hear about. */
  problem(message: string): void;
}

/** What we send on a connection (`audio: undefined`: an offer without sound, a screen). */
export interface Sending {
  audio?: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

type PeerConnectionClass = new (config: RTCConfiguration) => RTCPeerConnection;

export class Peer {
  readonly pc: RTCPeerConnection;
  private pending: RTCIceCandidateInit[] = [];
  private endSent = false;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private lastState: PeerState = "new";

  constructor(
    Pc: PeerConnectionClass,
    private readonly caps: ((kind: string) => RTCRtpCapabilities | null) | null,
    private readonly opts: PeerOptions,
    private readonly hooks: PeerHooks,
  ) {
    this.pc = new Pc({
      iceServers: opts.iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username ? { username: s.username } : {}),
        ...(s.credential ? { credential: s.credential } : {}),
      })),
      iceTransportPolicy: opts.relayOnly ? "relay" : "all",
      bundlePolicy: "max-bundle",
      rtcpMuxPolicy: "require",
    });
    this.pc.onicecandidate = (e) => this.localCandidate(e.candidate);
    this.pc.ontrack = (e) => this.hooks.track(e.track);
    this.pc.onconnectionstatechange = () => this.stateChanged();
    this.pc.oniceconnectionstatechange = () => this.stateChanged();
  }

  /** The STUN and TURN servers it was made with (a restart keeps them). */
  get iceServers(): IceServer[] {
    return this.opts.iceServers;
  }

  /** Whether a remote description was applied (an offer now means a restart). */
  get negotiated(): boolean {
    return this.pc.remoteDescription !== null;
  }

  /** Offers: mesh peers we initiate, and publications. */
  async offer(sending: Sending): Promise<void> {
    const direction = this.opts.role === "publication" ? "sendonly" : "sendrecv";
    if (sending.audio !== undefined)
      this.pc.addTransceiver(sending.audio ?? "audio", { direction });
    const video = this.pc.addTransceiver(sending.video ?? "video", { direction });
    const preferred = preferCodecs(video, this.opts.codec, this.caps);
    const offer = await this.pc.createOffer();
    const sdp = preferred ? (offer.sdp ?? "") : mungeVideoCodecs(offer.sdp ?? "", this.opts.codec);
    await this.run("offer", () => this.pc.setLocalDescription({ type: "offer", sdp }));
    this.hooks.description({ type: "offer", sdp: this.pc.localDescription?.sdp ?? sdp });
  }

  /** Answers an offer: mesh peers that do not initiate, and subscriptions. */
  async answer(sdp: string, sending: Sending): Promise<void> {
    await this.run("offer", () => this.pc.setRemoteDescription({ type: "offer", sdp }));
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind;
      if (this.opts.role === "subscription") {
        t.direction = "recvonly";
        continue;
      }
      t.direction = "sendrecv";
      await t.sender.replaceTrack((kind === "audio" ? sending.audio : sending.video) ?? null);
      if (kind === "video") preferCodecs(t, this.opts.codec, this.caps);
    }
    await this.flushCandidates();
    const answer = await this.pc.createAnswer();
    await this.run("answer", () => this.pc.setLocalDescription(answer));
    this.hooks.description({ type: "answer", sdp: this.pc.localDescription?.sdp ?? "" });
  }

  /** The other side's answer to our offer. */
  async applyAnswer(sdp: string): Promise<void> {
    if (this.pc.signalingState !== "have-local-offer") return;
    await this.run("answer", () => this.pc.setRemoteDescription({ type: "answer", sdp }));
    await this.flushCandidates();
  }

  /** A candidate of the other side's (kept until its description is applied). */
  async addCandidate(c: IceCandidate): Promise<void> {
    const init: RTCIceCandidateInit = {
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? (c.sdpMid ? null : 0),
    };
    if (!this.negotiated) {
      this.pending.push(init);
      return;
    }
    await this.pc.addIceCandidate(init).catch(() => undefined);
  }

  /** Changes what we send, without renegotiating. */
  async send(sending: Sending): Promise<void> {
    for (const t of this.pc.getTransceivers()) {
      if (this.closed || t.currentDirection === "stopped") continue;
      const kind = t.receiver.track.kind;
      const next = (kind === "audio" ? sending.audio : sending.video) ?? null;
      if (t.sender.track !== next) await t.sender.replaceTrack(next).catch(() => undefined);
    }
  }

  /** The video codec both sides settled on (`video/H264`, ...), once known. */
  async videoCodec(): Promise<string | null> {
    const stats = await this.pc.getStats().catch(() => null);
    let codec: string | null = null;
    stats?.forEach((s: { type: string; mimeType?: string; sdpFmtpLine?: string }) => {
      if (s.type === "codec" && s.mimeType?.toLowerCase().startsWith("video/") && !codec)
        codec = s.sdpFmtpLine ? `${s.mimeType};${s.sdpFmtpLine}` : s.mimeType;
    });
    return codec;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
    this.hooks.state("closed");
  }

  private async flushCandidates(): Promise<void> {
    for (const c of this.pending.splice(0)) await this.pc.addIceCandidate(c).catch(() => undefined);
  }

  private localCandidate(c: RTCIceCandidate | null): void {
    if (c && c.candidate) {
      this.hooks.candidate({
        candidate: c.candidate,
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
      });
    } else if (!this.endSent) {
      this.endSent = true;
      this.hooks.candidate({ candidate: "", sdpMid: c?.sdpMid ?? null, sdpMLineIndex: 0 });
    }
  }

  private stateChanged(): void {
    if (this.closed) return;
    const state = peerState(this.pc);
    if (state === this.lastState) return;
    this.lastState = state;
    this.hooks.state(state);
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = null;
    if (state === "connected") this.hooks.connected();
    else if (state === "failed") this.hooks.failed();
    else if (state === "disconnected")
      this.disconnectTimer = setTimeout(() => this.hooks.failed(), DISCONNECTED_GRACE);
  }

  private async run(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (e) {
      this.hooks.problem(`the ${what} could not be used: ${String(e)}`);
      throw e;
    }
  }
}

/** The connection's state as the contract names it (ICE's where `connectionState` is missing). */
export function peerState(pc: RTCPeerConnection): PeerState {
  const state: string = pc.connectionState ?? pc.iceConnectionState;
  switch (state) {
    case "new":
    case "connecting":
    case "connected":
    case "disconnected":
    case "failed":
    case "closed":
      return state;
    case "checking":
      return "connecting";
    case "completed":
      return "connected";
    default:
      return "connecting";
  }
}
