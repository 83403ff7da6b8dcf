import { describe, expect, it } from "vitest";
import type { CallSnapshot, CallState } from "../ipc/contract";
import { emptySnapshot, isActive, isHostNow } from "./call";

const withState = (state: CallState, role: "host" | "guest" | null): CallSnapshot => ({
  ...emptySnapshot(),
  state,
  self: { id: "me", role },
});

describe("the call as the UI asks about it", () => {
  it("is under way from connecting until it ends", () => {
    expect(isActive({ type: "idle" })).toBe(false);
    expect(isActive({ type: "connecting" })).toBe(true);
    expect(isActive({ type: "reconnecting", attempt: 1 })).toBe(true);
    expect(isActive({ type: "ended", reason: { type: "left" } })).toBe(false);
  });

  it("gives host powers in the call and while reconnecting, never in the lobby", () => {
    const inCall: CallState = { type: "inCall", participantId: "me", role: "host" };
    expect(isHostNow(withState(inCall, "host"))).toBe(true);
    expect(isHostNow(withState({ type: "reconnecting", attempt: 1 }, "host"))).toBe(true);
    expect(isHostNow(withState({ ...inCall, role: "guest" }, "guest"))).toBe(false);
    const lobby: CallState = {
      type: "waitingInLobby",
      participantId: "me",
      reason: "awaitingAdmission",
    };
    expect(isHostNow(withState(lobby, null))).toBe(false);
    expect(isHostNow(emptySnapshot())).toBe(false);
  });
});
