// A browser guest in peer-to-peer calls with real Mulaqat participants: it knocks, a bedside
// station (`mulaqat-cli station --allow`) lets it in, and video and audio arrive both ways,
// with the browser making the offer (it joins after the station) and answering one (a
// `mulaqat-cli` guest joins after it), in H.264 and with VP8 forced.

import { describe, expect, it } from "vitest";
import { Cli, openGuest, startHost, liveSuite } from "./harness";
import { joinAs, remoteVideos, shot } from "./page";

const live = liveSuite();
const { running, guests } = live;

async function stationAndGuest(codec?: "h264" | "vp8", alsoAllow: string[] = []) {
  const [host, links] = await startHost({ lobby: true });
  running.push(host);
  const allow = ["Amina Bibi", ...alsoAllow].flatMap((name) => ["--allow", name]);
  const station = new Cli("station", links.host, "Bed 12", allow);
  running.push(station);
  // The station is in the room before the guest knocks, so the guest joins later and offers.
  // (A guest who knocks first gets the earlier join order; see the reload test.)
  await station.inCall();
  const url = codec ? `${links.guestBrowser}&codec=${codec}` : links.guestBrowser;
  const guest = await openGuest(live.browser, url);
  guests.push(guest);
  return { links, station, guest };
}

/** The station first, then the guest knocks and is let in. */
async function stationThenGuest() {
  const joined = await stationAndGuest();
  await joinAs(joined.guest.page, "Amina Bibi");
  return joined;
}

describe("a browser guest and a bedside station, peer to peer", () => {
  it.each(["h264", "vp8"] as const)(
    "the guest knocks, is let in, and offers; %s video and audio arrive both ways",
    async (codec) => {
      const { station, guest } = await stationAndGuest(codec);
      const pressed = Date.now();
      await joinAs(guest.page, "Amina Bibi");
      // The browser decodes the station's 360p test picture...
      const video = (await remoteVideos(guest.page, 1, 30))[0];
      if (!video) throw new Error("no remote video");
      expect(video.codec.toLowerCase()).toContain(codec);
      expect([video.width, video.height]).toEqual([640, 360]);
      const firstFrameMs = video.firstFrameAt - pressed;
      // ...and the station decodes the browser's camera and hears its microphone.
      const fromBrowser = await station.videoFrom("Amina Bibi", 30);
      expect(fromBrowser.video?.width).toBeGreaterThan(0);
      expect(fromBrowser.audio?.packetsReceived ?? 0).toBeGreaterThan(25);
      console.info(`${codec}: first remote frame ${firstFrameMs} ms after Join`);
      await shot(guest.page, `p2p-${codec}-call`);
      expect(guest.problems).toEqual([]);
    },
    90_000,
  );

  it("a station sending 1080p, above the level the browser offers, reaches it", async () => {
    const [host, links] = await startHost({ lobby: true });
    running.push(host);
    const allow = ["--allow", "Amina Bibi", "--quality", "1080p"];
    const station = new Cli("station", links.host, "Bed 12", allow);
    running.push(station);
    await station.inCall();
    const guest = await openGuest(live.browser, links.guestBrowser);
    guests.push(guest);
    await joinAs(guest.page, "Amina Bibi");
    // H.264 level 4.0 and up against the browser's 3.1: the answer must allow it, or the
    // station's sending branch stops not-negotiated and nothing arrives.
    const video = (await remoteVideos(guest.page, 1, 30))[0];
    expect(video?.height).toBeGreaterThanOrEqual(360);
    expect(station.out.filter((l) => l.includes("camera lost"))).toEqual([]);
  }, 90_000);

  it("a Mulaqat guest who joins later makes the offer, and the browser answers it", async () => {
    const { links, guest } = await stationAndGuest(undefined, ["Yusuf"]);
    await joinAs(guest.page, "Amina Bibi");
    await remoteVideos(guest.page, 1, 10);
    // Yusuf joins after the browser: he offers to it (and to the station).
    const yusuf = new Cli("join", links.guest, "Yusuf");
    running.push(yusuf);
    const videos = await remoteVideos(guest.page, 2, 30);
    expect(videos.every((v) => v.width > 0 && v.frames >= 30)).toBe(true);
    const fromBrowser = await yusuf.videoFrom("Amina Bibi", 30);
    expect(fromBrowser.video?.height).toBeGreaterThan(0);
    expect(guest.problems).toEqual([]);
  }, 120_000);
});

describe("a browser guest whose page reloads mid-call", () => {
  // Who offers depends on who joined first: the station (the guest offers) or the guest, who
  // knocked before the station came (the station offers, and its old connection to the page
  // still looks connected after the reload until it learns the page's media restarted).
  it.each(["station", "guest"] as const)(
    "comes back without knocking again, and video flows again (%s in the room first)",
    async (first) => {
      const { station, guest } =
        first === "station" ? await stationThenGuest() : await guestThenStation();
      await remoteVideos(guest.page, 1, 10);
      const selfId = () =>
        guest.page.evaluate(
          () =>
            (window as unknown as { __mulaqatBrowser: { selfId: string } }).__mulaqatBrowser.selfId,
        );
      const before = await selfId();
      await guest.page.reload();
      // Same identity (join.resume from sessionStorage): no pre-join, no lobby.
      const videos = await remoteVideos(guest.page, 1, 30);
      expect(videos[0]?.width).toBe(640);
      expect(await selfId()).toBe(before);
      // The station sees Amina's picture again on the new connection.
      const frames = (await station.videoFrom("Amina Bibi", 1)).video?.framesReceived ?? 0;
      await station.videoFrom("Amina Bibi", frames + 30);
      expect(guest.problems).toEqual([]);
    },
    120_000,
  );
});

/** The guest knocks before the station is there; the station comes and lets them in. */
async function guestThenStation() {
  const [host, links] = await startHost({ lobby: true });
  running.push(host);
  const guest = await openGuest(live.browser, links.guestBrowser);
  guests.push(guest);
  await joinAs(guest.page, "Amina Bibi");
  const station = new Cli("station", links.host, "Bed 12", ["--allow", "Amina Bibi"]);
  running.push(station);
  return { links, station, guest };
}

describe("a browser guest on a phone", () => {
  it("joins in Urdu on a 360x740 touch screen and sees and hears the station", async () => {
    const [host, links] = await startHost({ lobby: true });
    running.push(host);
    const station = new Cli("station", links.host, "Bed 12", ["--allow", "Amina Bibi"]);
    running.push(station);
    const guest = await openGuest(live.browser, links.guestBrowser, {
      locale: "ur-PK",
      width: 360,
      height: 740,
      mobile: true,
    });
    guests.push(guest);
    await guest.page.getByRole("button", { name: "اردو" }).click();
    await joinAs(guest.page, "Amina Bibi");
    const video = (await remoteVideos(guest.page, 1, 30))[0];
    expect(video?.height).toBe(360);
    await station.videoFrom("Amina Bibi", 30);
    expect(await guest.page.locator("html").getAttribute("dir")).toBe("rtl");
    await expect
      .poll(() => guest.page.getByRole("toolbar").getAttribute("data-layout"))
      .toBe("phone");
    await shot(guest.page, "phone-ur-call");
    expect(guest.problems).toEqual([]);
  }, 90_000);
});
