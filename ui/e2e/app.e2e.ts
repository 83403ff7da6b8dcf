// The built UI in Debian's Chromium with the mock backend, as a person would use it.
// Screenshots go to test-results/screenshots/.

import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launch, openPage, screenshot, type Watched } from "./browser";
import { serveDist, type StaticServer } from "./server";

let server: StaticServer;
let browser: Browser;
let current: Watched | null = null;

beforeAll(async () => {
  server = await serveDist(join(import.meta.dirname, "..", "dist"));
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  // Every page must run without console errors or CSP violations.
  const problems = current?.problems ?? [];
  await current?.page.context().close();
  current = null;
  expect(problems).toEqual([]);
});

async function open(
  query: string,
  opts: { locale?: string; width?: number; height?: number } = {},
) {
  current = await openPage(browser, `${server.url}/?${query}`, opts);
  return current.page;
}

/** Mock commands received so far (the mock is `window.__mulaqatMock`). */
function callsOf(page: Page, command: string): Promise<unknown[]> {
  return page.evaluate(
    (c) =>
      (
        window as unknown as { __mulaqatMock: { callsOf(c: string): unknown[] } }
      ).__mulaqatMock.callsOf(c),
    command,
  );
}

async function joinFromHome(page: Page, room: string, name: string) {
  await page.getByLabel("Meeting link or room code").fill(room);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join now" }).click();
  await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
}

