// SFU rooms for the browser client's session: publishing to and subscribing from the room's
// Janus VideoRoom through the server. The TypeScript side of crates/client/src/session/sfu.rs:
// `modeChanged` with `sfu` drops what we had, publishes the camera in the room's video codec
// and subscribes to every feed but ours; `sfuFeeds.gone` unsubscribes; candidates wait until
// their offer or answer went out; `sfuReset` (a node or session lost, the room's codec changed)
// drops everything until the next `modeChanged`; P2P peers stay until the SFU is ready, then
// close (the connected ones when their feed's subscription takes over, at the latest after
// P2P_HANDOVER).

import { setUpMesh } from "./sessionRoom";
import type { Session } from "./session";
import type { MediaReport } from "./types";
import type {
  IceCandidate,
  MediaMode,
  ParticipantId,
  ServerMsg,
  SfuAccess,
  SfuErrorCode,
  SfuFeed,
  SfuPublication,
  SfuTarget,
} from "./wire";

export const P2P_HANDOVER = 10_000;
export const SUBSCRIBE_RETRY = 3_000;
export const PUBLISH_TIMEOUT = 15_000;
export const REPUBLISH_DELAY = 2_000;

interface Signalling {
  described: boolean;
  connected: boolean;
  held: IceCandidate[];
}

const signalling = (): Signalling => ({ described: false, connected: false, held: [] });
const feedKey = (f: SfuFeed) => `${f.participant}/${f.publication}`;

/** A refusal in words a person understands (as `explain` in sfu.rs). */
export function explainRefusal(code: SfuErrorCode, message: string): string {
  const what: Record<SfuErrorCode, string> = {
    wrongPin:
      "The meeting's video server did not accept this meeting's access code, so video cannot be sent or received. Leave and join the meeting again; if it keeps happening, tell IT.",
    unavailable:
      "The meeting's video server cannot be reached right now. You stay in the meeting; video comes back on its own as soon as the server is back.",
    timeout: "The meeting's video server did not answer in time; trying again.",
    refused: "The meeting's video server refused this device's video.",
    notReady: "The meeting's video is still being set up.",
    unknownFeed: "That participant's video has just ended.",
    unknownTarget: "The meeting's video server refused a request.",
  };
  return message ? `${what[code]} (${message})` : what[code];
}

export class SfuSide {
  access: SfuAccess | null = null;
  readonly publications = new Map<
    SfuPublication,
    { signalling: Signalling; deadline: number | null }
  >();
  readonly republishAt = new Map<SfuPublication, number>();
  readonly subscriptions = new Map<number, { feed: SfuFeed; signalling: Signalling }>();
  /** Feeds asked for (`sfuSubscribe` sent), by `feedKey`, and when. */
  readonly requested = new Map<string, { feed: SfuFeed; at: number }>();
  /** Feeds of others that can be subscribed to, by `feedKey`. */
  readonly feeds = new Map<string, SfuFeed>();
  handoverUntil: number | null = null;

  constructor(private readonly s: Session) {}

  nextTimer(): number | null {
    const times = [
      ...[...this.requested.values()].map((r) => r.at + SUBSCRIBE_RETRY),
      ...this.republishAt.values(),
      ...[...this.publications.values()].flatMap((p) => (p.deadline === null ? [] : [p.deadline])),
      ...(this.handoverUntil === null ? [] : [this.handoverUntil]),
    ];
    return times.length ? Math.min(...times) : null;
  }

  /** Forgets everything (the call ended; the engine drops the connections itself). */
  reset(): void {
    this.access = null;
    this.publications.clear();
    this.republishAt.clear();
    this.subscriptions.clear();
    this.requested.clear();
    this.feeds.clear();
    this.handoverUntil = null;
  }

  /** Drops every SFU connection without telling the server (whose side is gone). */
  drop(): void {
    for (const publication of this.publications.keys())
      this.s.mediaCommand({ type: "closeSfu", target: { publication } });
    for (const subscription of this.subscriptions.keys())
      this.s.mediaCommand({ type: "closeSfu", target: { subscription } });
    this.reset();
  }

  server(now: number, msg: ServerMsg): void {
    switch (msg.type) {
      case "modeChanged":
        return this.modeChanged(now, msg.mode, msg.sfu ?? null);
      case "sfuPublished":
        if (this.publications.get(msg.publication)?.signalling.described)
          this.s.mediaCommand({
            type: "publicationAnswer",
            publication: msg.publication,
            sdp: msg.sdp,
          });
        return;
      case "sfuOffer":
        return this.offer(
          msg.subscription,
          { participant: msg.feed, publication: msg.publication },
          msg.sdp,
        );
      case "sfuCandidate":
        if (this.connection(msg.target))
          this.s.mediaCommand({
            type: "sfuCandidate",
            target: msg.target,
            candidate: msg.candidate,
          });
        return;
      case "sfuFeeds":
        return this.feedsChanged(now, msg.available, msg.gone);
      case "sfuTalking":
        if (msg.participant !== this.s.participantId)
          this.s.notice({ type: "talking", participant: msg.participant, talking: msg.talking });
        return;
      case "sfuRefused":
        return this.refused(now, msg.target ?? null, msg.code, msg.message);
      case "sfuReset":
        this.drop();
        this.s.notice({ type: "reset", reason: msg.reason });
        return this.s.syncScreen(now);
    }
  }

