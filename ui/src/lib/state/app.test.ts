import { afterEach, describe, expect, it, vi } from "vitest";
import { inCall, settle, type Harness } from "../../test/render";

describe("the window's call", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("is the snapshot the backend sent last", async () => {
    h = await inCall();
    const sent = { ...h.app.call, participants: [], chat: [] };
    h.mock.emit("callSnapshot", sent);
    expect(h.app.call.participants).toEqual([]);
    expect(h.app.call.state).toEqual(sent.state);
  });

  it("keeps the person's switch over snapshots sent before the backend answered it", async () => {
    h = await inCall("empty", { latencyMs: 30 });
    const toggled = h.app.toggleMic();
    expect(h.app.call.local.micMuted).toBe(true);
    // Something else changes the call while the command is on its way.
    h.mock.call.addParticipant("Amina");
    expect(h.app.call.participants).toHaveLength(2);
    expect(h.app.call.local.micMuted).toBe(true);
    expect(await toggled).toBe(true);
    expect(h.app.call.local.micMuted).toBe(true);
    expect((await h.app.api.getCallSnapshot()).local.micMuted).toBe(true);
  });

  it("puts the switch back when the backend refuses it", async () => {
    h = await inCall();
    vi.spyOn(h.mock, "invoke").mockRejectedValueOnce({ code: "deviceUnavailable", message: "" });
    expect(await h.app.toggleCamera()).toBe(false);
    await settle();
    expect(h.app.call.local.cameraEnabled).toBe(true);
    h.mock.call.addParticipant("Amina");
    expect(h.app.call.local.cameraEnabled).toBe(true);
  });
});
