// A browser guest on a server that forces relay-only calls (`[ice] force_relay`, coturn with
// time-limited credentials from `welcome.iceServers`): the guest's connection runs through TURN,
// never a direct pair, and video still arrives both ways.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { Cli, waitFor, type Proc } from "./harness";
import { Namespace, labUnavailable, startLabRoom } from "./lab";
import { joinAs, remoteVideos } from "./page";

const unavailable = labUnavailable("coturn");
if (unavailable && process.env.CI)
  throw new Error(`the relay-only browser test cannot run: ${unavailable}`);

interface PeerStats {
  localCandidateType?: string | null;
  remoteCandidateType?: string | null;
}

describe.skipIf(unavailable !== null)(`relay only (${unavailable ?? "coturn"})`, () => {
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

  it("the guest's media goes through TURN and video arrives both ways", async () => {
    const room = await startLabRoom(ns, {
      name: "ward-7",
      kind: "consultation",
      with: "relay",
      lobby: true,
    });
    procs.push(...room.procs);
    const station = new Cli(
      "station",
      room.hostLink,
      "Bed 7",
      ["--allow", "Amina Bibi", "--relay-only"],
      ns.name,
    );
    procs.push(station);
    const context = await browser.newContext({ permissions: ["camera", "microphone"] });
    const page = await context.newPage();
    await page.goto(room.guestBrowser);
    await joinAs(page, "Amina Bibi");
    await remoteVideos(page, 1, 30);
    await station.videoFrom("Amina Bibi", 30);
    const peers = await waitFor("the guest's selected candidate pair", () =>
      page.evaluate(async () => {
        const debug = (
          window as unknown as {
            __mulaqatBrowser: { stats(): Promise<{ peers: PeerStats[] }> };
          }
        ).__mulaqatBrowser;
        const { peers } = await debug.stats();
        return peers.some((p) => p.localCandidateType) ? peers : undefined;
      }),
    );
    expect(peers.map((p) => p.localCandidateType)).toEqual(["relay"]);
    await context.close();
  }, 120_000);
});