  private modeChanged(now: number, mode: MediaMode, sfu: SfuAccess | null): void {
    const room = this.s.room;
    if (!room) return;
    room.mode = mode;
    if (mode === "p2p") {
      this.drop();
      if (this.s.participantId !== null) setUpMesh(this.s, this.s.participantId);
      return this.s.syncScreen(now);
    }
    if (!sfu) return this.s.syncScreen(now); // being set up: keep what we have
    this.drop();
    this.access = sfu;
    this.publish(now, "camera");
    this.s.syncScreen(now);
    // Peer connections that never came up carry nothing: close them now.
    for (const [id, link] of [...this.s.mesh.peers]) if (!link.connected) this.closeMeshPeer(id);
    if (this.s.mesh.size > 0) this.handoverUntil = now + P2P_HANDOVER;
  }

  private publish(now: number, publication: SfuPublication): void {
    const access = this.access;
    if (!access) return;
    this.publications.set(publication, {
      signalling: signalling(),
      deadline: now + PUBLISH_TIMEOUT,
    });
    this.republishAt.delete(publication);
    this.s.mediaCommand({
      type: "publish",
      publication,
      iceServers: this.s.iceServers(),
      codec: access.videoCodec,
    });
  }

  /** Makes or ends the screen's publication as sharing and the SFU allow. */
  syncScreenPublication(now: number): void {
    const sharing = this.s.media.screen;
    const want = sharing && this.access !== null && this.s.linkedInCall();
    if (want && !this.publications.has("screen") && !this.republishAt.has("screen")) {
      this.publish(now, "screen");
    } else if (!sharing) {
      this.republishAt.delete("screen");
      if (this.publications.delete("screen")) {
        this.s.mediaCommand({ type: "closeSfu", target: { publication: "screen" } });
        if (this.s.linkedInCall()) this.s.send({ type: "sfuUnpublish", publication: "screen" });
      }
    }
  }

  private closeMeshPeer(peer: ParticipantId): void {
    if (this.s.mesh.remove(peer)) this.s.mediaCommand({ type: "removePeer", peer });
  }

  private feedsChanged(now: number, available: SfuFeed[], gone: SfuFeed[]): void {
    for (const feed of gone) {
      this.feeds.delete(feedKey(feed));
      this.requested.delete(feedKey(feed));
      const n = this.subscriptionOf(feed);
      if (n !== null) this.unsubscribe(n, true);
    }
    for (const feed of available) {
      if (feed.participant === this.s.participantId) continue;
      this.feeds.set(feedKey(feed), feed);
      this.subscribe(now, feed);
    }
  }

  private subscribe(now: number, feed: SfuFeed): void {
    const pin = this.access?.pin;
    if (pin === undefined) return;
    if (this.subscriptionOf(feed) !== null || this.requested.has(feedKey(feed))) return;
    this.requested.set(feedKey(feed), { feed, at: now });
    this.s.send({
      type: "sfuSubscribe",
      pin,
      feed: feed.participant,
      publication: feed.publication,
    });
  }

  private unsubscribe(n: number, tell: boolean): SfuFeed | null {
    const sub = this.subscriptions.get(n);
    if (!sub) return null;
    this.subscriptions.delete(n);
    this.s.mediaCommand({ type: "closeSfu", target: { subscription: n } });
    if (tell) this.s.send({ type: "sfuUnsubscribe", subscription: n });
    return sub.feed;
  }

  private subscriptionOf(feed: SfuFeed): number | null {
    for (const [n, sub] of this.subscriptions) if (feedKey(sub.feed) === feedKey(feed)) return n;
    return null;
  }

  private offer(subscription: number, feed: SfuFeed, sdp: string): void {
    const wanted =
      this.access !== null &&
      this.requested.delete(feedKey(feed)) &&
      this.subscriptionOf(feed) === null &&
      !this.subscriptions.has(subscription);
    if (!wanted) return this.s.send({ type: "sfuUnsubscribe", subscription });
    // The feed's subscription takes over from our peer connection.
    if (feed.publication === "camera") this.closeMeshPeer(feed.participant);
    this.subscriptions.set(subscription, { feed, signalling: signalling() });
    this.s.mediaCommand({
      type: "subscribe",
      subscription,
      feed: feed.participant,
      publication: feed.publication,
      offer: sdp,
      iceServers: this.s.iceServers(),
    });
  }

