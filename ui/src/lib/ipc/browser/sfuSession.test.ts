// SFU rooms in the browser client's session (as crates/client/src/session/tests/sfu.rs), and
// what an in-call session does with every golden server message.
import { describe, expect, it } from "vitest";
import { Session } from "./session";
import type { MediaCommand, Output } from "./types";
import type { ClientMsg, ParticipantInfo, ServerMsg } from "./wire";

const golden = import.meta.glob<ServerMsg>(
  "../../../../../crates/protocol/tests/golden/server/*.json",
  {
    eager: true,
    import: "default",
  },
);

const person = (id: string, joinOrder: number): ParticipantInfo => ({
  id,
  displayName: id,
  role: "guest",
  joinOrder,
  media: { audio: true, video: true, screen: false },
  handRaised: false,
});

function inCall(mode: "p2p" | "sfu", me = "p-guest9", others = [person("p-host1", 1)]) {
  const s = new Session({
    room: "cardiology-3",
    displayName: "Guest",
    token: "mq1.e30.c2ln",
    role: null,
    media: { audio: true, video: true, screen: false },
    decodes: null,
  });
  s.join();
  s.handle(0, { type: "transportOpened" });
  s.handle(0, {
    type: "server",
    msg: {
      type: "welcome",
      version: 1,
      participantId: me,
      room: "cardiology-3",
      role: "guest",
      mode,
      policy: { kind: "command", lobby: false, maxParticipants: 20 },
      iceServers: [],
      participants: [...others, person(me, 9)],
      lobby: [],
      chat: [],
      resumeToken: "r",
    },
  });
  drain(s);
  return s;
}

function drain(s: Session): Output[] {
  const out: Output[] = [];
  for (let o = s.pollOutput(); o; o = s.pollOutput()) out.push(o);
  return out;
}

function feed(s: Session, msg: ServerMsg, now = 0): Output[] {
  s.handle(now, { type: "server", msg });
  return drain(s);
}

const sent = (out: Output[]): ClientMsg[] => out.flatMap((o) => (o.type === "send" ? [o.msg] : []));
const commands = (out: Output[]): MediaCommand[] =>
  out.flatMap((o) => (o.type === "media" ? [o.command] : []));

