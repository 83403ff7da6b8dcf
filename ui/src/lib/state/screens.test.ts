import { afterEach, describe, expect, it } from "vitest";
import { KnockAlert } from "../audio/knockAlert";
import { createApi } from "../ipc/contract";
import { inCall, settle, until, type Harness } from "../../test/render";
import type { MediaOrigin } from "../ipc/contract";
import { AppModel } from "./app.svelte";
import { sharedScreenTrack } from "./screens";

describe("sharedScreenTrack", () => {
  it("finds a participant's screen by whose it is, ours as nobody's", () => {
    const screens = [
      { track: "t-ours", participant: null },
      { track: "t-p7", participant: "p7" },
    ];
    expect(sharedScreenTrack(screens, "p7")).toBe("t-p7");
    expect(sharedScreenTrack(screens, null)).toBe("t-ours");
    expect(sharedScreenTrack(screens, "p8")).toBeNull();
    expect(sharedScreenTrack([], null)).toBeNull();
  });
});

describe("the app's screen-track bookkeeping", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  const started = (track: string, peer: string, origin: MediaOrigin | null) =>
    h.mock.emit("mediaEvent", { type: "trackStarted", track, peer, kind: "video", origin });
  const p9Screen = { participant: "p9", source: "screen" } as const;
  const p9Camera = { participant: "p9", source: "camera" } as const;
  const ourScreen = { participant: null, source: "screen" } as const;
  const ended = (track: string) => h.mock.emit("mediaEvent", { type: "trackEnded", track });

  it("keeps the screen tracks between trackStarted and trackEnded, and ignores other tracks", async () => {
    h = await inCall();
    started("p9/screen:video", "p9/screen", p9Screen);
    started("p9:video", "p9", p9Camera);
    started("p9:audio", "p9", p9Camera);
    started("local:screen", "sfu:screen", ourScreen);
    expect(h.app.call.screens).toEqual([
      { track: "p9/screen:video", participant: "p9" },
      { track: "local:screen", participant: null },
    ]);
    // Announced twice, kept once.
    started("p9/screen:video", "p9/screen", p9Screen);
    expect(h.app.call.screens).toHaveLength(2);

    ended("p9/screen:video");
    ended("p9:video");
    expect(h.app.call.screens).toEqual([{ track: "local:screen", participant: null }]);
    ended("local:screen");
    expect(h.app.call.screens).toHaveLength(0);
  });

  it("forgets them when the call ends", async () => {
    h = await inCall();
    started("p9/screen:video", "p9/screen", p9Screen);
    started("local:screen", "sfu:screen", ourScreen);
    await h.app.leave();
    await until(() => h.app.call.state.type === "ended");
    expect(h.app.call.screens).toHaveLength(0);
  });

  it("follows a remote screen share in an SFU room, and ourselves sharing there", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    expect(h.app.call.screens.map((s) => s.participant)).toEqual([amina.id]);
    expect(h.app.call.participants.find((p) => p.id === amina.id)?.media.screen).toBe(true);

    await h.app.toggleScreenShare();
    expect(h.app.call.screens.map((s) => s.participant)).toEqual([amina.id, null]);

    h.mock.call.shareScreen(amina.id, false);
    await h.app.toggleScreenShare();
    await settle();
    expect(h.app.call.screens).toHaveLength(0);
  });

  it("are there again after the page reloads mid-call (from the backend's snapshot)", async () => {
    h = await inCall("sfu-empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await settle();
    const reloaded = new AppModel(createApi(h.mock), new KnockAlert({ createContext: () => null }));
    await reloaded.start();
    try {
      expect(reloaded.call.screens.map((s) => s.participant)).toEqual([amina.id]);
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
    expect(h.app.call.screens).toHaveLength(0);
  });

  it("sees no screen tracks peer to peer: only the flag changes, as before", async () => {
    h = await inCall("empty");
    const amina = h.mock.call.addParticipant("Amina");
    h.mock.call.shareScreen(amina.id, true);
    await h.app.toggleScreenShare();
    await settle();
    expect(h.app.call.participants.find((p) => p.id === amina.id)?.media.screen).toBe(true);
    expect(h.app.call.local.screenSharing).toBe(true);
    expect(h.app.call.screens).toHaveLength(0);
  });
});
