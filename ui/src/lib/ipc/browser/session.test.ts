// The browser client's session, message by message (as crates/client/src/session/tests do for
// the Rust one). Time is a number the test moves by hand.
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../contract";
import { Session } from "./session";
import type { MediaCommand, Output } from "./types";
import type { ClientMsg, ParticipantInfo, ServerMsg } from "./wire";

const TOKEN = "mq1.eyJyb29tIjoid2FyZC03Iiwicm9sZSI6Imd1ZXN0In0.c2ln";

function person(id: string, joinOrder: number, role: "host" | "guest" = "guest"): ParticipantInfo {
  return {
    id,
    displayName: `Name of ${id}`,
    role,
    joinOrder,
    media: { audio: true, video: true, screen: false },
    handRaised: false,
  };
}

function welcome(
  me: string,
  participants: ParticipantInfo[],
  extra: Partial<Extract<ServerMsg, { type: "welcome" }>> = {},
): ServerMsg {
  return {
    type: "welcome",
    version: 1,
    participantId: me,
    room: "ward-7",
    role: participants.find((p) => p.id === me)?.role ?? "guest",
    mode: "p2p",
    policy: { kind: "consultation", lobby: true, maxParticipants: 4 },
    iceServers: [{ urls: ["stun:stun.example:3478"] }],
    iceTtlSecs: 100,
    participants,
    lobby: [],
    chat: [],
    resumeToken: "r-secret",
    ...extra,
  };
}

class Harness {
  readonly s = new Session({
    room: "ward-7",
    displayName: " Bilal ",
    token: TOKEN,
    role: null,
    media: { audio: true, video: true, screen: false },
    decodes: ["vp8"],
  });
  now = 0;

  drain(): Output[] {
    const out: Output[] = [];
    for (let o = this.s.pollOutput(); o; o = this.s.pollOutput()) out.push(o);
    return out;
  }
  server(msg: ServerMsg): Output[] {
    this.s.handle(this.now, { type: "server", msg });
    return this.drain();
  }
  /** Joined and the link is open: hello and join went out. */
  connect(): Output[] {
    this.s.join();
    this.s.handle(this.now, { type: "transportOpened" });
    return this.drain();
  }
  advance(ms: number): Output[] {
    this.now += ms;
    this.s.handle(this.now, { type: "timeout" });
    return this.drain();
  }
}

const sent = (out: Output[]): ClientMsg[] => out.flatMap((o) => (o.type === "send" ? [o.msg] : []));
const events = (out: Output[]): CallEvent[] =>
  out.flatMap((o) => (o.type === "event" ? [o.event] : []));
const commands = (out: Output[]): MediaCommand[] =>
  out.flatMap((o) => (o.type === "media" ? [o.command] : []));
const states = (out: Output[]) =>
  events(out).flatMap((e) => (e.type === "stateChanged" ? [e.state] : []));

