// Stand-ins for what jsdom lacks, for the browser client's unit tests only (never imported by
// the app): MediaStream and tracks, `navigator.mediaDevices`, RTCPeerConnection and WebSocket,
// each recording what it was asked and driven by the test.

let nextId = 1;

export class FakeTrack extends EventTarget {
  readonly id = `track-${nextId++}`;
  enabled = true;
  muted = false;
  readyState: "live" | "ended" = "live";
  contentHint = "";
  constructor(readonly kind: "audio" | "video") {
    super();
  }
  stop(): void {
    this.readyState = "ended";
  }
  clone(): FakeTrack {
    return new FakeTrack(this.kind);
  }
}

export class FakeStream {
  constructor(private readonly tracks: FakeTrack[] = []) {}
  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === "video");
  }
}

/** A browser error as getUserMedia throws them (`name` is what matters). */
export function domError(name: string): Error {
  const e = new Error(`${name} (fake)`);
  e.name = name;
  return e;
}

export class FakeMediaDevices extends EventTarget {
  kinds: MediaDeviceKind[] = ["audioinput", "videoinput", "audiooutput"];
  /** Errors by what is asked: "audio+video", "audio", "video". */
  failures = new Map<string, Error>();
  readonly asked: MediaStreamConstraints[] = [];

  async enumerateDevices(): Promise<MediaDeviceInfo[]> {
    return this.kinds.map((kind, i) => ({
      kind,
      deviceId: `${kind}-${i}`,
      groupId: "g",
      label: `Fake ${kind}`,
      toJSON: () => ({}),
    }));
  }

  async getUserMedia(c: MediaStreamConstraints): Promise<MediaStream> {
    this.asked.push(c);
    const key = [c.audio && "audio", c.video && "video"].filter(Boolean).join("+");
    const failure = this.failures.get(key) ?? this.failures.get("any");
    if (failure) throw failure;
    const tracks = [
      ...(c.audio ? [new FakeTrack("audio")] : []),
      ...(c.video ? [new FakeTrack("video")] : []),
    ];
    return new FakeStream(tracks) as unknown as MediaStream;
  }

  async getDisplayMedia(): Promise<MediaStream> {
    const failure = this.failures.get("screen");
    if (failure) throw failure;
    return new FakeStream([new FakeTrack("video")]) as unknown as MediaStream;
  }
}

class FakeTransceiver {
  direction: RTCRtpTransceiverDirection;
  currentDirection: RTCRtpTransceiverDirection | null = null;
  preferences: { mimeType: string }[] | null = null;
  readonly receiver: { track: FakeTrack };
  readonly sender: { track: FakeTrack | null; replaceTrack(t: FakeTrack | null): Promise<void> };
  constructor(
    kind: "audio" | "video",
    track: FakeTrack | null,
    direction: RTCRtpTransceiverDirection,
  ) {
    this.direction = direction;
    this.receiver = { track: new FakeTrack(kind) };
    this.sender = {
      track,
      async replaceTrack(t) {
        this.track = t;
      },
    };
  }
  setCodecPreferences(codecs: { mimeType: string }[]): void {
    this.preferences = codecs;
  }
}

export class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  signalingState: RTCSignalingState = "stable";
  connectionState: RTCPeerConnectionState = "new";
  iceConnectionState: RTCIceConnectionState = "new";
  readonly transceivers: FakeTransceiver[] = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  closed = false;
  onicecandidate: ((e: { candidate: RTCIceCandidate | null }) => void) | null = null;
  ontrack: ((e: { track: FakeTrack }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;

  constructor(readonly config: RTCConfiguration) {
    FakePeerConnection.made.push(this);
  }

  addTransceiver(
    what: FakeTrack | "audio" | "video",
    init: { direction: RTCRtpTransceiverDirection },
  ) {
    const kind = typeof what === "string" ? what : what.kind;
    const t = new FakeTransceiver(kind, typeof what === "string" ? null : what, init.direction);
    this.transceivers.push(t);
    return t;
  }
  getTransceivers() {
    return this.transceivers;
  }
  getReceivers() {
    return this.transceivers.map((t) => t.receiver);
  }
  async createOffer() {
    return { type: "offer" as const, sdp: `offer from pc${FakePeerConnection.made.indexOf(this)}` };
  }
  async createAnswer() {
    return {
      type: "answer" as const,
      sdp: `answer from pc${FakePeerConnection.made.indexOf(this)}`,
    };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.localDescription = d;
    this.signalingState = d.type === "offer" ? "have-local-offer" : "stable";
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    this.remoteDescription = d;
    this.signalingState = d.type === "offer" ? "have-remote-offer" : "stable";
    if (d.type === "offer" && this.transceivers.length === 0) {
      for (const kind of ["audio", "video"] as const) {
        const t = this.addTransceiver(kind, { direction: "recvonly" });
        this.ontrack?.({ track: t.receiver.track });
      }
    }
  }
  async addIceCandidate(c: RTCIceCandidateInit) {
    this.candidates.push(c);
  }
  async getStats() {
    return new Map();
  }
  close() {
    this.closed = true;
    this.connectionState = "closed";
  }
  /** The test moves the connection to a state. */
  setState(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  /** The browser found a candidate (null: no more). */
  gather(candidate: string | null) {
    this.onicecandidate?.({
      candidate:
        candidate === null
          ? null
          : ({ candidate, sdpMid: "0", sdpMLineIndex: 0 } as RTCIceCandidate),
    });
  }
}

export class FakeWebSocket {
  static made: FakeWebSocket[] = [];
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedByClient = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.made.push(this);
  }
  static last(): FakeWebSocket {
    const ws = FakeWebSocket.made.at(-1);
    if (!ws) throw new Error("no WebSocket was opened");
    return ws;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.closedByClient = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  types(): unknown[] {
    return this.sent.map((m) => m.type);
  }
}

/** Puts the fakes where the browser client looks for them (`vi.unstubAllGlobals` undoes it). */
export function fakeBrowser(stub: (name: string, value: unknown) => void): FakeMediaDevices {
  FakePeerConnection.made = [];
  FakeWebSocket.made = [];
  const devices = new FakeMediaDevices();
  stub("MediaStream", FakeStream);
  stub("RTCPeerConnection", FakePeerConnection);
  stub("WebSocket", FakeWebSocket);
  stub("isSecureContext", true);
  Object.defineProperty(navigator, "mediaDevices", { value: devices, configurable: true });
  return devices;
}