  private refused(now: number, target: SfuTarget | null, code: SfuErrorCode, message: string) {
    if (code !== "unknownTarget" && code !== "unknownFeed" && code !== "notReady")
      this.s.notice({ type: "problem", code, message: explainRefusal(code, message) });
    const retry = code === "timeout";
    if (target && "publication" in target) {
      if (this.publications.delete(target.publication))
        this.s.mediaCommand({ type: "closeSfu", target });
      if (retry && this.access) this.republishAt.set(target.publication, now + REPUBLISH_DELAY);
    } else if (target) {
      const feed = this.unsubscribe(target.subscription, false);
      if (feed && retry && this.feeds.has(feedKey(feed))) this.subscribe(now, feed);
    }
    // A refused `sfuSubscribe` names no target: it is asked for again after SUBSCRIBE_RETRY.
  }

  timeout(now: number): void {
    for (const [publication, p] of [...this.publications])
      if (p.deadline !== null && p.deadline <= now) this.failed(now, { publication });
    for (const [publication, at] of [...this.republishAt]) {
      if (at > now) continue;
      this.republishAt.delete(publication);
      const wants = publication === "camera" || this.s.media.screen;
      if (this.access && !this.publications.has(publication) && wants && this.s.linkedInCall())
        this.publish(now, publication);
    }
    for (const [key, { feed, at }] of [...this.requested]) {
      if (at + SUBSCRIBE_RETRY > now) continue;
      this.requested.delete(key);
      if (this.feeds.has(key) && this.s.linkedInCall()) this.subscribe(now, feed);
    }
    if (this.handoverUntil !== null && this.handoverUntil <= now) {
      this.handoverUntil = null;
      if (this.s.mode() === "sfu")
        for (const id of [...this.s.mesh.peers.keys()]) this.closeMeshPeer(id);
    }
  }

  /** A participant left: their subscriptions end now. */
  participantLeft(participant: ParticipantId): void {
    for (const [key, feed] of [...this.feeds])
      if (feed.participant === participant) this.feeds.delete(key);
    for (const [key, r] of [...this.requested])
      if (r.feed.participant === participant) this.requested.delete(key);
    for (const [n, sub] of [...this.subscriptions])
      if (sub.feed.participant === participant) this.unsubscribe(n, true);
  }

  private connection(target: SfuTarget): { signalling: Signalling } | undefined {
    return "publication" in target
      ? this.publications.get(target.publication)
      : this.subscriptions.get(target.subscription);
  }

  /** Engine reports about SFU connections. */
  media(now: number, report: MediaReport): void {
    switch (report.type) {
      case "sfuLocalDescription":
        return this.describe(report.target, report.sdp);
      case "sfuLocalCandidate": {
        const conn = this.connection(report.target);
        if (!conn) return;
        if (!conn.signalling.described) conn.signalling.held.push(report.candidate);
        else if (this.s.linkedInCall())
          this.s.send({ type: "sfuCandidate", target: report.target, candidate: report.candidate });
        return;
      }
      case "sfuConnected": {
        const conn = this.connection(report.target);
        if ("publication" in report.target) {
          const p = this.publications.get(report.target.publication);
          if (p) p.deadline = null;
        }
        if (conn) conn.signalling.connected = true;
        return;
      }
      case "sfuFailed":
        return this.failed(now, report.target);
    }
  }

  private describe(target: SfuTarget, sdp: string): void {
    const pin = this.access?.pin;
    const conn = this.connection(target);
    if (!this.s.linkedInCall() || pin === undefined || !conn) return;
    conn.signalling.described = true;
    const held = conn.signalling.held.splice(0);
    if ("publication" in target)
      this.s.send({ type: "sfuPublish", pin, publication: target.publication, sdp });
    else this.s.send({ type: "sfuAnswer", subscription: target.subscription, sdp });
    for (const candidate of held) this.s.send({ type: "sfuCandidate", target, candidate });
  }

  private failed(now: number, target: SfuTarget): void {
    if ("publication" in target) {
      if (!this.publications.delete(target.publication)) return;
      this.s.mediaCommand({ type: "closeSfu", target });
      if (this.s.linkedInCall())
        this.s.send({ type: "sfuUnpublish", publication: target.publication });
      this.republishAt.set(target.publication, now + REPUBLISH_DELAY);
      return;
    }
    const tell = this.s.linkedInCall();
    const feed = this.unsubscribe(target.subscription, tell);
    if (feed && tell && this.feeds.has(feedKey(feed))) this.subscribe(now, feed);
  }
}
