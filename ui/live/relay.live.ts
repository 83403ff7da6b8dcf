// A browser guest on a server that forces relay-only calls (`[ice] force_relay`, coturn with
// time-limited credentials from `welcome.iceServers`): the guest's connection runs through TURN,
// never a direct pair, and video still arrives both ways.

import { describe, expect, it } from "vitest";
import { Cli, waitFor } from "./harness";
import { labSuite, labUnavailable, startLabRoom } from "./lab";
import { joinAs, remoteVideos } from "./page";

const unavailable = labUnavailable("coturn");
if (unavailable && process.env.CI)
  throw new Error(`the relay-only browser test cannot run: ${unavailable}`);

interface PeerStats {
  localCandidateType?: string | null;
  remoteCandidateType?: string | null;
}

describe.skipIf(unavailable !== null)(`relay only (${unavailable ?? "coturn"})`, () => {
  const { live, ns } = labSuite();

  it("the guest's media goes through TURN and video arrives both ways", async () => {
    const room = await startLabRoom(ns(), {
      name: "ward-7",
      kind: "consultation",
      with: "relay",
      lobby: true,
    });
    live.running.push(...room.procs);
    const station = new Cli(
      "station",
      room.hostLink,
      "Bed 7",
      ["--allow", "Amina Bibi", "--relay-only"],
      ns().name,
    );
    live.running.push(station);
    const context = await live.browser.newContext({ permissions: ["camera", "microphone"] });
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
