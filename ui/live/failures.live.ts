// What a browser guest sees when the call cannot happen, against a real server: an altered
// link, an expired one, a knock the station turns down, a browser without WebRTC, a camera
// permission refused, and no camera at all (the call goes on with sound only).

import { describe, expect, it } from "vitest";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM, Cli, openGuest, startHost, waitFor, liveSuite } from "./harness";
import { joinAs, shot } from "./page";

const live = liveSuite();
const { running, guests } = live;

async function failurePage(page: Page, kind: string): Promise<string> {
  const found = page.getByTestId(`failure-${kind}`);
  await found.waitFor({ timeout: 30_000 });
  await shot(page, `failure-${kind}`);
  return found.innerText();
}

/** The link with one character of the token's signature changed. */
function altered(link: string): string {
  const last = link.at(-1) === "A" ? "B" : "A";
  return link.slice(0, -1) + last;
}

describe("a browser guest who cannot join is told why and what to do", () => {
  it("an altered link", async () => {
    const [host, links] = await startHost();
    running.push(host);
    const guest = await openGuest(live.browser, altered(links.guestBrowser));
    guests.push(guest);
    await joinAs(guest.page, "Amina Bibi");
    const text = await failurePage(guest.page, "invalidLink");
    // The page never shows the token.
    const token = new URL(links.guestBrowser).hash.slice("#t=".length);
    expect(text).not.toContain(token.slice(0, 12));
  });

  it("an expired link", async () => {
    const [host, links] = await startHost({ ttl: "1s" });
    running.push(host);
    const expiry = Date.now() + 1_500;
    await waitFor("the link to expire", () => Date.now() > expiry);
    const guest = await openGuest(live.browser, links.guestBrowser);
    guests.push(guest);
    await joinAs(guest.page, "Amina Bibi");
    await failurePage(guest.page, "tokenExpired");
  });

  it("a knock the station turns down", async () => {
    const [host, links] = await startHost({ lobby: true });
    running.push(host);
    running.push(new Cli("station", links.host, "Bed 12", ["--allow", "Yusuf"]));
    const guest = await openGuest(live.browser, links.guestBrowser);
    guests.push(guest);
    await joinAs(guest.page, "A stranger");
    await failurePage(guest.page, "denied");
  });

  it("a browser without WebRTC", async () => {
    const [host, links] = await startHost();
    running.push(host);
    const context = await live.browser.newContext();
    await context.addInitScript(() => {
      delete (window as unknown as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    const page = await context.newPage();
    guests.push({ context, page, problems: [] });
    await page.goto(links.guestBrowser);
    await failurePage(page, "browserUnsupported");
  });

  it("camera and microphone refused", async () => {
    const [host, links] = await startHost();
    running.push(host);
    // No fake consent: the browser's prompt is answered "no".
    const refusing = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--use-fake-device-for-media-stream"],
    });
    try {
      const page = await (await refusing.newContext()).newPage();
      await page.goto(links.guestBrowser);
      await failurePage(page, "permissionDenied");
    } finally {
      await refusing.close();
    }
  });

  it("no camera at all: the guest joins with sound only and is told so", async () => {
    const [host, links] = await startHost({ lobby: true });
    running.push(host);
    const station = new Cli("station", links.host, "Bed 12", ["--allow", "Amina Bibi"]);
    running.push(station);
    const context = await live.browser.newContext({ permissions: ["camera", "microphone"] });
    // As on a PC with a headset and no camera: no video input, and asking for one fails.
    await context.addInitScript(() => {
      const devices = navigator.mediaDevices;
      const list = devices.enumerateDevices.bind(devices);
      const get = devices.getUserMedia.bind(devices);
      devices.enumerateDevices = async () => (await list()).filter((d) => d.kind !== "videoinput");
      devices.getUserMedia = async (constraints) => {
        if (constraints?.video)
          throw new DOMException("Requested device not found", "NotFoundError");
        return get(constraints);
      };
    });
    const page = await context.newPage();
    guests.push({ context, page, problems: [] });
    await page.goto(links.guestBrowser);
    await page.getByTestId("no-camera-note").waitFor({ timeout: 20_000 });
    await joinAs(page, "Amina Bibi");
    // The station hears Amina; no picture comes, and the call goes on.
    await waitFor("the station to hear the camera-less guest", () => {
      const amina = Object.values(station.stats()?.remote ?? {}).find(
        (r) => r.name === "Amina Bibi",
      );
      return (amina?.audio?.packetsReceived ?? 0) > 50;
    });
    await shot(page, "no-camera-call");
  });
});
