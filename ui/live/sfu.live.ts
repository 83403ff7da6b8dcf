// A browser in an SFU room (Janus) with three `mulaqat-cli` participants: it publishes through
// the `sfu*` messages and subscribes to each of them, and everyone receives everyone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { Cli, waitFor, type Proc } from "./harness";
import { joinAs, remoteVideos, shot } from "./page";
import { Namespace, labUnavailable, startLabRoom } from "./lab";

const unavailable = labUnavailable("janus");
if (unavailable && process.env.CI)
  throw new Error(`the SFU browser test cannot run: ${unavailable}`);

describe.skipIf(unavailable !== null)(
  `a browser in an SFU room (${unavailable ?? "Janus"})`,
  () => {
    let ns: Namespace;
    let browser: Browser;
    const procs: Proc[] = [];

    beforeAll(async () => {
      ns = new Namespace();
      browser = await ns.launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await Promise.all(procs.splice(0).map((p) => p.stop()));
      ns?.close();
    });

    it("three Mulaqat participants and a browser each receive all the others", async () => {
      const room = await startLabRoom(ns, { name: "ops", kind: "command", with: "sfu" });
      procs.push(...room.procs);
      const names = ["Lahore", "Multan", "Quetta"];
      const clis = names.map((name, i) => {
        const link = i === 0 ? room.hostLink : room.guestLink;
        const cli = new Cli("join", link, name, ["--fps", "15"], ns.name);
        procs.push(cli);
        return cli;
      });
      const context = await browser.newContext({ permissions: ["camera", "microphone"] });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(err.message));
      await page.goto(room.guestBrowser);
      await joinAs(page, "Peshawar");
      const videos = await remoteVideos(page, 3, 30, 60_000).catch(async (e: Error) => {
        await shot(page, "sfu-browser-failed");
        const state = await page.evaluate(() => {
          const d = (
            window as unknown as {
              __mulaqatBrowser?: { callState: string; mode: string; connections(): unknown };
            }
          ).__mulaqatBrowser;
          return JSON.stringify({
            state: d?.callState,
            mode: d?.mode,
            connections: d?.connections(),
          });
        });
        throw new Error(`${e.message}\n${state}\n${procs.map((p) => p.tail(15)).join("\n")}`);
      });
      expect(videos.every((v) => v.width > 0 && v.height > 0)).toBe(true);
      for (const cli of clis) {
        const fromBrowser = await cli.videoFrom("Peshawar", 20, 60_000);
        expect(fromBrowser.video?.width).toBeGreaterThan(0);
        // ...and each Mulaqat participant still gets the other two.
        await waitFor(`${cli.name} to receive the other Mulaqat participants`, () => {
          const remote = Object.values(cli.stats()?.remote ?? {});
          const others = remote.filter((r) => (r.video?.framesReceived ?? 0) >= 20);
          return others.length >= 3;
        });
      }
      await shot(page, "sfu-browser");
      expect(problems).toEqual([]);
      await context.close();
    }, 180_000);
  },
);
