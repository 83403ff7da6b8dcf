import { fireEvent, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { receivedFrom } from "../../lib/state/stats";
import CallView from "./CallView.svelte";
import { inCall, renderWith, settle, until, type Harness } from "../../test/render";

describe("the call window", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("mute toggles aria-pressed and sends setMicMuted", async () => {
    h = await inCall();
    renderWith(CallView, h);
    const mute = screen.getByRole("button", { name: "Mute" });
    expect(mute).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(mute);
    expect(mute).toHaveAttribute("aria-pressed", "true");
    expect(h.mock.callsOf("setMicMuted")).toEqual([{ muted: true }]);
    await userEvent.click(mute);
    expect(mute).toHaveAttribute("aria-pressed", "false");
    expect(h.mock.callsOf("setMicMuted")).toEqual([{ muted: true }, { muted: false }]);
  });

  it("camera off toggles and sends setCameraEnabled; our tile then shows no video", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Camera off" }));
    expect(screen.getByRole("button", { name: "Camera off" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    expect(h.mock.callsOf("setCameraEnabled")).toEqual([{ enabled: false }]);
    await settle();
    expect(screen.getByRole("figure", { name: "Dr. Test (you)" })).toHaveAttribute(
      "data-track",
      "",
    );
  });

  it("shows a tile per participant with name, muted mark and quality mark", async () => {
    h = await inCall();
    h.mock.call.addParticipant("Dr. Ayesha Khan");
    h.mock.call.addParticipant("Nurse Bilal", { audio: false });
    renderWith(CallView, h);
    await settle();
    const tiles = screen.getAllByRole("figure");
    expect(tiles.map((t) => t.getAttribute("aria-label"))).toEqual([
      "Dr. Test (you)",
      "Dr. Ayesha Khan",
      "Nurse Bilal",
    ]);
    const bilal = screen.getByRole("figure", { name: "Nurse Bilal" });
    expect(within(bilal).getByText("Microphone off")).toBeInTheDocument();
    expect(
      within(bilal).getByRole("img", { name: "Connection not measured yet" }),
    ).toBeInTheDocument();
    await until(() => h.app.stats !== null, 2500);
    await settle();
    expect(within(bilal).getByRole("img", { name: "Connection good" })).toBeInTheDocument();
  });

  it("shares the screen, and stops showing it as shared when the capture ends on its own", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    expect(h.mock.callsOf("startScreenShare")).toHaveLength(1);
    expect(h.app.call.local.screenSharing).toBe(true);
    h.mock.emit("mediaEvent", {
      type: "screenShareEnded",
      cause: "failed",
      reason: "the display went away",
    });
    await settle();
    expect(h.app.call.local.screenSharing).toBe(false);
    expect(h.app.notices.map((n) => n.text)).toContain(
      "Screen sharing stopped: the display went away. Your camera is shown again.",
    );
  });

  it("says why sharing ended in the person's words, not the engine's, when the desktop stopped it or no picture came", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    h.mock.emit("mediaEvent", {
      type: "screenShareEnded",
      cause: "stoppedByDesktop",
      reason: "the desktop stopped sharing the screen",
    });
    await settle();
    expect(h.app.call.local.screenSharing).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    h.mock.emit("mediaEvent", {
      type: "screenShareEnded",
      cause: "noPicture",
      reason: "the desktop's screen did not start streaming",
    });
    await settle();
    const notices = h.app.notices.map((n) => n.text);
    expect(notices).toContain(
      "You stopped sharing your screen from the desktop. Your camera is shown again.",
    );
    expect(notices).toContain(
      "The screen you chose showed no picture, so sharing stopped. Share again to choose it anew.",
    );
    expect(notices.join(" ")).not.toContain("streaming");
  });

  it("says nothing when the desktop's screen dialog is closed without choosing, and shares nothing", async () => {
    h = await inCall("screen-dialog-closed");
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    await settle();
    expect(h.mock.callsOf("startScreenShare")).toHaveLength(1);
    expect(h.app.call.local.screenSharing).toBe(false);
    expect(h.app.notices).toEqual([]);
    expect(screen.getByRole("button", { name: "Share screen" })).toBeInTheDocument();
  });

  it("does not offer screen sharing where the desktop cannot share", async () => {
    h = await inCall("noscreen");
    renderWith(CallView, h);
    await settle();
    expect(screen.queryByRole("button", { name: "Share screen" })).toBeNull();
    expect(screen.getByRole("button", { name: "Mute" })).toBeInTheDocument();
  });

  it("asks before ending the meeting for everyone, then sends endMeeting", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "End for all" }));
    const dialog = screen.getByRole("dialog", { name: "End the meeting for everyone?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(h.mock.callsOf("endMeeting")).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "End for all" }));
    await userEvent.click(
      within(screen.getByRole("dialog")).getByRole("button", { name: "End meeting" }),
    );
    expect(h.mock.callsOf("endMeeting")).toHaveLength(1);
    await until(() => h.app.call.state.type === "ended");
  });

  it("does not offer End for all to a guest", async () => {
    h = await inCall("ended");
    renderWith(CallView, h);
    expect(screen.queryByRole("button", { name: "End for all" })).toBeNull();
    expect(screen.getByRole("button", { name: "Leave" })).toBeInTheDocument();
  });

  it("leave sends leaveCall", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Leave" }));
    expect(h.mock.callsOf("leaveCall")).toHaveLength(1);
  });

  it("raise hand toggles and shows on our tile", async () => {
    h = await inCall();
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Raise hand" }));
    expect(h.mock.callsOf("raiseHand")).toEqual([{ raised: true }]);
    await settle();
    expect(
      within(screen.getByRole("figure", { name: "Dr. Test (you)" })).getByText("Hand raised"),
    ).toBeInTheDocument();
  });

  it("shows the reconnecting banner and takes it down when back", async () => {
    h = await inCall();
    renderWith(CallView, h);
    h.mock.call.reconnecting(2);
    await settle();
    expect(screen.getByText("Reconnecting (attempt 2)…")).toBeInTheDocument();
    h.mock.call.recovered();
    await settle();
    expect(screen.queryByText(/Reconnecting/)).toBeNull();
  });

  it("shows the audio-only banner with what happens next", async () => {
    h = await inCall();
    renderWith(CallView, h);
    h.mock.call.setAudioOnly(true);
    await settle();
    const banner = screen.getByText("Audio only").closest("[data-banner]");
    expect(banner).toHaveTextContent("Video comes back by itself");
  });

  it("warns about a poor network from the stats", async () => {
    h = await inCall("poor");
    renderWith(CallView, h);
    await until(() => h.app.stats?.poorNetwork === true, 2500);
    await settle();
    expect(screen.getByText("Your network is weak")).toBeInTheDocument();
  });

  it("opens the stats overlay with the sending figures", async () => {
    h = await inCall();
    h.mock.call.addParticipant("Dr. Ayesha Khan");
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Statistics" }));
    await until(() => h.app.stats !== null, 2500);
    await settle();
    const overlay = screen.getByTestId("stats-overlay");
    expect(overlay).toHaveTextContent("1280×720");
    expect(overlay).toHaveTextContent("vah264enc");
    expect(within(overlay).getByRole("rowheader", { name: "Dr. Ayesha Khan" })).toBeInTheDocument();
  });

  it("pins a participant into the spotlight and back", async () => {
    h = await inCall();
    h.mock.call.addParticipant("Dr. Ayesha Khan");
    h.mock.call.addParticipant("Nurse Bilal");
    const { container } = renderWith(CallView, h);
    await settle();
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "grid");
    await fireEvent.click(screen.getByRole("button", { name: "Pin Nurse Bilal" }));
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "speaker");
    const strip = screen.getByRole("list", { name: "Other participants" });
    expect(within(strip).queryByRole("figure", { name: "Nurse Bilal" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Unpin Nurse Bilal" }));
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "grid");
  });

  it("puts the active speaker large in the speaker layout", async () => {
    h = await inCall();
    const a = h.mock.call.addParticipant("A");
    const b = h.mock.call.addParticipant("B");
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Speaker" }));
    h.mock.call.setActiveSpeaker(b.id);
    await settle();
    const strip = screen.getByRole("list", { name: "Other participants" });
    expect(within(strip).queryByRole("figure", { name: "B" })).toBeNull();
    expect(within(strip).getByRole("figure", { name: "A" })).toBeInTheDocument();
    h.mock.call.setActiveSpeaker(a.id);
    await settle();
    expect(within(strip).queryByRole("figure", { name: "A" })).toBeNull();
  });

  it("gives a screen shared in an SFU room a tile of its own, after the sharer's camera", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina Yousaf");
    h.mock.call.addParticipant("Nurse Bilal");
    const { container } = renderWith(CallView, h);
    await settle();
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    const labels = () => screen.getAllByRole("figure").map((f) => f.getAttribute("aria-label"));
    expect(labels()).toEqual([
      "Dr. Test (you)",
      "Amina Yousaf",
      "Amina Yousaf's screen",
      "Nurse Bilal",
    ]);
    const shared = screen.getByRole("figure", { name: "Amina Yousaf's screen" });
    // The track the snapshot lists as hers.
    expect(h.app.call.screens).toEqual([
      { track: shared.getAttribute("data-track"), participant: amina.id },
    ]);
    expect(within(shared).getByText("Presenting")).toBeInTheDocument();
    expect(within(shared).queryByText("Microphone off")).toBeNull();
    const camera = screen.getByRole("figure", { name: "Amina Yousaf" });
    expect(camera).toHaveAttribute("data-track", `${amina.id}:video`);
    expect(within(camera).queryByText("Presenting")).toBeNull();

    // The speaker layout features the screen, her camera stays in the filmstrip.
    await userEvent.click(screen.getByRole("button", { name: "Speaker" }));
    h.mock.call.setActiveSpeaker(amina.id);
    await settle();
    const strip = screen.getByRole("list", { name: "Other participants" });
    expect(within(strip).queryByRole("figure", { name: "Amina Yousaf's screen" })).toBeNull();
    expect(within(strip).getByRole("figure", { name: "Amina Yousaf" })).toBeInTheDocument();

    h.mock.call.shareScreen(amina.id, false);
    await settle();
    expect(screen.queryByRole("figure", { name: "Amina Yousaf's screen" })).toBeNull();
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "speaker");
    // Featured again: the active speaker, her camera.
    expect(labels()).toEqual(["Amina Yousaf", "Dr. Test (you)", "Nurse Bilal"]);
  });

  it("pins a shared screen from the keyboard, and unpins it when the sharing stops", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina Yousaf");
    const { container } = renderWith(CallView, h);
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    const pin = screen.getByRole("button", { name: "Pin Amina Yousaf's screen" });
    pin.focus();
    await userEvent.keyboard("{Enter}");
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "speaker");
    expect(screen.getByRole("button", { name: "Unpin Amina Yousaf's screen" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    const strip = screen.getByRole("list", { name: "Other participants" });
    expect(within(strip).getByRole("figure", { name: "Amina Yousaf" })).toBeInTheDocument();

    h.mock.call.shareScreen(amina.id, false);
    await settle();
    expect(container.querySelector("[data-layout]")).toHaveAttribute("data-layout", "grid");
  });

  it("shows our own shared screen in an SFU room as 'Your screen'", async () => {
    h = await inCall("sfu-empty");
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    await settle();
    const mine = screen.getByRole("figure", { name: "Your screen" });
    expect(mine).toHaveAttribute("data-track", "local:screen");
    expect(screen.getByRole("figure", { name: "Dr. Test (you)" })).toHaveAttribute(
      "data-track",
      "local:camera",
    );
    await userEvent.click(screen.getByRole("button", { name: "Share screen" }));
    await settle();
    expect(screen.queryByRole("figure", { name: "Your screen" })).toBeNull();
  });

  it("names a shared screen's row in the stats overlay", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina Yousaf");
    h.mock.call.shareScreen(amina.id, true);
    renderWith(CallView, h);
    await userEvent.click(screen.getByRole("button", { name: "Statistics" }));
    const hersShared = { participant: amina.id, source: "screen" } as const;
    await until(() => receivedFrom(h.app.stats, hersShared) !== undefined, 2500);
    await settle();
    const overlay = screen.getByTestId("stats-overlay");
    expect(within(overlay).getByRole("rowheader", { name: "Amina Yousaf" })).toBeInTheDocument();
    expect(
      within(overlay).getByRole("rowheader", { name: "Amina Yousaf's screen" }),
    ).toBeInTheDocument();
  });

  it("keeps one tile per person peer to peer, the sharer's camera tile presenting", async () => {
    h = await inCall();
    const amina = h.mock.call.addParticipant("Amina Yousaf");
    renderWith(CallView, h);
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    expect(screen.getAllByRole("figure")).toHaveLength(2);
    const camera = screen.getByRole("figure", { name: "Amina Yousaf" });
    expect(camera).toHaveAttribute("data-track", `${amina.id}:video`);
    expect(within(camera).getByText("Presenting")).toBeInTheDocument();
  });
});
