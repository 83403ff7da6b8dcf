// The remote tracks of the browser client, named as the desktop app names them (`<peer>:video`,
// `<peer>:audio`; a shared screen in SFU rooms comes on the peer `<participant>/screen`), each
// with whose it is (told with its events, so the UI never reads the name) and the MediaStream a
// tile shows. Sound is played here, one hidden <audio> per remote audio track (on the chosen
// speaker where the browser allows it), never by the tiles.
// Events as the engine sends them: `trackStarted` when media arrives, `firstFrame` when the
// first picture is decoded, `trackEnded` when its connection closes. A track that starts again
// (a new connection) has a new MediaStream: read `mediaStream(track)` on every `trackStarted`.

import type { MediaEvent, MediaOrigin, PeerId, TrackId } from "../contract";
import type { PeerIdentity } from "./engine";

export interface RemoteTrack {
  id: TrackId;
  peer: PeerId;
  /** Whose camera or screen it is: that of the connection it came on. */
  origin: MediaOrigin | null;
  kind: "audio" | "video";
  track: MediaStreamTrack;
  stream: MediaStream;
  /** The connection it came on (tracks end with it). */
  owner: object;
  receiverStats: () => Promise<RTCStatsReport | null>;
  started: boolean;
  audio: HTMLAudioElement | null;
}

/** How often, and how long, a new video track is watched for its first decoded frame. */
const FIRST_FRAME_POLL = 100;
const FIRST_FRAME_LIMIT = 20_000;

export class RemoteTracks {
  readonly tracks = new Map<TrackId, RemoteTrack>();
  private speakerId: string | null = null;
  private box: HTMLElement | null = null;
  private blocked = new Set<HTMLAudioElement>();

  constructor(
    private readonly doc: Document | null,
    private readonly emit: (event: MediaEvent) => void,
  ) {}

  /** A track arrived on the connection `owner`, which reports as `peer` and carries `origin`'s. */
  add(
    owner: object,
    { name: peer, origin }: PeerIdentity,
    track: MediaStreamTrack,
    receiverStats: () => Promise<RTCStatsReport | null>,
  ): void {
    const kind = track.kind === "audio" ? "audio" : "video";
    const id = `${peer}:${kind}`;
    const old = this.tracks.get(id);
    if (old) this.drop(old);
    const entry: RemoteTrack = {
      id,
      peer,
      origin,
      kind,
      track,
      stream: new MediaStream([track]),
      owner,
      receiverStats,
      started: false,
      audio: null,
    };
    this.tracks.set(id, entry);
    const start = () => this.start(entry);
    if (track.muted) track.addEventListener("unmute", start, { once: true });
    else start();
    track.addEventListener("ended", () => this.end(entry));
  }

  /** Every track of a connection ends (it closed). */
  endAll(owner: object): void {
    for (const entry of [...this.tracks.values()]) if (entry.owner === owner) this.end(entry);
  }

  /** Plays every remote sound on this speaker (where the browser allows choosing). */
  setSpeaker(speakerId: string | null): void {
    this.speakerId = speakerId;
    for (const entry of this.tracks.values()) if (entry.audio) this.route(entry.audio);
  }

  stream(track: TrackId): MediaStream | null {
    const entry = this.tracks.get(track);
    return entry?.started ? entry.stream : null;
  }

  clear(): void {
    for (const entry of [...this.tracks.values()]) this.end(entry);
  }

  private start(entry: RemoteTrack): void {
    if (this.tracks.get(entry.id) !== entry || entry.started) return;
    entry.started = true;
    if (entry.kind === "audio") entry.audio = this.play(entry.stream);
    const { id: track, peer, kind, origin } = entry;
    this.emit({ type: "trackStarted", track, peer, kind, origin });
    if (entry.kind === "video") this.watchFirstFrame(entry);
  }

  private end(entry: RemoteTrack): void {
    if (this.tracks.get(entry.id) !== entry) return;
    this.tracks.delete(entry.id);
    const started = entry.started;
    this.drop(entry);
    if (started) this.emit({ type: "trackEnded", track: entry.id });
  }

  private drop(entry: RemoteTrack): void {
    entry.started = false;
    if (entry.audio) {
      entry.audio.pause();
      entry.audio.srcObject = null;
      entry.audio.remove();
      this.blocked.delete(entry.audio);
    }
    entry.audio = null;
  }

  private watchFirstFrame(entry: RemoteTrack): void {
    const since = Date.now();
    const timer = setInterval(() => {
      if (this.tracks.get(entry.id) !== entry || Date.now() - since > FIRST_FRAME_LIMIT) {
        clearInterval(timer);
        return;
      }
      void entry.receiverStats().then((report) => {
        const size = decodedSize(report);
        if (!size || this.tracks.get(entry.id) !== entry || !entry.started) return;
        clearInterval(timer);
        const { id: track, peer, origin } = entry;
        this.emit({ type: "firstFrame", track, peer, resolution: size, origin });
      });
    }, FIRST_FRAME_POLL);
  }

  private play(stream: MediaStream): HTMLAudioElement | null {
    const doc = this.doc;
    if (!doc) return null;
    if (!this.box) {
      this.box = doc.createElement("div");
      this.box.hidden = true;
      this.box.dataset.mulaqat = "remote-audio";
      doc.body.append(this.box);
    }
    const audio = doc.createElement("audio");
    audio.autoplay = true;
    audio.srcObject = stream;
    this.box.append(audio);
    this.route(audio);
    this.resume(audio);
    return audio;
  }

  private route(audio: HTMLAudioElement): void {
    const sink = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (typeof sink.setSinkId === "function")
      void sink.setSinkId(this.speakerId ?? "").catch(() => undefined);
  }

  /** Starts playing; a browser that blocks sound until the person acts gets it at the next tap. */
  private resume(audio: HTMLAudioElement): void {
    const played = audio.play?.();
    if (!played) return;
    played.catch(() => {
      this.blocked.add(audio);
      const retry = () => {
        for (const el of [...this.blocked]) void el.play().then(() => this.blocked.delete(el));
      };
      this.doc?.addEventListener("pointerdown", retry, { once: true });
      this.doc?.addEventListener("keydown", retry, { once: true });
    });
  }
}

/** The decoded size in a receiver's stats, once a frame was decoded. */
function decodedSize(report: RTCStatsReport | null): { width: number; height: number } | null {
  let size: { width: number; height: number } | null = null;
  report?.forEach(
    (s: {
      type: string;
      kind?: string;
      framesDecoded?: number;
      frameWidth?: number;
      frameHeight?: number;
    }) => {
      if (s.type === "inbound-rtp" && s.kind === "video" && (s.framesDecoded ?? 0) > 0)
        size = { width: s.frameWidth ?? 0, height: s.frameHeight ?? 0 };
    },
  );
  return size;
}