describe("joining", () => {
  it("says hello with the token, then joins the token's room with the trimmed name and codecs", () => {
    const h = new Harness();
    h.s.join();
    const first = h.drain();
    expect(first.map((o) => o.type)).toEqual(["openTransport", "event"]);
    expect(states(first)).toEqual([{ type: "connecting" }]);
    h.s.handle(0, { type: "transportOpened" });
    expect(sent(h.drain())).toEqual([
      { type: "hello", version: 1, token: TOKEN },
      {
        type: "join",
        room: "ward-7",
        displayName: "Bilal",
        role: null,
        resume: null,
        media: { audio: true, video: true, screen: false },
        decodes: ["vp8"],
      },
    ]);
  });

  it("waits in the lobby, is admitted, and is in the call with everyone reported", () => {
    const h = new Harness();
    h.connect();
    const waiting = h.server({
      type: "lobbyWaiting",
      version: 1,
      participantId: "p-guest",
      reason: "hostNotPresent",
    });
    expect(states(waiting)).toEqual([
      { type: "waitingInLobby", participantId: "p-guest", reason: "hostNotPresent" },
    ]);
    const hostCame = h.server({
      type: "lobbyWaiting",
      version: 1,
      participantId: "p-guest",
      reason: "awaitingAdmission",
    });
    expect(states(hostCame)).toEqual([
      { type: "waitingInLobby", participantId: "p-guest", reason: "awaitingAdmission" },
    ]);
    const admitted = h.server(
      welcome("p-guest", [person("p-host", 1, "host"), person("p-guest", 2)]),
    );
    expect(events(admitted).map((e) => e.type)).toEqual([
      "stateChanged",
      "participantJoined",
      "participantJoined",
    ]);
    expect(states(admitted)).toEqual([{ type: "inCall", participantId: "p-guest", role: "guest" }]);
    // The later joiner offers: we add the host's peer as initiator.
    expect(commands(admitted)).toContainEqual({
      type: "addPeer",
      peer: "p-host",
      initiator: true,
      iceServers: [{ urls: ["stun:stun.example:3478"] }],
    });
  });

  it.each([
    [{ type: "closed", reason: "denied" }, { type: "denied" }],
    [{ type: "closed", reason: "meetingEnded" }, { type: "meetingEnded" }],
    [
      { type: "error", code: "invalidToken", message: "bad" },
      { type: "refused", code: "invalidToken", message: "bad" },
    ],
    [
      { type: "error", code: "tokenExpired", message: "old" },
      { type: "refused", code: "tokenExpired", message: "old" },
    ],
  ] as [ServerMsg, object][])("ends on %o with the matching reason", (msg, reason) => {
    const h = new Harness();
    h.connect();
    h.server({
      type: "lobbyWaiting",
      version: 1,
      participantId: "p-g",
      reason: "awaitingAdmission",
    });
    const out = h.server(msg);
    expect(states(out)).toEqual([{ type: "ended", reason }]);
    expect(out.map((o) => o.type)).toContain("closeTransport");
    expect(commands(out)).toContainEqual({ type: "removeAllPeers" });
  });

  it("ends a call in progress when the host ends the meeting", () => {
    const h = new Harness();
    h.connect();
    h.server(welcome("p2", [person("p1", 1, "host"), person("p2", 2)]));
    const out = h.server({ type: "closed", reason: "meetingEnded" });
    expect(states(out)).toEqual([{ type: "ended", reason: { type: "meetingEnded" } }]);
  });

  it("refuses a bad name before opening anything", () => {
    const s = new Session({
      room: "r",
      displayName: "  ",
      token: TOKEN,
      role: null,
      media: { audio: true, video: true, screen: false },
      decodes: null,
    });
    expect(() => s.join()).toThrow(expect.objectContaining({ code: "invalidDisplayName" }));
    expect(s.pollOutput()).toBeUndefined();
  });
});

