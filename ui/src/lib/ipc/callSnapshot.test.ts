// The reducer against the vectors crates/app's SnapshotKeeper checks too
// (crates/app/tests/golden/call_snapshot.json), so the desktop app, the mock and the browser
// client cannot disagree about the call a person sees.
import { describe, expect, it } from "vitest";
import vectorFile from "../../../../crates/app/tests/golden/call_snapshot.json";
import type {
  CallEvent,
  CallSnapshot,
  LocalMedia,
  MediaEvent,
  MediaOrigin,
  RoomId,
} from "./contract";
import { KEPT_CHAT, SnapshotKeeper, emptySnapshot, reduceCall, reduceMedia } from "./callSnapshot";

interface Vectors {
  cases: {
    name: string;
    start: { room: RoomId | null; local: LocalMedia };
    steps: { at?: number; call?: CallEvent; media?: MediaEvent }[];
    expect: CallSnapshot;
  }[];
}

const vectors = vectorFile as unknown as Vectors;

const chat = (seq: number): CallEvent => ({
  type: "chat",
  message: { seq, from: "p1", displayName: "A", text: "hi", sentAt: seq },
});

describe("reduceCall and reduceMedia", () => {
  it("agree with every shared vector", () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(8);
    for (const c of vectors.cases) {
      let s: CallSnapshot = { ...emptySnapshot(), room: c.start.room, local: c.start.local };
      for (const step of c.steps) {
        if (step.call) s = reduceCall(s, step.call, step.at ?? 0);
        if (step.media) s = reduceMedia(s, step.media);
      }
      expect(s, c.name).toEqual(c.expect);
    }
  });

  it("never change the snapshot they are given", () => {
    const start = emptySnapshot();
    const before = structuredClone(start);
    reduceCall(start, { type: "stateChanged", state: { type: "connecting" } }, 1);
    reduceCall(start, chat(1), 1);
    reduceMedia(start, {
      type: "trackStarted",
      track: "local:screen",
      peer: "sfu:screen",
      kind: "video",
      origin: { participant: null, source: "screen" },
    });
    expect(start).toEqual(before);
  });

  it("tell a shared screen and whose it is by the track's origin, never by its name", () => {
    const started = (track: string, origin: MediaOrigin | null): MediaEvent => ({
      type: "trackStarted",
      track,
      peer: "x",
      kind: "video",
      origin,
    });
    let s = emptySnapshot();
    s = reduceMedia(s, started("a", { participant: "p7", source: "screen" }));
    s = reduceMedia(s, started("b", { participant: "p7", source: "camera" }));
    s = reduceMedia(s, started("p8/screen:video", null));
    s = reduceMedia(s, started("c", { participant: null, source: "screen" }));
    expect(s.screens).toEqual([
      { track: "a", participant: "p7" },
      { track: "c", participant: null },
    ]);
    s = reduceMedia(s, { type: "trackEnded", track: "a" });
    expect(s.screens).toEqual([{ track: "c", participant: null }]);
  });

  it("drop the oldest chat messages beyond the limit", () => {
    let s = emptySnapshot();
    for (let seq = 0; seq < KEPT_CHAT + 20; seq++) s = reduceCall(s, chat(seq), seq);
    expect(s.chat).toHaveLength(KEPT_CHAT);
    expect(s.chat[0]?.seq).toBe(20);
  });
});

describe("SnapshotKeeper", () => {
  const keeper = () => {
    const sent: CallSnapshot[] = [];
    return { sent, keeper: new SnapshotKeeper((s) => sent.push(s)) };
  };

  it("sends the snapshot after each change, and nothing when the event changed nothing", () => {
    const { sent, keeper: k } = keeper();
    k.applyCall({ type: "stateChanged", state: { type: "connecting" } });
    k.applyCall(chat(1));
    k.applyCall(chat(1));
    k.applyCall({ type: "error", code: "forbidden", message: "no" });
    k.applyMedia({
      type: "trackStarted",
      track: "p2:video",
      peer: "p2",
      kind: "video",
      origin: { participant: "p2", source: "camera" },
    });
    k.setLocal({ micMuted: false });
    expect(sent.map((s) => [s.state.type, s.chat.length])).toEqual([
      ["connecting", 0],
      ["connecting", 1],
    ]);
    k.setLocal({ micMuted: true });
    expect(sent).toHaveLength(3);
    expect(sent[2]?.local.micMuted).toBe(true);
  });

  it("sends copies: what the receiver does with one does not change the call", () => {
    const { sent, keeper: k } = keeper();
    k.setLocal({ handRaised: true });
    const first = sent[0];
    if (first) first.local.handRaised = false;
    expect(k.snapshot.local.handRaised).toBe(true);
  });
});
