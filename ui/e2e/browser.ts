// Debian's Chromium driven by playwright-core (no browser download).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-dev-shm-usage",
      // WebGL2 without a GPU: ANGLE on SwiftShader.
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--ignore-gpu-blocklist",
      ...extraArgs,
    ],
  });
}

/** A fake camera and microphone, allowed without asking (the browser client's tests). */
export const FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

export interface Watched {
  page: Page;
  /** Console errors and CSP violations seen so far. */
  problems: string[];
}

export async function openPage(
  browser: Browser,
  url: string,
  opts: { locale?: string; width?: number; height?: number } = {},
): Promise<Watched> {
  const context = await browser.newContext({
    locale: opts.locale ?? "en-GB",
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
    // e.g. "Too many active WebGL contexts. Oldest context will be lost."
    if (msg.type() === "warning" && /webgl|context lost/i.test(msg.text()))
      problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  await page.addInitScript(() => {
    // tauri.conf.json sets freezePrototype: nothing may patch Object.prototype.
    Object.freeze(Object.prototype);
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