describe("in the call", () => {
  function inCall(me = "p2", others = [person("p1", 1, "host")]) {
    const h = new Harness();
    h.connect();
    h.server(welcome(me, [...others, person(me, 9)]));
    return h;
  }

  it("answers the earlier joiner and offers to a later one", () => {
    const h = inCall();
    const out = h.server({ type: "joined", participant: person("p3", 12) });
    expect(commands(out)).toEqual([
      { type: "addPeer", peer: "p3", initiator: false, iceServers: expect.any(Array) },
    ]);
  });

  it("relays our descriptions and candidates only to peers it holds", () => {
    const h = inCall();
    h.s.handle(0, {
      type: "media",
      report: { type: "localDescription", peer: "p1", description: { type: "offer", sdp: "v=0" } },
    });
    h.s.handle(0, {
      type: "media",
      report: { type: "localCandidate", peer: "nobody", candidate: { candidate: "" } },
    });
    expect(sent(h.drain())).toEqual([
      { type: "signal", to: "p1", sdp: { type: "offer", sdp: "v=0" } },
    ]);
  });

  it("restarts a failed connection it initiated, and leaves the others to their initiator", () => {
    const h = inCall("p2", [person("p1", 1), person("p3", 20)]);
    h.s.handle(0, { type: "media", report: { type: "peerFailed", peer: "p1" } });
    h.s.handle(0, { type: "media", report: { type: "peerFailed", peer: "p3" } });
    expect(commands(h.drain())).toEqual([{ type: "restartPeer", peer: "p1" }]);
  });

  it("keeps the peer of someone whose link dropped, and gives up after the grace", () => {
    const h = inCall();
    expect(commands(h.server({ type: "left", participant: "p1", reason: "disconnected" }))).toEqual(
      [],
    );
    expect(commands(h.advance(60_000))).toEqual([{ type: "removePeer", peer: "p1" }]);
  });

  it("keeps the connection of someone who came back with their media still flowing", () => {
    const h = inCall("p2", [person("p1", 1)]);
    h.s.handle(0, { type: "media", report: { type: "peerConnected", peer: "p1" } });
    h.server({ type: "left", participant: "p1", reason: "disconnected" });
    expect(commands(h.server({ type: "joined", participant: person("p1", 1) }))).toEqual([]);
  });

  it("makes a new connection for someone who came back restarted, offering by join order", () => {
    const h = inCall("p2", [person("p1", 1), person("p3", 20)]);
    for (const peer of ["p1", "p3"]) {
      h.s.handle(0, { type: "media", report: { type: "peerConnected", peer } });
      h.server({ type: "left", participant: peer, reason: "replaced" });
    }
    // We joined after p1 (we offer) and before p3 (p3 offers), as on their first connection.
    const p1 = h.server({ type: "joined", participant: person("p1", 1), restarted: true });
    expect(commands(p1)).toEqual([
      { type: "removePeer", peer: "p1" },
      { type: "addPeer", peer: "p1", initiator: true, iceServers: expect.any(Array) },
    ]);
    const p3 = h.server({ type: "joined", participant: person("p3", 20), restarted: true });
    expect(commands(p3)).toEqual([
      { type: "removePeer", peer: "p3" },
      { type: "addPeer", peer: "p3", initiator: false, iceServers: expect.any(Array) },
    ]);
    // The new connections are not away: nothing is given up on later.
    expect(commands(h.advance(60_000))).toEqual([]);
  });

  it("asks for fresh TURN credentials at four fifths of their lifetime", () => {
    const h = inCall();
    expect(sent(h.advance(79_000))).toEqual([]);
    expect(sent(h.advance(1_000))).toEqual([{ type: "refreshIce" }]);
  });

  it("tells the room when we mute, and refuses host actions to a guest", () => {
    const h = inCall();
    h.s.setMedia(0, { audio: false, video: true, screen: false });
    const out = h.drain();
    expect(sent(out)).toEqual([{ type: "mediaState", audio: false, video: true, screen: false }]);
    expect(events(out)).toEqual([
      {
        type: "mediaStateChanged",
        participant: "p2",
        state: { audio: false, video: true, screen: false },
      },
    ]);
    expect(() => h.s.hostAction({ type: "admit", participant: "x" })).toThrow(
      expect.objectContaining({ code: "forbidden" }),
    );
  });

  it("puts a shared screen in the camera's place peer to peer", () => {
    const h = inCall();
    h.s.setMedia(0, { audio: true, video: true, screen: true });
    expect(commands(h.drain())).toEqual([{ type: "screenInCamera", on: true }]);
  });

  it("leaves: sends leave and ends when the server confirms", () => {
    const h = inCall();
    h.s.leave(0);
    expect(sent(h.drain())).toEqual([{ type: "leave" }]);
    expect(states(h.server({ type: "closed", reason: "left" }))).toEqual([
      { type: "ended", reason: { type: "left" } },
    ]);
  });
});

