// The browser client's call runner: the IO around the sans-IO session (session.ts), as
// crates/client/src/runner.rs is for the desktop app. It owns the WebSocket (`ws(s)://host/ws`),
// the session's timer and the media engine, turns outputs into frames, media commands and the
// UI's events, keeps the call's snapshot (the shared reducer, ipc/callSnapshot.ts) and keeps what
// a reloaded page needs to resume the call in sessionStorage.

import type { CallEvent, CallSnapshot } from "../contract";
import { emptySnapshot, isActive, reduceCall } from "../callSnapshot";
import type { MediaEngine } from "./engine";
import { Session, type SavedSession, type SessionConfig } from "./session";
import type { SpeakerChange, SpeakerTracker } from "./speaker";
import type { Input, Output, SfuNotice } from "./types";
import { MAX_SERVER_MESSAGE, decodeServer, encodeClient, type SfuErrorCode } from "./wire";

/** How long opening the WebSocket may take. */
export const CONNECT_TIMEOUT = 10_000;

export interface RunnerEnv {
  WebSocket: new (url: string) => WebSocket;
  now(): number;
}

export interface RunnerHooks {
  callEvent(event: CallEvent): void;
  activeSpeaker(change: SpeakerChange): void;
  /** The call's snapshot changed (kept for a reload), or the call ended (null). */
  persist(saved: SavedCall | null): void;
}

/** What a reloaded page needs to come back into the call. */
export interface SavedCall {
  session: SavedSession;
  snapshot: CallSnapshot;
}

/** The closest call error code for an SFU refusal (as the desktop app shows them). */
function sfuErrorCode(code: SfuErrorCode): "forbidden" | "internal" {
  return code === "wrongPin" || code === "refused" ? "forbidden" : "internal";
}

export class CallRunner {
  readonly session: Session;
  snapshot: CallSnapshot;
  /** What the first connection waits for (our media: the first offer must carry it). */
  gate: Promise<unknown> | null = null;
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ended: (() => void)[] = [];

  constructor(
    private readonly env: RunnerEnv,
    private readonly url: string,
    config: SessionConfig,
    readonly engine: MediaEngine,
    private readonly speakers: SpeakerTracker,
    private readonly hooks: RunnerHooks,
    saved: SavedCall | null = null,
  ) {
    this.session = new Session(config);
    this.snapshot = saved
      ? structuredClone(saved.snapshot)
      : { ...emptySnapshot(), room: config.room, local: { ...emptySnapshot().local } };
  }

  get active(): boolean {
    return isActive(this.session.state);
  }

  /** Joins (or, with what a reloaded page kept, resumes). */
  start(saved: SavedCall | null): void {
    if (saved) this.session.rejoin(this.env.now(), saved.session);
    else this.session.join();
    this.drain();
  }

  /** Runs a user action on the session (it may throw a CommandError), then its outputs. */
  act(action: (session: Session, now: number) => void): void {
    try {
      action(this.session, this.env.now());
    } finally {
      this.drain();
    }
  }

  input(input: Input): void {
    this.session.handle(this.env.now(), input);
    this.drain();
  }

  /** Resolves once the call has ended. */
  whenEnded(): Promise<void> {
    return this.active ? new Promise((resolve) => this.ended.push(resolve)) : Promise.resolve();
  }

  private drain(): void {
    for (let out = this.session.pollOutput(); out; out = this.session.pollOutput()) this.carry(out);
    this.schedule();
  }

  private carry(out: Output): void {
    switch (out.type) {
      case "openTransport":
        return this.open();
      case "closeTransport":
        return this.close();
      case "send":
        if (this.socket?.readyState === 1) this.socket.send(encodeClient(out.msg));
        return;
      case "media":
        return this.engine.apply(out.command);
      case "event":
        return this.event(out.event);
      case "sfu":
        return this.sfu(out.notice);
    }
  }

  private event(event: CallEvent): void {
    this.snapshot = reduceCall(this.snapshot, event);
    if (event.type === "participantLeft") {
      const change = this.speakers.remove(event.participant);
      if (change) this.hooks.activeSpeaker(change);
    }
    const ended = event.type === "stateChanged" && event.state.type === "ended";
    this.hooks.callEvent(event);
    this.save();
    if (ended) {
      this.engine.stop();
      for (const resolve of this.ended.splice(0)) resolve();
    }
  }

  private sfu(notice: SfuNotice): void {
    if (notice.type === "talking") {
      const change = this.speakers.talking(notice.participant, notice.talking, this.env.now());
      if (change) this.hooks.activeSpeaker(change);
    } else if (notice.type === "problem") {
      const event: CallEvent = {
        type: "error",
        code: sfuErrorCode(notice.code),
        message: notice.message,
      };
      this.hooks.callEvent(event);
    }
  }

  /** Keeps what a reload needs while the call can be resumed; forgets it when it ended. */
  private save(): void {
    const s = this.session;
    const resumable = this.active && s.resume !== null && s.participantId !== null;
    if (!resumable) {
      if (!this.active) this.hooks.persist(null);
      return;
    }
    this.hooks.persist({
      session: {
        participantId: s.participantId as string,
        resume: s.resume as NonNullable<Session["resume"]>,
        role: s.role,
        participants: s.roster.participants,
      },
      snapshot: this.snapshot,
    });
  }

  private open(): void {
    const gate = this.gate;
    this.gate = null;
    if (!gate) return this.connect();
    void gate.finally(() => {
      if (this.session.transport === "opening" && !this.socket) this.connect();
    });
  }

  private connect(): void {
    let ws: WebSocket;
    try {
      ws = new this.env.WebSocket(this.url);
    } catch {
      queueMicrotask(() => this.input({ type: "transportClosed", reason: "cannot connect" }));
      return;
    }
    this.socket = ws;
    const mine = () => this.socket === ws;
    const giveUp = setTimeout(() => {
      if (mine() && ws.readyState !== 1) this.lost(ws, "no answer in time");
    }, CONNECT_TIMEOUT);
    ws.onopen = () => {
      clearTimeout(giveUp);
      if (mine()) this.input({ type: "transportOpened" });
    };
    ws.onmessage = (e: MessageEvent) => {
      if (!mine() || typeof e.data !== "string" || e.data.length > MAX_SERVER_MESSAGE) return;
      const decoded = decodeServer(e.data);
      if (decoded.ok) this.input({ type: "server", msg: decoded.msg });
    };
    ws.onclose = (e: CloseEvent) => {
      clearTimeout(giveUp);
      if (mine()) this.lost(ws, `closed (${e.code})`);
    };
  }

  private lost(ws: WebSocket, reason: string): void {
    this.detach(ws);
    this.socket = null;
    try {
      ws.close();
    } catch {
      // Closed already.
    }
    this.input({ type: "transportClosed", reason });
  }

  private close(): void {
    const ws = this.socket;
    this.socket = null;
    if (!ws) return;
    this.detach(ws);
    try {
      ws.close(1000);
    } catch {
      // Already closing.
    }
  }

  private detach(ws: WebSocket): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const at = this.session.pollTimeout();
    if (at === null || !this.active) return;
    const wait = Math.max(0, at - this.env.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.input({ type: "timeout" });
    }, wait);
  }
}
