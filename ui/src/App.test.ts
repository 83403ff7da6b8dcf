import { fireEvent, render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import { createApi } from "./lib/ipc/contract";
import { MockBackend } from "./lib/ipc/mock";
import { KnockAlert } from "./lib/audio/knockAlert";
import { AppModel } from "./lib/state/app.svelte";
import { settle, until } from "./test/render";

let mocks: MockBackend[] = [];
let apps: AppModel[] = [];

async function boot(scenario = "empty", mock = new MockBackend({ scenario, latencyMs: 0 })) {
  const app = new AppModel(createApi(mock), new KnockAlert({ createContext: () => null }));
  mocks.push(mock);
  apps.push(app);
  render(App, { props: { app } });
  await app.start();
  await settle();
  return { app, mock };
}

afterEach(() => {
  apps.forEach((a) => a.stop());
  mocks.forEach((m) => m.dispose());
  apps = [];
  mocks = [];
  vi.unstubAllGlobals();
});

describe("Mulaqat", () => {
  it("goes from home to pre-join to the call and out again", async () => {
    const { app, mock } = await boot("default");
    await userEvent.type(
      screen.getByRole("textbox", { name: "Meeting link or room code" }),
      "ward-7-visits",
    );
    await userEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
    expect(mock.callsOf("startPreview")).toHaveLength(1);

    await userEvent.click(screen.getByRole("button", { name: "Join now" }));
    expect(
      screen.getByText("Please type your name so others know who you are."),
    ).toBeInTheDocument();
    expect(mock.callsOf("joinCall")).toEqual([]);

    await userEvent.type(screen.getByRole("textbox", { name: "Your name" }), "Dr. Sana Malik");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Video quality" }), "p1080");
    await userEvent.click(screen.getByRole("button", { name: "Join now" }));
    expect(mock.callsOf("joinCall")).toEqual([
      {
        target: { type: "roomCode", roomCode: "ward-7-visits" },
        displayName: "Dr. Sana Malik",
        quality: "p1080",
      },
    ]);
    await until(() => app.view === "call");
    await settle();
    expect(screen.getByText("Connecting to the meeting…")).toBeInTheDocument();
    await until(() => app.call.state.type === "inCall");
    await settle();
    expect(screen.getByRole("toolbar", { name: "Meeting controls" })).toBeInTheDocument();
    expect(screen.getByRole("figure", { name: "Dr. Sana Malik (you)" })).toBeInTheDocument();
    expect(mock.callsOf("stopPreview")).toHaveLength(1);

    await userEvent.click(screen.getByRole("button", { name: "Leave" }));
    await until(() => app.view === "ended");
    await settle();
    expect(screen.getByRole("heading", { name: "You left the meeting" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Back to home" }));
    expect(screen.getByRole("heading", { name: "Join a meeting" })).toBeInTheDocument();
  });

  it("reattaches to a call that is already running in the backend (UI reload)", async () => {
    const mock = new MockBackend({ scenario: "empty", latencyMs: 0 });
    await createApi(mock).joinCall({
      target: { type: "roomCode", roomCode: "icu-2" },
      displayName: "Nurse",
      quality: "auto",
    });
    await until(() => mock.call.state.type === "inCall");
    mock.call.addParticipant("Dr. Ayesha Khan");
    await boot("empty", mock);
    expect(screen.getByRole("toolbar", { name: "Meeting controls" })).toBeInTheDocument();
    expect(screen.getByRole("figure", { name: "Dr. Ayesha Khan" })).toBeInTheDocument();
    expect(screen.getByText("icu-2")).toBeInTheDocument();
  });

  it("starts a meeting and shows the guest link with a Copy button", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText }, languages: ["en-GB"] });
    const { mock } = await boot();
    await userEvent.click(screen.getByRole("button", { name: "Start a meeting" }));
    await settle();
    expect(mock.callsOf("startMeeting")).toEqual([{ lobby: true }]);
    const link = screen.getByRole("textbox", { name: "Guest link" });
    expect((link as HTMLInputElement).value).toMatch(/^mulaqat:\/\/join\?.*role=guest/);
    await userEvent.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith((link as HTMLInputElement).value);
    expect(screen.getByText("Copied to the clipboard.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Join as host" }));
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
  });

  it("tells a guest they wait for the host, and Cancel leaves", async () => {
    const { app, mock } = await boot("denied");
    await app.join({ type: "roomCode", roomCode: "clinic" }, "Fatima", "auto");
    await until(() => app.view === "lobby");
    await settle();
    expect(screen.getByRole("heading", { name: "Waiting for the host" })).toBeInTheDocument();
    expect(
      screen.getByText("The host knows you are here and will let you in shortly."),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(mock.callsOf("leaveCall")).toHaveLength(1);
  });

  it("says what to do when the connection is lost for good, and offers Rejoin", async () => {
    const { app, mock } = await boot("empty");
    await app.join({ type: "roomCode", roomCode: "clinic" }, "Dr. Test", "auto");
    await until(() => app.view === "call");
    mock.call.loseConnection();
    await settle();
    expect(screen.getByRole("heading", { name: "Connection lost" })).toBeInTheDocument();
    expect(
      screen.getByText(/Check your network cable or Wi-Fi, then press Rejoin/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Rejoin" }));
    expect(mock.callsOf("joinCall")).toHaveLength(2);
  });

  it("explains an expired link", async () => {
    const { app } = await boot("expired");
    await app.join({ type: "roomCode", roomCode: "clinic" }, "Fatima", "auto");
    await until(() => app.view === "ended");
    await settle();
    expect(
      screen.getByText("This meeting link has expired. Ask the host for a new link."),
    ).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Rejoin" })).toBeNull();
  });

  it("mutes with Ctrl+D, turns the camera off with Ctrl+E and leaves with Ctrl+Shift+L", async () => {
    const { app, mock } = await boot("empty");
    await app.join({ type: "roomCode", roomCode: "clinic" }, "Dr. Test", "auto");
    await until(() => app.view === "call");
    await settle();
    await fireEvent.keyDown(window, { key: "d", ctrlKey: true });
    expect(screen.getByRole("button", { name: "Mute" })).toHaveAttribute("aria-pressed", "true");
    await fireEvent.keyDown(window, { key: "e", ctrlKey: true });
    expect(mock.callsOf("setCameraEnabled")).toEqual([{ enabled: false }]);
    await fireEvent.keyDown(window, { key: "L", ctrlKey: true, shiftKey: true });
    expect(mock.callsOf("leaveCall")).toHaveLength(1);
  });

  it("opens the help panel with ? and lists the shortcuts", async () => {
    await boot();
    await fireEvent.keyDown(window, { key: "?", shiftKey: true });
    const help = screen.getByRole("dialog", { name: "Help" });
    const rows = within(help)
      .getAllByRole("row")
      .map((r) =>
        within(r)
          .getAllByRole("cell")
          .map((c) => c.textContent?.trim()),
      );
    expect(rows).toContainEqual(["Ctrl+D", "Mute or unmute the microphone"]);
    expect(rows).toContainEqual(["Ctrl+E", "Turn the camera off or on"]);
    expect(rows).toContainEqual(["Ctrl+Shift+L", "Leave the meeting"]);
    expect(rows).toContainEqual(["?", "Open this help"]);
    await userEvent.click(within(help).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("follows an Urdu system locale: right to left, Urdu text", async () => {
    vi.stubGlobal("navigator", { ...navigator, languages: ["ur-PK", "en"] });
    await boot();
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(document.documentElement).toHaveAttribute("lang", "ur");
    expect(screen.getByRole("heading", { name: "میٹنگ میں شامل ہوں" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /ترتیبات/ })).toBeInTheDocument();
  });

  it("opens the pre-join screen for a deep link from outside", async () => {
    const { mock } = await boot();
    mock.emit("openLink", "mulaqat://join?server=wss%3A%2F%2Fmeet.health.gov.pk&token=mq1.a.b");
    await settle();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Get ready");
    await userEvent.type(screen.getByRole("textbox", { name: "Your name" }), "Ward 7 tablet");
    await userEvent.click(screen.getByRole("button", { name: "Join now" }));
    expect(mock.callsOf("joinCall")[0]?.target).toEqual({
      type: "link",
      link: "mulaqat://join?server=wss%3A%2F%2Fmeet.health.gov.pk&token=mq1.a.b",
    });
  });

  it("shows a command failure in plain words", async () => {
    const { app } = await boot();
    const problem = await app.join({ type: "link", link: "mulaqat://join?token=x" }, "A", "auto");
    expect(problem).toBe(
      "This is not a Mulaqat meeting link. Copy the whole link from your invitation and try again.",
    );
  });
});
