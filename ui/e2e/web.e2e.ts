// The browser client's screens (issue 17) on a phone, 360x740 portrait, in English and Urdu,
// and its failure pages. The built UI runs on the mock backend dressed as the browser backend
// (`?web`, src/lib/web/simulate.ts): the same screens, with canvas pictures as MediaStreams.
// Then the web build itself (dist-web/, `npm run build:web`) under /join/ with the server's CSP,
// on its real browser backend with Chromium's fake camera; and the desktop invite's browser link
// and QR code. Screenshots: test-results/screenshots/phone-*.png, web-build-*.png and
// desktop-invite-qr.png.

import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FAKE_MEDIA, launch, openPage, screenshot, type Watched } from "./browser";
import { serveDist, WEB_CSP, type StaticServer } from "./server";

const PHONE = { width: 360, height: 740 };

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
  const problems = current?.problems ?? [];
  await current?.page.context().close();
  current = null;
  expect(problems).toEqual([]);
});

async function open(query: string, locale = "en-GB") {
  current = await openPage(browser, `${server.url}/?${query}`, { locale, ...PHONE });
  return current.page;
}

/** Every visible control in `scope` is at least 48 CSS px both ways. */
async function expectLargeTargets(scope: Locator) {
  const small = await scope.evaluate((root) =>
    [...root.querySelectorAll("button, select, input, a[href]")]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width < 47.5 || r.height < 47.5)
      .map(
        ({ el, r }) =>
          `${el.textContent?.trim() || el.getAttribute("aria-label") || el.id} ${Math.round(r.width)}x${Math.round(r.height)}`,
      ),
  );
  expect(small).toEqual([]);
}

/** No visible text under 16 px, and nothing wider than the screen. */
async function expectReadable(page: Page) {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      out.push(`page is ${document.documentElement.scrollWidth}px wide`);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent?.trim() || el.closest(".visually-hidden, [aria-hidden=true]"))
        continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 15.5) out.push(`${n.textContent.trim().slice(0, 30)}: ${size}px`);
    }
    return out;
  });
  expect(problems).toEqual([]);
}