describe("Mulaqat in Chromium", () => {
  it("home → pre-join → call with moving video → leave", async () => {
    const page = await open("mock=default");
    await page.getByRole("heading", { name: "Join a meeting" }).waitFor();
    await screenshot(page, "01-home");

    await page.getByLabel("Meeting link or room code").fill("ward-7-visits");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: /Get ready/ }).waitFor();
    await page.getByLabel("Your name").fill("Dr. Sana Malik");
    await page.getByRole("button", { name: "Check my connection" }).click();
    await page.getByText(/The meeting server answers \(38 ms\)/).waitFor();
    await page.getByText(/Video will be sent at up to Full HD/).waitFor();
    await page.locator('figure[data-has-frame="true"]').waitFor();
    await screenshot(page, "02-prejoin");

    await page.getByRole("button", { name: "Join now" }).click();
    const ayesha = page.getByRole("figure", { name: "Dr. Ayesha Khan" });
    await ayesha.waitFor();
    await page.getByRole("figure", { name: "Nurse Bilal Ahmed" }).waitFor();
    await page.locator('figure[aria-label="Dr. Ayesha Khan"][data-has-frame="true"]').waitFor();

    // The remote tile's picture changes over time: video is moving.
    const canvas = ayesha.locator("canvas");
    const before = await canvas.screenshot();
    await page.waitForTimeout(600);
    const after = await canvas.screenshot();
    expect(before.equals(after)).toBe(false);
    expect(await page.locator("figure canvas").count()).toBe(3);
    await screenshot(page, "03-call");

    // Mute from the control bar.
    const mute = page.getByRole("button", { name: "Mute" });
    await mute.click();
    expect(await mute.getAttribute("aria-pressed")).toBe("true");
    expect(await callsOf(page, "setMicMuted")).toEqual([{ muted: true }]);

    await page.getByRole("button", { name: "Leave" }).click();
    await page.getByRole("heading", { name: "You left the meeting" }).waitFor();
    expect(await callsOf(page, "leaveCall")).toHaveLength(1);
    await screenshot(page, "04-ended");
  });

  it("host sees a knock, admits, and the guest's tile appears", async () => {
    const page = await open("mock=lobby");
    await joinFromHome(page, "consultation-12", "Dr. Imran Qureshi");
    const card = page.getByTestId("knock-card");
    await card.waitFor();
    expect(await card.textContent()).toContain("Fatima Bibi");
    await screenshot(page, "05-knock");

    await card.getByRole("button", { name: "Admit Fatima Bibi" }).click();
    await page.getByRole("figure", { name: "Fatima Bibi" }).waitFor();
    await card.waitFor({ state: "detached" });
    const admitted = (await callsOf(page, "admitParticipant")) as { participant: string }[];
    expect(admitted).toHaveLength(1);
    const notified = await page.evaluate(
      () =>
        (window as unknown as { __mulaqatMock: { notifications: { body: string }[] } })
          .__mulaqatMock.notifications,
    );
    expect(notified.map((n) => n.body)).toEqual(["Fatima Bibi is waiting to join"]);
    await screenshot(page, "06-admitted");
  });

  it("a guest waits for the host, then is let in", async () => {
    const page = await open("mock=guest");
    await page.getByLabel("Meeting link or room code").fill("clinic-3");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Your name").fill("Muhammad Aslam");
    await page.getByRole("button", { name: "Join now" }).click();
    await page.getByRole("heading", { name: "Waiting for the host" }).waitFor();
    await page.getByText("The host has not arrived yet.", { exact: false }).waitFor();
    await screenshot(page, "07-waiting");
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor({ timeout: 10_000 });
  });

  it("lays Urdu out right to left, control bar mirrored", async () => {
    const page = await open("mock=default", { locale: "ur-PK" });
    await page.getByRole("heading", { name: "میٹنگ میں شامل ہوں" }).waitFor();
    const html = await page.evaluate(() => ({
      dir: document.documentElement.dir,
      lang: document.documentElement.lang,
      direction: getComputedStyle(document.body).direction,
    }));
    expect(html).toEqual({ dir: "rtl", lang: "ur", direction: "rtl" });
    // The first card (join) sits to the right of the second (start a meeting).
    const join = await page.getByRole("region", { name: "میٹنگ میں شامل ہوں" }).boundingBox();
    const start = await page.getByRole("region", { name: "نئی میٹنگ شروع کریں" }).boundingBox();
    expect(join && start && join.x > start.x).toBe(true);
    await screenshot(page, "08-home-urdu");

    await page.getByLabel("میٹنگ کا لنک یا کمرے کا کوڈ").fill("ward-7");
    await page.getByRole("button", { name: "آگے بڑھیں" }).click();
    await page.getByLabel("آپ کا نام").fill("ڈاکٹر ثنا ملک");
    await page.getByRole("button", { name: "ابھی شامل ہوں" }).click();
    const bar = page.getByRole("toolbar", { name: "میٹنگ کے کنٹرول" });
    await bar.waitFor();
    const mute = await bar.getByRole("button", { name: "خاموش" }).boundingBox();
    const leave = await bar.getByRole("button", { name: "چھوڑ دیں" }).boundingBox();
    // Mute comes first in the DOM: in RTL it is on the right, Leave on the left.
    expect(mute && leave && mute.x > leave.x).toBe(true);
    expect(await bar.evaluate((el) => getComputedStyle(el).direction)).toBe("rtl");
    await page.getByRole("figure", { name: "ڈاکٹر ثنا ملک (آپ)" }).waitFor();
    await page.waitForTimeout(1500);
    await screenshot(page, "09-call-urdu");
  });

  it("shows a chat message with markup as text", async () => {
    const page = await open("mock=chat");
    let alerted = false;
    page.on("dialog", (d) => {
      alerted = true;
      void d.dismiss();
    });
    await joinFromHome(page, "team", "Dr. Test");
    await page.getByRole("button", { name: /^Chat/ }).click();
    const list = page.getByTestId("chat-messages");
    await list.getByText("<img src=x onerror=alert(1)> <b>bold?</b>", { exact: true }).waitFor();
    expect(await list.locator("img, b").count()).toBe(0);
    await page
      .getByRole("textbox", { name: "Message" })
      .fill("<script>alert('x')</script> Ward 7, bed 3");
    await page.keyboard.press("Enter");
    await list.getByText("<script>alert('x')</script> Ward 7, bed 3", { exact: true }).waitFor();
    expect(await list.locator("script").count()).toBe(0);
    expect(alerted).toBe(false);
    await screenshot(page, "10-chat-markup");
  });

  it("re-flows twenty sites when the window is resized", async () => {
    const page = await open("mock=grid20", { width: 1600, height: 900 });
    await joinFromHome(page, "daily-command", "Ministry Control Room");
    const grid = page.getByRole("list", { name: "Participants' video" });
    await page.waitForFunction(() => document.querySelectorAll("figure").length === 20);
    const wide = await grid.getAttribute("data-columns");
    await page.setViewportSize({ width: 900, height: 1000 });
    await page.waitForFunction(
      (w) => document.querySelector("[data-columns]")?.getAttribute("data-columns") !== w,
      wide,
    );
    const narrow = await grid.getAttribute("data-columns");
    expect(Number(narrow)).toBeLessThan(Number(wide));
    await page.setViewportSize({ width: 1600, height: 900 });
    // Every one of the twenty tiles draws video (one WebGL context per window, not per tile).
    await page.waitForFunction(
      () => document.querySelectorAll('figure[data-has-frame="true"]').length === 20,
    );
    await page.waitForTimeout(500);
    const drawn = await page.evaluate(() =>
      [...document.querySelectorAll("figure canvas")].map((c) => {
        const canvas = c as HTMLCanvasElement;
        const ctx = canvas.getContext("2d");
        if (!ctx || canvas.width === 0) return "empty";
        const px = (y: number) =>
          [...ctx.getImageData(2, Math.floor(canvas.height * y), 1, 1).data].join(",");
        // Bands of two shades: rows a band apart differ unless nothing was drawn.
        return new Set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map(px)).size > 1 ? "video" : "flat";
      }),
    );
    expect(drawn).toEqual(Array(20).fill("video"));
    await screenshot(page, "11-grid20");
  });

  it("shows reconnecting, then keeps the call through a page reload", async () => {
    const page = await open("mock=reconnecting");
    await joinFromHome(page, "icu", "Nurse Rubina");
    const banner = page.locator('[data-banner="reconnecting"]');
    await banner.waitFor({ timeout: 6000 });
    expect(await banner.textContent()).toContain("Reconnecting (attempt 1)…");
    await screenshot(page, "12-reconnecting");
    await page.reload();
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await page.getByRole("figure", { name: "Nurse Rubina (you)" }).waitFor();
  });

  it("ends as connection lost with what to do", async () => {
    const page = await open("mock=lost");
    await joinFromHome(page, "icu", "Nurse Rubina");
    await page.getByRole("heading", { name: "Connection lost" }).waitFor({ timeout: 10_000 });
    await page.getByRole("button", { name: "Rejoin" }).waitFor();
    await screenshot(page, "13-connection-lost");
  });

  it("disables settings that policy locks, with the note", async () => {
    const page = await open("mock=locked");
    await page.getByRole("button", { name: "Settings" }).click();
    const server = page.getByLabel("Server address");
    await server.waitFor();
    expect(await server.isDisabled()).toBe(true);
    expect(await page.getByText("Set by your IT department").count()).toBe(3);
    await page.getByRole("region", { name: "Managed by your organisation" }).waitFor();
    await screenshot(page, "14-settings-locked");
  });

  it("shows a screen shared in an SFU room as its own tile, featured, gone when it stops", async () => {
    const page = await open("mock=sfu");
    await joinFromHome(page, "daily-command", "Ministry Control Room");
    // The scenario has Dr. Amina Siddiqui share her screen 1.5 s after we are in.
    const name = "Dr. Amina Siddiqui's screen";
    const shared = page.getByRole("figure", { name, exact: true });
    await shared.waitFor({ timeout: 10_000 });
    await page.locator(`figure[aria-label="${name}"][data-has-frame="true"]`).waitFor();
    // Her camera keeps going, and the screen's tile comes right after it.
    await page.locator('figure[aria-label="Dr. Amina Siddiqui"][data-has-frame="true"]').waitFor();
    const labels = await page
      .locator("figure")
      .evaluateAll((figures) => figures.map((f) => f.getAttribute("aria-label")));
    expect(labels.indexOf(name)).toBe(labels.indexOf("Dr. Amina Siddiqui") + 1);
    expect(labels).toHaveLength(5);
    expect(await shared.getAttribute("data-kind")).toBe("screen");
    expect(await shared.getByText("Presenting").count()).toBe(1);

    // The shared screen moves.
    const canvas = shared.locator("canvas");
    const before = await canvas.screenshot();
    await page.waitForTimeout(600);
    const after = await canvas.screenshot();
    expect(before.equals(after)).toBe(false);
    await screenshot(page, "16-sfu-screen-grid");

    // The speaker layout features the screen; her camera is in the filmstrip.
    await page.getByRole("button", { name: "Speaker" }).click();
    await page.waitForFunction(
      (want) =>
        document.querySelector(".featured-tile figure")?.getAttribute("aria-label") === want,
      name,
    );
    const strip = page.getByRole("list", { name: "Other participants" });
    await strip.getByRole("figure", { name: "Dr. Amina Siddiqui", exact: true }).waitFor();
    expect(await strip.getByRole("figure", { name, exact: true }).count()).toBe(0);
    await page.waitForTimeout(500);
    await screenshot(page, "17-sfu-screen-speaker");

    // She stops sharing: the tile goes, her camera is all that is left of her.
    await page.evaluate(() => {
      const mock = (
        window as unknown as {
          __mulaqatMock: {
            call: {
              remotes(): { id: string; displayName: string }[];
              shareScreen(id: string, on: boolean): void;
            };
          };
        }
      ).__mulaqatMock;
      const amina = mock.call.remotes().find((p) => p.displayName === "Dr. Amina Siddiqui");
      if (amina) mock.call.shareScreen(amina.id, false);
    });
    await shared.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelectorAll("figure").length === 4);
    await page.getByRole("figure", { name: "Dr. Amina Siddiqui", exact: true }).waitFor();
    await screenshot(page, "18-sfu-screen-stopped");
  });

  it("is keyboard-reachable with a visible focus ring, and ? opens help", async () => {
    const page = await open("mock=default");
    await page.getByRole("heading", { name: "Join a meeting" }).waitFor();
    await page.keyboard.press("Tab"); // skip link
    await page.keyboard.press("Tab"); // brand
    await page.keyboard.press("Tab"); // Settings
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      return {
        text: el.textContent?.trim(),
        outline: s.outlineStyle,
        width: parseFloat(s.outlineWidth),
      };
    });
    expect(focused.text).toBe("Settings");
    expect(focused.outline).toBe("solid");
    expect(focused.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press("Shift+Slash");
    await page.getByRole("dialog", { name: "Help" }).waitFor();
    await screenshot(page, "15-help");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "Help" }).waitFor({ state: "hidden" });
  });
});