describe("SFU rooms", () => {
  it("publishes the camera with the pin, subscribes to every feed but ours, answers offers", () => {
    const s = inCall("sfu");
    const ready = feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "h264" },
    });
    expect(commands(ready)).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "h264" },
    ]);
    s.handle(0, {
      type: "media",
      report: {
        type: "sfuLocalCandidate",
        target: { publication: "camera" },
        candidate: { candidate: "c1" },
      },
    });
    expect(drain(s)).toEqual([]); // held until the offer went out
    s.handle(0, {
      type: "media",
      report: { type: "sfuLocalDescription", target: { publication: "camera" }, sdp: "offer" },
    });
    expect(sent(drain(s))).toEqual([
      { type: "sfuPublish", pin: "pin-1", publication: "camera", sdp: "offer" },
      { type: "sfuCandidate", target: { publication: "camera" }, candidate: { candidate: "c1" } },
    ]);
    expect(
      commands(feed(s, { type: "sfuPublished", publication: "camera", sdp: "answer" })),
    ).toEqual([{ type: "publicationAnswer", publication: "camera", sdp: "answer" }]);
    const feeds = feed(s, {
      type: "sfuFeeds",
      available: [
        { participant: "p-host1", publication: "camera" },
        { participant: "p-guest9", publication: "camera" },
      ],
      gone: [],
    });
    expect(sent(feeds)).toEqual([
      { type: "sfuSubscribe", pin: "pin-1", feed: "p-host1", publication: "camera" },
    ]);
    const offer = feed(s, {
      type: "sfuOffer",
      subscription: 4,
      feed: "p-host1",
      publication: "camera",
      sdp: "janus-offer",
    });
    expect(commands(offer)).toEqual([
      {
        type: "subscribe",
        subscription: 4,
        feed: "p-host1",
        publication: "camera",
        offer: "janus-offer",
        iceServers: [],
      },
    ]);
    s.handle(0, {
      type: "media",
      report: { type: "sfuLocalDescription", target: { subscription: 4 }, sdp: "my-answer" },
    });
    expect(sent(drain(s))).toEqual([{ type: "sfuAnswer", subscription: 4, sdp: "my-answer" }]);
    const gone = feed(s, {
      type: "sfuFeeds",
      available: [],
      gone: [{ participant: "p-host1", publication: "camera" }],
    });
    expect(commands(gone)).toEqual([{ type: "closeSfu", target: { subscription: 4 } }]);
    expect(sent(gone)).toEqual([{ type: "sfuUnsubscribe", subscription: 4 }]);
  });

  it("drops everything on sfuReset and starts again with the next modeChanged", () => {
    const s = inCall("sfu");
    feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "h264" },
    });
    const reset = feed(s, { type: "sfuReset", reason: "nodeLost" });
    expect(commands(reset)).toEqual([{ type: "closeSfu", target: { publication: "camera" } }]);
    expect(reset).toContainEqual({ type: "sfu", notice: { type: "reset", reason: "nodeLost" } });
    const again = feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-2", generation: 2, videoCodec: "h264" },
    });
    expect(commands(again)).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "h264" },
    ]);
  });

  it("publishes camera and screen in the room's codec, and in the new one after codecChanged", () => {
    const s = inCall("sfu");
    const h264 = feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "h264" },
    });
    expect(commands(h264)).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "h264" },
    ]);
    s.setMedia(0, { audio: true, video: true, screen: true });
    expect(commands(drain(s))).toEqual([
      { type: "publish", publication: "screen", iceServers: [], codec: "h264" },
    ]);
    feed(s, {
      type: "sfuFeeds",
      available: [{ participant: "p-host1", publication: "camera" }],
      gone: [],
    });
    feed(s, {
      type: "sfuOffer",
      subscription: 4,
      feed: "p-host1",
      publication: "camera",
      sdp: "janus-offer",
    });
    // A VP8-only member came in: every SFU connection goes, nothing new until modeChanged.
    const reset = feed(s, { type: "sfuReset", reason: "codecChanged" });
    expect(commands(reset)).toEqual([
      { type: "closeSfu", target: { publication: "camera" } },
      { type: "closeSfu", target: { publication: "screen" } },
      { type: "closeSfu", target: { subscription: 4 } },
    ]);
    expect(sent(reset)).toEqual([]);
    expect(reset).toContainEqual({
      type: "sfu",
      notice: { type: "reset", reason: "codecChanged" },
    });
    const vp8 = feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-2", generation: 2, videoCodec: "vp8" },
    });
    expect(commands(vp8)).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "vp8" },
      { type: "publish", publication: "screen", iceServers: [], codec: "vp8" },
    ]);
  });

  it("says a wrong pin in words, and publishes again after a timeout", () => {
    const s = inCall("sfu");
    feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "h264" },
    });
    const wrong = feed(s, {
      type: "sfuRefused",
      target: { publication: "camera" },
      code: "timeout",
      message: "",
    });
    expect(commands(wrong)).toEqual([{ type: "closeSfu", target: { publication: "camera" } }]);
    s.handle(2_000, { type: "timeout" });
    expect(commands(drain(s))).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "h264" },
    ]);
  });

  it("keeps P2P peers until the SFU is ready, then closes them (connected ones at handover)", () => {
    const s = inCall("p2p", "p-guest9", [person("p-a", 1), person("p-b", 2)]);
    s.handle(0, { type: "media", report: { type: "peerConnected", peer: "p-a" } });
    expect(feed(s, { type: "modeChanged", mode: "sfu" })).toEqual([]);
    const ready = feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "p", generation: 1, videoCodec: "h264" },
    });
    expect(commands(ready)).toEqual([
      { type: "publish", publication: "camera", iceServers: [], codec: "h264" },
      { type: "removePeer", peer: "p-b" },
    ]);
    s.handle(10_000, { type: "timeout" });
    expect(commands(drain(s))).toEqual([{ type: "removePeer", peer: "p-a" }]);
  });

  it("shares the screen as a second publication, ended with sfuUnpublish", () => {
    const s = inCall("sfu");
    feed(s, {
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "h264" },
    });
    s.setMedia(0, { audio: true, video: true, screen: true });
    expect(commands(drain(s))).toEqual([
      { type: "publish", publication: "screen", iceServers: [], codec: "h264" },
    ]);
    s.setMedia(0, { audio: true, video: true, screen: false });
    const stop = drain(s);
    expect(commands(stop)).toEqual([{ type: "closeSfu", target: { publication: "screen" } }]);
    expect(sent(stop)).toContainEqual({ type: "sfuUnpublish", publication: "screen" });
  });
});

describe("every server message, in a call", () => {
  // What each golden message does to a P2P call of p-guest9 with p-host1: outputs by kind,
  // or [] where it is deliberately ignored (it does not fit the call's state).
  const expected: Record<ServerMsg["type"], string[]> = {
    welcome: [], // already in the call
    lobbyWaiting: [], // already in the call
    knock: ["event:knock"],
    knockResolved: ["event:knockResolved"],
    joined: ["event:participantJoined", "media:addPeer"],
    left: ["event:participantLeft"],
    signal: ["media:remoteCandidate"],
    chat: ["event:chat"],
    mediaState: ["event:mediaStateChanged"],
    handRaised: ["event:handRaised"],
    iceServers: [], // kept for new connections
    closed: ["media:removeAllPeers", "closeTransport", "event:stateChanged"],
    error: ["media:removeAllPeers", "closeTransport", "event:stateChanged"],
    modeChanged: ["media:publish", "media:removePeer"], // the unconnected P2P peer goes
    sfuPublished: [], // no publication of ours
    sfuOffer: ["send:sfuUnsubscribe"], // a feed we did not ask for
    sfuCandidate: [], // no such connection
    sfuFeeds: [], // no SFU access yet
    sfuTalking: ["sfu:talking"],
    sfuRefused: ["sfu:problem"], // no publication to close; the person is told
    sfuReset: ["sfu:reset"],
  };

  const cases = Object.entries(golden).map(([path, msg]) => [path.split("/").pop(), msg] as const);
  it.each(cases)("%s", (path, msg) => {
    const s = inCall("p2p");
    const out = feed(s, msg).map((o) =>
      o.type === "event"
        ? `event:${o.event.type}`
        : o.type === "media"
          ? `media:${o.command.type}`
          : o.type === "send"
            ? `send:${o.msg.type}`
            : o.type === "sfu"
              ? `sfu:${o.notice.type}`
              : o.type,
    );
    expect(out, path).toEqual(expected[msg.type]);
  });
});