for (const lang of [
  {
    code: "en",
    locale: "en-GB",
    getReady: "Get ready",
    name: "Your name",
    join: "Join now",
    wait: "Please wait",
    controls: "Meeting controls",
    mute: "Mute",
    leave: "Leave",
    chat: "Chat",
    people: "People",
  },
  {
    code: "ur",
    locale: "ur-PK",
    getReady: "تیاری",
    name: "آپ کا نام",
    join: "ابھی شامل ہوں",
    wait: "براہِ کرم انتظار کریں",
    controls: "میٹنگ کے کنٹرول",
    mute: "خاموش",
    leave: "چھوڑ دیں",
    chat: "پیغامات",
    people: "شرکاء",
  },
]) {
  describe(`the browser client on a phone (${lang.code})`, () => {
    it("pre-join, lobby and call fit one hand", async () => {
      const page = await open("mock=guest&web&latency=20", lang.locale);
      await page.getByRole("heading", { name: lang.getReady }).waitFor();
      expect(await page.evaluate(() => document.documentElement.dir)).toBe(
        lang.code === "ur" ? "rtl" : "ltr",
      );
      // A guest's page: no settings, no way home, no network check; never the link's token.
      expect(await page.getByRole("button", { name: /Settings|ترتیبات/ }).count()).toBe(0);
      expect(await page.getByTestId("language-switch").isVisible()).toBe(true);
      await page.locator('figure video[data-track="local:camera"]').waitFor();
      await page.locator('figure[data-has-frame="true"]').waitFor();
      expect(await page.content()).not.toContain("mq1.simulated");
      await expectLargeTargets(page.locator("main"));
      await expectReadable(page);
      await screenshot(page, `phone-${lang.code}-prejoin`);

      await page.getByLabel(lang.name).fill(lang.code === "ur" ? "امینہ بی بی" : "Amina Bibi");
      await page.getByRole("button", { name: lang.join }).click();
      await page.getByRole("heading", { name: lang.wait }).waitFor();
      await expectLargeTargets(page.locator("main"));
      await expectReadable(page);
      await screenshot(page, `phone-${lang.code}-lobby`);

      const bar = page.getByRole("toolbar", { name: lang.controls });
      await bar.waitFor({ timeout: 10_000 });
      expect(await bar.getAttribute("data-layout")).toBe("phone");
      // Remote pictures are <video data-track> elements fed from the backend's MediaStreams.
      await page.locator("video[data-track]:not([data-track^='local:'])").first().waitFor();
      await page.waitForFunction(
        () => document.querySelectorAll('figure[data-has-frame="true"]').length >= 2,
      );
      await expectLargeTargets(bar);
      await expectReadable(page);
      // The controls sit in the lower part of the screen, within thumb reach.
      const box = await bar.boundingBox();
      expect(box && box.y > PHONE.height * 0.6 && box.y + box.height <= PHONE.height + 1).toBe(
        true,
      );
      const mute = await bar.getByRole("button", { name: lang.mute }).boundingBox();
      const leave = await bar.getByRole("button", { name: lang.leave }).boundingBox();
      // Mute comes first: on the left in English, on the right in Urdu.
      expect(mute && leave && (lang.code === "ur" ? mute.x > leave.x : mute.x < leave.x)).toBe(
        true,
      );
      await screenshot(page, `phone-${lang.code}-call`);

      // The chat is a full-screen sheet.
      await bar.getByRole("button", { name: new RegExp(`^${lang.chat}`) }).click();
      const sheet = page.getByTestId("panel-chat");
      await sheet.waitFor();
      const sheetBox = await sheet.boundingBox();
      expect(sheetBox).toMatchObject({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
      expect(await sheet.getAttribute("aria-modal")).toBe("true");
      await page.getByRole("textbox").fill(lang.code === "ur" ? "السلام علیکم" : "Hello doctor");
      await page.keyboard.press("Enter");
      await sheet.getByText(lang.code === "ur" ? "السلام علیکم" : "Hello doctor").waitFor();
      await expectLargeTargets(sheet);
      await expectReadable(page);
      await screenshot(page, `phone-${lang.code}-chat`);
      await sheet.getByRole("button", { name: lang.code === "ur" ? "بند کریں" : "Close" }).click();

      await bar.getByRole("button", { name: lang.people }).click();
      const people = page.getByTestId("panel-people");
      await people.waitFor();
      await expectReadable(page);
      await screenshot(page, `phone-${lang.code}-people`);
    });
  });
}

describe("the browser client's failure pages", () => {
  it("say what to do next, each on a page of its own", async () => {
    let page = await open("mock=guest&web=nolink");
    await page.getByTestId("failure-noLink").waitFor();
    await page
      .getByRole("heading", { name: "This page needs the link the clinician sent you" })
      .waitFor();
    await screenshot(page, "phone-en-failure-noLink");
    await current?.page.context().close();

    page = await open("mock=guest&web&fail=startPreview:permissionDenied", "ur-PK");
    await page.getByTestId("failure-permissionDenied").waitFor();
    await expectLargeTargets(page.locator("main"));
    await expectReadable(page);
    await screenshot(page, "phone-ur-failure-permissionDenied");
    await current?.page.context().close();

    page = await open("mock=expired&web");
    await page.getByLabel("Your name").fill("Amina Bibi");
    await page.getByRole("button", { name: "Join now" }).click();
    await page.getByTestId("failure-tokenExpired").waitFor();
    expect(await page.content()).not.toContain("mq1.simulated");
    await screenshot(page, "phone-en-failure-tokenExpired");
    await current?.page.context().close();

    page = await open("mock=guest&web&without=camera");
    await page.getByTestId("no-camera-note").waitFor();
    await screenshot(page, "phone-en-no-camera");
    current = null;
  });
});

describe("the web build (dist-web) as mulaqat-server serves it", () => {
  let web: StaticServer;
  let media: Browser;
  beforeAll(async () => {
    web = await serveDist(join(import.meta.dirname, "..", "dist-web"), {
      base: "/join/",
      csp: WEB_CSP,
      json: { "/.well-known/mulaqat": { icePolicy: "all" } },
    });
    media = await launch(FAKE_MEDIA);
  });
  afterAll(async () => {
    await media?.close();
    await web?.close();
  });

  it("asks for the link when opened without one, under the server's CSP", async () => {
    current = await openPage(media, `${web.url}/join`, PHONE);
    const page = current.page;
    await page.getByTestId("failure-noLink").waitFor();
    expect(await page.getByRole("button", { name: /Settings/ }).count()).toBe(0);
    await screenshot(page, "web-build-no-link");
  });

  it("takes the token off the address bar, opens pre-join with the real camera preview", async () => {
    current = await openPage(media, `${web.url}/join#t=mq1.e2etoken.secret`, PHONE);
    const page = current.page;
    await page.getByRole("heading", { name: "Get ready" }).waitFor();
    expect(new URL(page.url()).hash).toBe("");
    // The backend's MediaStream of the fake camera, in the tile's <video>.
    await page.locator('video[data-track="local:camera"]').waitFor();
    await page.locator('figure[data-has-frame="true"]').waitFor();
    expect(await page.content()).not.toContain("e2etoken");
    expect(await page.locator("canvas").count()).toBe(0);
    await screenshot(page, "web-build-prejoin");
  });
});

describe("the desktop invite", () => {
  it("shows the browser link with a QR code for a phone", async () => {
    current = await openPage(browser, `${server.url}/?mock=empty`);
    const page = current.page;
    await page.getByRole("heading", { name: "Join a meeting" }).waitFor();
    // The mock's meeting gains the browser link the desktop backend gives.
    await page.evaluate(() => {
      type Invoke = (command: string, args: unknown) => Promise<Record<string, unknown>>;
      const mock = (window as unknown as { __mulaqatMock: { invoke: Invoke } }).__mulaqatMock;
      const invoke = mock.invoke.bind(mock);
      mock.invoke = async (command: string, args: unknown) => {
        const result = await invoke(command, args);
        if (command !== "startMeeting") return result;
        return {
          ...result,
          browserLink: "https://meet.hospital.example/join#t=mq1.guest.e2e",
          browserLinkNote: null,
        };
      };
    });
    await page.getByRole("button", { name: "Start a meeting" }).click();
    const link = page.getByLabel("Link for a browser (phone or computer)");
    expect(await link.inputValue()).toBe("https://meet.hospital.example/join#t=mq1.guest.e2e");
    const qr = page.locator('[data-testid="browser-link-qr"] svg');
    await qr.waitFor();
    expect(Number(await qr.getAttribute("data-modules"))).toBeGreaterThanOrEqual(21);
    const box = await qr.boundingBox();
    expect(box && box.width >= 150 && Math.abs(box.width - box.height) < 1).toBe(true);
    await screenshot(page, "desktop-invite-qr");
  });
});