describe("reconnecting", () => {
  it("comes back with join.resume after the link drops, keeping its peers", () => {
    const h = new Harness();
    h.connect();
    h.server(welcome("p2", [person("p1", 1, "host"), person("p2", 2)]));
    h.s.handle(h.now, { type: "transportClosed", reason: "gone" });
    expect(states(h.drain())).toEqual([{ type: "reconnecting", attempt: 1 }]);
    expect(h.advance(999).map((o) => o.type)).toEqual([]);
    expect(h.advance(1).map((o) => o.type)).toEqual(["openTransport"]);
    h.s.handle(h.now, { type: "transportOpened" });
    const join = sent(h.drain())[1];
    expect(join).toMatchObject({
      type: "join",
      resume: { participantId: "p2", resumeToken: "r-secret" },
    });
    const back = h.server(welcome("p2", [person("p1", 1, "host"), person("p2", 2)]));
    expect(states(back)).toEqual([{ type: "inCall", participantId: "p2", role: "guest" }]);
    // Not connected yet and we initiate: the kept peer is restarted, not added again.
    expect(commands(back)).toEqual([{ type: "restartPeer", peer: "p1" }]);
  });

  it("resumes a reloaded page's call from what it kept", () => {
    const h = new Harness();
    h.s.rejoin(0, {
      participantId: "p2",
      resume: { participantId: "p2", resumeToken: "r-kept" },
      role: "guest",
      participants: [person("p1", 1, "host"), person("p2", 2)],
    });
    expect(states(h.drain())).toEqual([{ type: "reconnecting", attempt: 1 }]);
    h.s.handle(0, { type: "transportOpened" });
    expect(sent(h.drain())[1]).toMatchObject({
      resume: { participantId: "p2", resumeToken: "r-kept" },
    });
    const back = h.server(welcome("p2", [person("p1", 1, "host"), person("p2", 2)]));
    // Nobody is reported again: the reloaded UI drew them from the kept snapshot.
    expect(events(back).map((e) => e.type)).toEqual(["stateChanged"]);
    expect(commands(back)).toContainEqual(expect.objectContaining({ type: "addPeer", peer: "p1" }));
  });

  it("says restarted in the resume after a reload, and not after a dropped link", () => {
    const h = new Harness();
    const people = [person("p1", 1, "host"), person("p2", 2)];
    h.s.rejoin(0, {
      participantId: "p2",
      resume: { participantId: "p2", resumeToken: "r-kept" },
      role: "guest",
      participants: people,
    });
    h.drain();
    const joinResume = () => {
      h.s.handle(h.now, { type: "transportOpened" });
      const join = sent(h.drain())[1];
      return join?.type === "join" ? join.resume : undefined;
    };
    const reloaded = { participantId: "p2", resumeToken: "r-kept", restarted: true };
    expect(joinResume()).toEqual(reloaded);
    // Refused before the welcome: the next attempt is still from the reloaded page.
    h.s.handle(h.now, { type: "transportClosed", reason: "gone" });
    h.drain();
    h.advance(2_000);
    expect(joinResume()).toEqual(reloaded);
    h.server(welcome("p2", people));
    // The link drops in the call: our media kept flowing, the new token comes back alone.
    h.s.handle(h.now, { type: "transportClosed", reason: "gone" });
    h.drain();
    h.advance(1_000);
    expect(joinResume()).toEqual({ participantId: "p2", resumeToken: "r-secret" });
  });

  it("gives up a minute after the drop", () => {
    const h = new Harness();
    h.connect();
    h.server(welcome("p2", [person("p1", 1, "host"), person("p2", 2)]));
    h.s.handle(0, { type: "transportClosed", reason: "gone" });
    h.drain();
    const seen: unknown[] = [];
    for (let t = 0; t < 70; t++) {
      seen.push(...states(h.advance(1_000)));
      h.s.handle(h.now, { type: "transportClosed", reason: "still gone" });
      seen.push(...states(h.drain()));
    }
    expect(seen.at(-1)).toEqual({ type: "ended", reason: { type: "connectionLost" } });
    expect(h.now).toBeGreaterThanOrEqual(60_000);
  });
});
