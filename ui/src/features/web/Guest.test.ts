// The browser client (`/join`, issue 17): which screens a guest gets, and each failure page.
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "../../App.svelte";
import { settle, until } from "../../test/render";
import { guestApp, stubCallingBrowser, type GuestHarness, type GuestOptions } from "../../test/web";

let harnesses: GuestHarness[] = [];
let restore: (() => void) | null = null;

async function boot(
  opts: GuestOptions = {},
  browser: Parameters<typeof stubCallingBrowser>[0] = {},
) {
  restore = stubCallingBrowser(browser);
  const h = guestApp(opts);
  harnesses.push(h);
  render(App, { props: { app: h.app } });
  await h.app.start();
  await settle();
  return h;
}

async function joinAs(name: string) {
  await userEvent.type(screen.getByRole("textbox", { name: "Your name" }), name);
  await userEvent.click(screen.getByRole("button", { name: "Join now" }));
}

afterEach(() => {
  harnesses.forEach((h) => {
    h.app.stop();
    h.mock.dispose();
  });
  harnesses = [];
  restore?.();
  restore = null;
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the browser client's screens", () => {
  it("opens on pre-join from the link, with no settings, home, network check or quality", async () => {
    const { app, mock } = await boot();
    expect(app.web).toBe(true);
    expect(app.view).toBe("prejoin");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
    expect(screen.queryByRole("button", { name: /Settings/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Back" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Check my connection" })).toBeNull();
    expect(screen.queryByRole("combobox", { name: "Video quality" })).toBeNull();
    // The brand is not a way home.
    expect(screen.queryByRole("button", { name: /Mulaqat/ })).toBeNull();
    // The link and its token are never on screen.
    expect(document.body.textContent).not.toContain("mq1.simulated");
    expect(document.body.innerHTML).not.toContain("mq1.simulated");
    expect(mock.callsOf("startPreview")).toHaveLength(1);
    expect(mock.callsOf("runNetworkCheck")).toEqual([]);
  });

  it("joins with the link, waits in the lobby with the guest's wording, then the call", async () => {
    const { app, mock } = await boot({ scenario: "guest" });
    await joinAs("Amina Bibi");
    expect(mock.callsOf("joinCall")[0]).toMatchObject({
      target: { type: "link" },
      displayName: "Amina Bibi",
      quality: "auto",
    });
    await until(() => app.view === "lobby");
    await settle();
    expect(screen.getByRole("heading", { name: "Please wait" })).toBeInTheDocument();
    expect(screen.getByTestId("lobby")).toHaveTextContent(
      "The clinician has not joined yet. They will let you in when they arrive.",
    );
    expect(screen.queryByText(/Waiting for the host/)).toBeNull();
  });

  it("shows a loading line, then asks for the link when the page has none", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    await boot({ link: null });
    expect(screen.getByTestId("guest-loading")).toHaveTextContent("Opening your meeting…");
    expect(screen.queryByRole("heading", { name: "Join a meeting" })).toBeNull();
    await vi.advanceTimersByTimeAsync(1600);
    const page = screen.getByTestId("failure-noLink");
    expect(within(page).getByRole("heading")).toHaveTextContent(
      "This page needs the link the clinician sent you",
    );
  });

  it("switches between English and Urdu, right to left", async () => {
    const { mock } = await boot();
    const group = screen.getByRole("group", { name: "Language" });
    await userEvent.click(within(group).getByRole("button", { name: "اردو" }));
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(document.documentElement).toHaveAttribute("lang", "ur");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("تیاری");
    expect(mock.callsOf("updateSetting")).toContainEqual({ key: "language", value: "ur" });
    expect(within(group).getByRole("button", { name: "اردو" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    await userEvent.click(within(group).getByRole("button", { name: "English" }));
    expect(document.documentElement).toHaveAttribute("dir", "ltr");
  });

  it("offers the speaker only where the browser can choose it", async () => {
    await boot();
    expect(screen.queryByRole("combobox", { name: "Speaker" })).toBeNull();
    expect(screen.getByRole("combobox", { name: "Camera" })).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Microphone" })).toBeInTheDocument();
  });

  it("offers the speaker with setSinkId", async () => {
    await boot({}, { sinkId: true });
    expect(screen.getByRole("combobox", { name: "Speaker" })).toBeInTheDocument();
  });

  it("switches between a phone's cameras with setDevices", async () => {
    const { mock } = await boot();
    await userEvent.click(screen.getByRole("button", { name: "Switch camera" }));
    expect(mock.callsOf("setDevices")).toEqual([
      { cameraId: "v4l2:/dev/video2", microphoneId: null, speakerId: null },
    ]);
    await userEvent.click(screen.getByRole("button", { name: "Switch camera" }));
    expect(mock.callsOf("setDevices")[1]).toMatchObject({ cameraId: "v4l2:/dev/video0" });
  });

  it("in the call: no statistics; screen sharing only with getDisplayMedia", async () => {
    const { app } = await boot({ scenario: "empty" });
    await joinAs("Amina Bibi");
    await until(() => app.view === "call");
    await settle();
    const bar = screen.getByRole("toolbar", { name: "Meeting controls" });
    for (const name of ["Mute", "Camera off", "Raise hand", "Chat", "People", "Leave"])
      expect(within(bar).getByRole("button", { name })).toBeInTheDocument();
    expect(within(bar).queryByRole("button", { name: "Statistics" })).toBeNull();
    expect(within(bar).queryByRole("button", { name: "Share screen" })).toBeNull();
    expect(within(bar).getByRole("button", { name: "Switch camera" })).toBeInTheDocument();
  });

  it("shares a screen where the browser can", async () => {
    const { app } = await boot({ scenario: "empty" }, { displayMedia: true });
    await joinAs("Amina Bibi");
    await until(() => app.view === "call");
    await settle();
    expect(screen.getByRole("button", { name: "Share screen" })).toBeInTheDocument();
  });

  it("after leaving offers to join again, and no way home", async () => {
    const { app } = await boot({ scenario: "empty" });
    await joinAs("Amina Bibi");
    await until(() => app.view === "call");
    await settle();
    await userEvent.click(screen.getByRole("button", { name: "Leave" }));
    await until(() => app.view === "ended");
    await settle();
    expect(screen.getByRole("heading", { name: "You left the meeting" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Rejoin" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Back to home" })).toBeNull();
    expect(screen.getByText("You can close this page.")).toBeInTheDocument();
  });
});

describe("the browser client's failure pages", () => {
  async function expectPage(id: string, heading: string) {
    const page = await screen.findByTestId(`failure-${id}`);
    expect(within(page).getByRole("heading", { level: 1 })).toHaveTextContent(heading);
    expect(screen.queryByRole("heading", { name: "Get ready" })).toBeNull();
    expect(document.body.innerHTML).not.toContain("mq1.simulated");
    return page;
  }

  it("an expired link (the server refuses the token)", async () => {
    await boot({ scenario: "expired" });
    await joinAs("Amina Bibi");
    const page = await expectPage("tokenExpired", "This link has expired");
    expect(screen.getByText(/Ask the clinic or the clinician for a new link/)).toBeInTheDocument();
    // Nothing on the page can fix it: no Rejoin, no Try again.
    expect(within(page).queryAllByRole("button")).toEqual([]);
  });

  it.each([
    ["tokenExpired", "tokenExpired", "This link has expired"],
    ["invalidToken", "invalidLink", "This link does not work"],
    ["invalidLink", "invalidLink", "This link does not work"],
    ["wrongRoom", "invalidLink", "This link does not work"],
  ])("joinCall failing with %s: the %s page", async (code, page, heading) => {
    await boot({ failures: { joinCall: code } });
    await joinAs("Amina Bibi");
    await expectPage(page, heading);
  });

  it("a denied knock, with a way to ask again", async () => {
    const { app, mock } = await boot({ scenario: "denied" });
    await joinAs("Amina Bibi");
    await until(() => app.call.state.type === "ended", 5000);
    await settle();
    await expectPage("denied", "The clinician did not let you in");
    await userEvent.click(screen.getByRole("button", { name: "Ask to join again" }));
    expect(mock.callsOf("joinCall")).toHaveLength(2);
  }, 10_000);

  it("a meeting the host ended", async () => {
    const { app } = await boot({ scenario: "ended" });
    await joinAs("Amina Bibi");
    await until(() => app.call.state.type === "ended", 8000);
    await settle();
    await expectPage("meetingEnded", "The meeting has ended");
    expect(screen.queryByRole("button", { name: "Back to home" })).toBeNull();
  }, 10_000);

  it("a browser without WebRTC, before anything is tried", async () => {
    restore = stubCallingBrowser();
    vi.stubGlobal("RTCPeerConnection", undefined);
    const h = guestApp();
    harnesses.push(h);
    render(App, { props: { app: h.app } });
    await h.app.start();
    await settle();
    await expectPage("browserUnsupported", "This browser cannot make video calls");
    expect(screen.getByText(/Chrome, Edge, Firefox or Safari/)).toBeInTheDocument();
    expect(h.mock.callsOf("startPreview")).toEqual([]);
  });

  it("an http page on another computer: open the https link", async () => {
    await boot({}, { secure: false });
    await expectPage("insecureContext", "This page is not secure, so the camera is blocked");
    expect(screen.getByText(/Open the https link you were sent/)).toBeInTheDocument();
  });

  it.each([
    ["browserUnsupported", "This browser cannot make video calls"],
    ["insecureContext", "This page is not secure, so the camera is blocked"],
  ])("the backend's %s", async (code, heading) => {
    await boot({ failures: { startPreview: code } });
    await expectPage(code, heading);
  });

  it("camera or microphone refused: how to allow it again, then Try again", async () => {
    const { mock, backend } = await boot({ failures: { startPreview: "permissionDenied" } });
    const page = await expectPage("permissionDenied", "The camera or microphone is blocked");
    expect(
      within(page)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual([
      expect.stringMatching(/lock or camera symbol beside the page address/),
      expect.stringMatching(/Choose Allow for the camera and the microphone/),
      "Press Try again below.",
    ]);
    expect(within(page).getByText(/Settings, then Apps or Privacy/)).toBeInTheDocument();
    // The person allowed it: Try again starts the preview anew.
    (backend as unknown as { opts: { failures: object } }).opts.failures = {};
    await userEvent.click(within(page).getByRole("button", { name: "Try again" }));
    await settle();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
    expect(mock.callsOf("startPreview")).toHaveLength(1); // the first attempt failed before it
  });

  it("no camera: joins with sound only and says so, before and in the call", async () => {
    const { app } = await boot({ scenario: "empty", without: ["camera"] });
    expect(screen.getByTestId("no-camera-note")).toHaveTextContent(
      "No camera was found: you will join with sound only.",
    );
    expect(screen.getByRole("button", { name: "Camera off" })).toBeDisabled();
    await joinAs("Amina Bibi");
    await until(() => app.view === "call");
    await settle();
    const banner = document.querySelector('[data-banner="no-camera"]');
    expect(banner).toHaveTextContent("You joined without a camera");
    expect(screen.getByRole("button", { name: "Camera off" })).toBeDisabled();
    await userEvent.click(within(banner as HTMLElement).getByRole("button", { name: "Dismiss" }));
    expect(document.querySelector('[data-banner="no-camera"]')).toBeNull();
  });

  it("no camera, as the backend reports it (deviceMissing), until one is plugged in", async () => {
    const { mock } = await boot();
    expect(screen.queryByTestId("no-camera-note")).toBeNull();
    mock.emit("mediaEvent", { type: "deviceMissing", kind: "camera" });
    await settle();
    expect(screen.getByTestId("no-camera-note")).toBeInTheDocument();
    const camera = mock.devices.find((d) => d.kind === "camera");
    if (camera) mock.emit("deviceChanged", { type: "added", device: camera });
    await settle();
    expect(screen.queryByTestId("no-camera-note")).toBeNull();
  });

  it("no microphone: a page, then joining without one, said in the call", async () => {
    const { app } = await boot({ scenario: "empty", without: ["microphone"] });
    const page = await expectPage("noMicrophone", "No microphone found");
    expect(within(page).getByRole("button", { name: "Try again" })).toBeInTheDocument();
    await userEvent.click(within(page).getByRole("button", { name: "Join without a microphone" }));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
    await joinAs("Amina Bibi");
    await until(() => app.view === "call");
    await settle();
    expect(document.querySelector('[data-banner="no-microphone"]')).toHaveTextContent(
      "You joined without a microphone",
    );
  });

  it("is in Urdu for an Urdu reader", async () => {
    vi.stubGlobal("navigator", { ...navigator, languages: ["ur-PK"] });
    await boot({ failures: { joinCall: "tokenExpired" } });
    await userEvent.type(screen.getByRole("textbox", { name: "آپ کا نام" }), "امینہ");
    await userEvent.click(screen.getByRole("button", { name: "ابھی شامل ہوں" }));
    const page = await screen.findByTestId("failure-tokenExpired");
    expect(within(page).getByRole("heading")).toHaveTextContent("اس لنک کی مدت ختم ہو چکی ہے");
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
  });
});
