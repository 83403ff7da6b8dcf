import { screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { i18n } from "../../lib/i18n/index.svelte";
import type { JoinTarget, QualityChoice } from "../../lib/ipc/contract";
import { renderWith, startApp, until, type Harness } from "../../test/render";
import NetworkCheckPanel from "./NetworkCheckPanel.svelte";

const target: JoinTarget = { type: "link", link: "mulaqat://join?server=wss%3A%2F%2Fm&token=t" };

async function check(h: Harness, quality: QualityChoice = "auto"): Promise<HTMLElement[]> {
  renderWith(NetworkCheckPanel, h, { target, quality });
  await userEvent.click(screen.getByRole("button", { name: "Check my connection" }));
  await until(() => screen.queryAllByRole("listitem").length > 0, 3000);
  return screen.getAllByRole("listitem");
}

describe("network check panel", () => {
  let h: Harness;
  afterEach(() => {
    i18n.apply("en", document);
    h?.app.stop();
    h?.mock.dispose();
  });

  it("checks the target's server and says one thing per step", async () => {
    h = await startApp();
    const [server, relay, speed] = await check(h);
    expect(h.mock.callsOf("runNetworkCheck")).toEqual([{ target }]);
    expect(server).toHaveTextContent("The meeting server answers (38 ms) and accepts this link.");
    expect(relay).toHaveTextContent("The video relay works (55 ms)");
    expect(speed).toHaveTextContent(
      "About 9.5 Mbit/s up, 24 Mbit/s down. Video will be sent at up to Full HD (1080p).",
    );
    for (const line of [server, relay, speed]) expect(line).toHaveClass("good");
  });

  it("says whether the speed carries the chosen quality", async () => {
    h = await startApp();
    const [, , speed] = await check(h, "p2160");
    expect(speed).toHaveTextContent(
      "That is not enough for 4K (2160p): choose Full HD (1080p) or Automatic.",
    );
    expect(speed).toHaveClass("warn");
  });

  it("says enough when the chosen quality fits", async () => {
    h = await startApp();
    const [, , speed] = await check(h, "p720");
    expect(speed).toHaveTextContent("That is enough for HD (720p).");
    expect(speed).toHaveClass("good");
  });

  it("explains a blocked relay and a slow line with the backend's reason", async () => {
    h = await startApp({ scenario: "poor" });
    const [, relay, speed] = await check(h);
    expect(relay).toHaveTextContent("The video relay does not work from this network.");
    expect(relay).toHaveTextContent("ask IT to allow TURN over TCP, or over TLS on port 443.");
    // The backend's own words are one keypress away, for IT.
    const technical = within(relay as HTMLElement).getByText("Details for IT");
    expect(technical.closest("details")).not.toHaveAttribute("open");
    expect(relay).toHaveTextContent(/UDP may be blocked on this network/);
    expect(relay).toHaveClass("warn");
    expect(speed).toHaveTextContent("About 0.6 Mbit/s up, 1.1 Mbit/s down.");
    expect(speed).toHaveTextContent("too slow for video");
    expect(speed).toHaveClass("bad");
  });

  it("stops at the server when it refuses the link, and says why", async () => {
    h = await startApp({ scenario: "expired" });
    const lines = await check(h);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveTextContent("does not accept this link");
    expect(lines[0]).toHaveTextContent("ask the host for a new one");
    expect(lines[0]).toHaveTextContent("the join token expired at 09:00");
    expect(lines[0]).toHaveClass("bad");
  });

  it("says the check could not run for a bad link, as text", async () => {
    h = await startApp();
    renderWith(NetworkCheckPanel, h, {
      target: { type: "link", link: "<img src=x onerror=alert(1)>" },
      quality: "auto",
    });
    await userEvent.click(screen.getByRole("button", { name: "Check my connection" }));
    await until(() => screen.queryByText(/could not run/) !== null, 2000);
    const status = screen.getByRole("status");
    expect(within(status).getByText(/not a Mulaqat join link/)).toBeInTheDocument();
    expect(status.querySelector("img")).toBeNull();
  });

  it("speaks Urdu", async () => {
    h = await startApp();
    i18n.apply("ur", document);
    renderWith(NetworkCheckPanel, h, { target, quality: "auto" });
    await userEvent.click(screen.getByRole("button", { name: "میرا کنکشن جانچیں" }));
    await until(() => screen.queryAllByRole("listitem").length > 0, 3000);
    const [server, , speed] = screen.getAllByRole("listitem");
    expect(server).toHaveTextContent("میٹنگ سرور جواب دے رہا ہے");
    expect(speed).toHaveTextContent("میگابٹ فی سیکنڈ");
  });
});
