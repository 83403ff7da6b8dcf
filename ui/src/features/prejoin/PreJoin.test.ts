import { screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWith, settle, startApp, until, type Harness } from "../../test/render";
import PreJoin from "./PreJoin.svelte";

const target = { type: "roomCode" as const, roomCode: "ward-7" };

describe("pre-join", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  it("lists cameras, microphones and speakers and switches devices", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    await settle();
    const camera = screen.getByRole("combobox", { name: "Camera" });
    expect([...(camera as HTMLSelectElement).options].map((o) => o.text)).toEqual([
      "Logitech BRIO 4K",
      "Document camera",
    ]);
    await userEvent.selectOptions(camera, "v4l2:/dev/video2");
    expect(h.mock.callsOf("setDevices")).toEqual([
      { cameraId: "v4l2:/dev/video2", microphoneId: null, speakerId: null },
    ]);
    await userEvent.selectOptions(
      screen.getByRole("combobox", { name: "Microphone" }),
      "pulse:mic-steth",
    );
    expect(h.mock.callsOf("setDevices").at(-1)).toMatchObject({ microphoneId: "pulse:mic-steth" });
  });

  it("plays a test sound on the chosen speaker", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    await settle();
    await userEvent.click(screen.getByRole("button", { name: "Test speaker" }));
    expect(h.mock.callsOf("playTestSound")).toEqual([{ speakerId: "pulse:spk-usb" }]);
  });

  it("moves the microphone meter with the backend's level", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    await settle();
    h.mock.emit("micLevel", { level: 0.42, peak: 0.5 });
    await settle(1);
    expect(screen.getByRole("meter", { name: "Microphone level" })).toHaveAttribute(
      "aria-valuenow",
      "42",
    );
  });

  it("offers auto, 4K, 1080p, 720p and 360p", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    const quality = screen.getByRole("combobox", { name: "Video quality" }) as HTMLSelectElement;
    expect([...quality.options].map((o) => o.value)).toEqual([
      "auto",
      "p2160",
      "p1080",
      "p720",
      "p360",
    ]);
    expect(quality.value).toBe("auto");
  });

  it("explains the network check in plain words", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    await userEvent.click(screen.getByRole("button", { name: "Check my connection" }));
    await until(() => screen.queryByText(/Mbit\/s up/) !== null, 2000);
    expect(h.mock.callsOf("runNetworkCheck")).toEqual([{ target }]);
    expect(
      screen.getByText(/About 9\.5 Mbit\/s up, 24 Mbit\/s down\. Video will be sent at up to/),
    ).toBeInTheDocument();
  });

  it("says the relay is blocked on a poor network", async () => {
    h = await startApp({ scenario: "poor" });
    renderWith(PreJoin, h, { target, meeting: null });
    await userEvent.click(screen.getByRole("button", { name: "Check my connection" }));
    await until(() => screen.queryByText(/video relay does not work/) !== null, 2000);
  });

  it("mutes before joining", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    const mute = screen.getByRole("button", { name: "Mute" });
    await userEvent.click(mute);
    expect(mute).toHaveAttribute("aria-pressed", "true");
    expect(h.mock.callsOf("setMicMuted")).toEqual([{ muted: true }]);
    expect(screen.getByRole("meter", { name: "Microphone level" })).toHaveAttribute(
      "aria-valuetext",
      "Muted",
    );
  });

  it("refuses a name with a direction-override character before sending", async () => {
    h = await startApp();
    renderWith(PreJoin, h, { target, meeting: null });
    await userEvent.type(screen.getByRole("textbox", { name: "Your name" }), "abc\u202Edef");
    await userEvent.click(screen.getByRole("button", { name: "Join now" }));
    expect(screen.getByText(/has a character that is not allowed/)).toBeInTheDocument();
    expect(h.mock.callsOf("joinCall")).toEqual([]);
  });

  it("stops the preview when leaving the screen", async () => {
    h = await startApp();
    const view = renderWith(PreJoin, h, { target, meeting: null });
    await settle();
    expect(h.mock.callsOf("startPreview")).toHaveLength(1);
    view.unmount();
    expect(h.mock.callsOf("stopPreview")).toHaveLength(1);
  });
});
