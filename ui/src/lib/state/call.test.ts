import { describe, expect, it } from "vitest";
import type { CallEvent, CallSnapshot, ParticipantInfo } from "../ipc/contract";
import { emptySnapshot, isActive, isHostNow, reduceCall } from "./call";

const person = (
  id: string,
  joinOrder: number,
  extra: Partial<ParticipantInfo> = {},
): ParticipantInfo => ({
  id,
  displayName: `Name ${id}`,
  role: "guest",
  joinOrder,
  media: { audio: true, video: true, screen: false },
  handRaised: false,
  ...extra,
});

const run = (events: CallEvent[], start: CallSnapshot = emptySnapshot()) =>
  events.reduce(reduceCall, start);

const inCall: CallEvent[] = [
  { type: "stateChanged", state: { type: "connecting" } },
  { type: "stateChanged", state: { type: "inCall", participantId: "me", role: "host" } },
  { type: "participantJoined", participant: person("me", 2) },
  { type: "participantJoined", participant: person("p1", 1) },
];

describe("reduceCall", () => {
  it("follows a join into the call, participants in join order", () => {
    const s = run(inCall);
    expect(s.state).toEqual({ type: "inCall", participantId: "me", role: "host" });
    expect(s.participants.map((p) => p.id)).toEqual(["p1", "me"]);
    expect(s.joinedAt).not.toBeNull();
    expect(s.self).toEqual({ id: "me", role: "host" });
    expect(isHostNow(s)).toBe(true);
    expect(isActive(s.state)).toBe(true);
  });

  it("keeps a knock until it is resolved, and moves an admitted guest into the room", () => {
    let s = run([...inCall, { type: "knock", participant: person("g1", 5) }]);
    expect(s.lobby.map((p) => p.id)).toEqual(["g1"]);
    s = run(
      [
        { type: "knockResolved", participant: "g1", outcome: "admitted" },
        { type: "participantJoined", participant: person("g1", 5) },
      ],
      s,
    );
    expect(s.lobby).toEqual([]);
    expect(s.participants.map((p) => p.id)).toContain("g1");
  });

  it("drops a participant who left", () => {
    const s = run([...inCall, { type: "participantLeft", participant: "p1", reason: "left" }]);
    expect(s.participants.map((p) => p.id)).toEqual(["me"]);
  });

  it("updates our own mute and camera from our media state", () => {
    const s = run([
      ...inCall,
      {
        type: "mediaStateChanged",
        participant: "me",
        state: { audio: false, video: false, screen: true },
      },
    ]);
    expect(s.local).toMatchObject({ micMuted: true, cameraEnabled: false, screenSharing: true });
    expect(s.participants.find((p) => p.id === "me")?.media.audio).toBe(false);
  });

  it("marks raised hands, ours in local state too", () => {
    const s = run([
      ...inCall,
      { type: "handRaised", participant: "p1", raised: true },
      { type: "handRaised", participant: "me", raised: true },
    ]);
    expect(s.participants.every((p) => p.handRaised)).toBe(true);
    expect(s.local.handRaised).toBe(true);
  });

  it("appends chat once per sequence number", () => {
    const message = { seq: 1, from: "p1", displayName: "A", text: "hi", sentAt: 1 };
    const s = run([...inCall, { type: "chat", message }, { type: "chat", message }]);
    expect(s.chat).toHaveLength(1);
  });

  it("clears the lobby and sharing when the call ends, and starts afresh on a new join", () => {
    let s = run([
      ...inCall,
      { type: "knock", participant: person("g1", 5) },
      { type: "chat", message: { seq: 1, from: "p1", displayName: "A", text: "hi", sentAt: 1 } },
      { type: "stateChanged", state: { type: "ended", reason: { type: "meetingEnded" } } },
    ]);
    expect(s.lobby).toEqual([]);
    expect(s.self).toBeNull();
    expect(isActive(s.state)).toBe(false);
    s = run([{ type: "stateChanged", state: { type: "connecting" } }], s);
    expect(s.chat).toEqual([]);
    expect(s.participants).toEqual([]);
  });

  it("keeps everything, our identity and host role included, through a reconnection", () => {
    const during = run([
      ...inCall,
      { type: "stateChanged", state: { type: "reconnecting", attempt: 1 } },
    ]);
    expect(during.self).toEqual({ id: "me", role: "host" });
    expect(isHostNow(during)).toBe(true);
    const s = run(
      [{ type: "stateChanged", state: { type: "inCall", participantId: "me", role: "host" } }],
      during,
    );
    expect(s.participants).toHaveLength(2);
  });

  it("has an identity but no host powers in the lobby", () => {
    const s = run([
      { type: "stateChanged", state: { type: "connecting" } },
      {
        type: "stateChanged",
        state: { type: "waitingInLobby", participantId: "g", reason: "awaitingAdmission" },
      },
    ]);
    expect(s.self).toEqual({ id: "g", role: null });
    expect(isHostNow(s)).toBe(false);
  });
});
