import { afterEach, describe, expect, it } from "vitest";
import { KnockAlert } from "../audio/knockAlert";
import { createApi } from "../ipc/contract";
import { inCall, settle, until, type Harness } from "../../test/render";
import { AppModel } from "./app.svelte";
import { screenOwners, screenPeerOwner, screenTrackOwner } from "./screens";

describe("screen tracks", () => {
  it("tell whose screen a track or a peer is", () => {
    expect(screenTrackOwner("local:screen")).toEqual({ self: true });
    expect(screenTrackOwner("p7/screen:video")).toEqual({ self: false, participant: "p7" });
    for (const other of ["local:camera", "p7:video", "p7:audio", "/screen:video", "p7/screen"])
      expect(screenTrackOwner(other), other).toBeNull();
    expect(screenPeerOwner("p7/screen")).toBe("p7");
    expect(screenPeerOwner("p7")).toBeNull();
    expect([...screenOwners(["local:screen", "p7/screen:video", "p8:video"], "me")]).toEqual([
      "me",
      "p7",
    ]);
    expect([...screenOwners(["local:screen"], null)]).toEqual([]);
  });
});

describe("the app's screen-track bookkeeping", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  const started = (track: string, peer: string) =>
    h.mock.emit("mediaEvent", { type: "trackStarted", track, peer, kind: "video" });
  const ended = (track: string) => h.mock.emit("mediaEvent", { type: "trackEnded", track });

  it("keeps the screen tracks between trackStarted and trackEnded, and ignores other tracks", async () => {
    h = await inCall();
    const self = h.app.selfId;
    started("p9/screen:video", "p9/screen");
    started("p9:video", "p9");
    started("p9:audio", "p9");
    started("local:screen", "local");
    expect(h.app.call.screenTracks).toEqual(["p9/screen:video", "local:screen"]);
    expect([...h.app.screens]).toEqual(["p9", self]);
    // Announced twice, kept once.
    started("p9/screen:video", "p9/screen");
    expect(h.app.call.screenTracks).toHaveLength(2);

    ended("p9/screen:video");
    ended("p9:video");
    expect([...h.app.screens]).toEqual([self]);
    ended("local:screen");
    expect(h.app.call.screenTracks).toHaveLength(0);
  });

  it("forgets them when the call ends", async () => {
    h = await inCall();
    started("p9/screen:video", "p9/screen");
    started("local:screen", "local");
    await h.app.leave();
    await until(() => h.app.call.state.type === "ended");
    expect(h.app.call.screenTracks).toHaveLength(0);
    expect(h.app.screens.size).toBe(0);
  });

  it("follows a remote screen share in an SFU room, and ourselves sharing there", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    expect([...h.app.screens]).toEqual([amina.id]);
    expect(h.app.call.participants.find((p) => p.id === amina.id)?.media.screen).toBe(true);

    await h.app.toggleScreenShare();
    expect(h.app.call.screenTracks).toEqual([`${amina.id}/screen:video`, "local:screen"]);

    h.mock.call.shareScreen(amina.id, false);
    await h.app.toggleScreenShare();
    await settle();
    expect(h.app.call.screenTracks).toHaveLength(0);
  });

  it("are there again after the page reloads mid-call (from the backend's snapshot)", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    const reloaded = new AppModel(createApi(h.mock), new KnockAlert({ createContext: () => null }));
    await reloaded.start();
    try {
      expect([...reloaded.screens]).toEqual([amina.id]);
    } finally {
      reloaded.stop();
    }
  });

  it("ends a screen track when its owner leaves", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    h.mock.call.removeRemote(amina.id);
    await settle();
    expect(h.app.call.screenTracks).toHaveLength(0);
  });

  it("sees no screen tracks peer to peer: only the flag changes, as before", async () => {
    h = await inCall("empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await h.app.toggleScreenShare();
    await settle();
    expect(h.app.call.participants.find((p) => p.id === amina.id)?.media.screen).toBe(true);
    expect(h.app.call.local.screenSharing).toBe(true);
    expect(h.app.call.screenTracks).toHaveLength(0);
    expect(h.app.screens.size).toBe(0);
  });
});
