// A browser in an SFU room (Janus) with `mulaqat-cli` participants: it publishes through the
// `sfu*` messages and subscribes to each of them, and everyone receives everyone; a browser that
// does not decode H.264 moves the room to VP8; a peer-to-peer room that outgrows its limit moves
// the browser to the SFU, where its shared screen is a publication of its own.

import { describe, expect, it } from "vitest";
import { Cli, waitFor } from "./harness";
import { joinAs, remoteVideos, shot } from "./page";
import { labSuite, labUnavailable, startLabRoom } from "./lab";

const unavailable = labUnavailable("janus");
if (unavailable && process.env.CI)
  throw new Error(`the SFU browser test cannot run: ${unavailable}`);

describe.skipIf(unavailable !== null)(
  `a browser in an SFU room (${unavailable ?? "Janus"})`,
  () => {
    const { live, ns } = labSuite();

    it("three Mulaqat participants and a browser each receive all the others", async () => {
      const room = await startLabRoom(ns(), { name: "ops", kind: "command", with: "sfu" });
      live.running.push(...room.procs);
      const names = ["Lahore", "Multan", "Quetta"];
      const clis = names.map((name, i) => {
        const link = i === 0 ? room.hostLink : room.guestLink;
        const cli = new Cli("join", link, name, ["--fps", "15"], ns().name);
        live.running.push(cli);
        return cli;
      });
      const context = await live.browser.newContext({ permissions: ["camera", "microphone"] });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(err.message));
      await page.goto(room.guestBrowser);
      await joinAs(page, "Peshawar");
      // The page's state is in remoteVideos' error; the servers' and clients' output here.
      const videos = await remoteVideos(page, 3, 30, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${live.running.map((p) => p.tail(15)).join("\n")}`);
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

    it("a browser without H.264 moves the room to VP8 and everyone still receives everyone", async () => {
      const room = await startLabRoom(ns(), { name: "ops", kind: "command", with: "sfu" });
      live.running.push(...room.procs);
      const clis = ["Lahore", "Multan"].map((name, i) => {
        const link = i === 0 ? room.hostLink : room.guestLink;
        const cli = new Cli("join", link, name, ["--fps", "15"], ns().name);
        live.running.push(cli);
        return cli;
      });
      // The two Mulaqat participants meet in H.264 first.
      await clis[0]?.videoFrom("Multan", 15, 60_000);
      const context = await live.browser.newContext({ permissions: ["camera", "microphone"] });
      const page = await context.newPage();
      await page.goto(`${room.guestBrowser}&codec=vp8`);
      await joinAs(page, "Peshawar");
      const videos = await remoteVideos(page, 2, 30, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${live.running.map((p) => p.tail(15)).join("\n")}`);
      });
      const codecs = videos.map((v) => v.codec.toLowerCase());
      expect(
        codecs.every((c) => c.startsWith("video/vp8")),
        codecs.join(", "),
      ).toBe(true);
      for (const cli of clis) {
        await cli.videoFrom("Peshawar", 20, 60_000);
        // The other Mulaqat participant's video flows again, now in VP8.
        await waitFor(`${cli.name} to receive the other Mulaqat participant again`, () => {
          const remote = Object.values(cli.stats()?.remote ?? {});
          return remote.filter((r) => (r.video?.fps ?? 0) >= 5).length >= 2;
        });
      }
      await context.close();
    }, 150_000);

    it("a browser in a peer-to-peer room that outgrows it moves to the SFU and shares its screen there", async () => {
      const room = await startLabRoom(ns(), {
        name: "ward",
        kind: "consultation",
        with: "sfu",
        p2pMax: 2,
      });
      live.running.push(...room.procs);
      const lahore = new Cli("join", room.hostLink, "Lahore", ["--fps", "15"], ns().name);
      live.running.push(lahore);
      await lahore.inCall();
      const context = await live.browser.newContext({ permissions: ["camera", "microphone"] });
      const page = await context.newPage();
      await page.goto(room.guestBrowser);
      await joinAs(page, "Peshawar");
      await remoteVideos(page, 1, 15, 45_000);
      const mode = () =>
        page.evaluate(
          () =>
            (window as unknown as { __mulaqatBrowser: { mode: string | null } }).__mulaqatBrowser
              .mode,
        );
      expect(await mode()).toBe("p2p");
      // A third participant: past the limit, the room moves to the SFU.
      const multan = new Cli("join", room.guestLink, "Multan", ["--fps", "15"], ns().name);
      live.running.push(multan);
      await waitFor("the page to be in the SFU room", async () => (await mode()) === "sfu");
      const videos = await remoteVideos(page, 2, 30, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${live.running.map((p) => p.tail(15)).join("\n")}`);
      });
      expect(videos.length).toBeGreaterThanOrEqual(2);
      await multan.videoFrom("Peshawar", 20, 60_000);
      // The browser's screen is a second publication; both Mulaqat participants receive it.
      await page.getByRole("button", { name: "Share screen" }).click();
      for (const cli of [lahore, multan]) await cli.videoFrom("Peshawar (screen)", 20, 60_000);
      await context.close();
    }, 150_000);
  },
);
