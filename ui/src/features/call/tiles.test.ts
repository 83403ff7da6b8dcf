import { afterEach, describe, expect, it } from "vitest";
import { i18n } from "../../lib/i18n/index.svelte";
import type { MediaOrigin, ParticipantInfo, SharedScreen } from "../../lib/ipc/contract";
import type { PeerSummary, StatsSummary } from "../../lib/state/stats";
import { buildTiles, featuredTile, type TileModel } from "./tiles";

const person = (
  id: string,
  displayName: string,
  media: Partial<ParticipantInfo["media"]> = {},
): ParticipantInfo => ({
  id,
  displayName,
  role: "guest",
  joinOrder: 1,
  media: { audio: true, video: true, screen: false, ...media },
  handRaised: false,
});

const peer = (quality: PeerSummary["quality"], origin: MediaOrigin): PeerSummary => ({
  origin,
  quality,
  lossPercent: 0,
  rttMs: null,
  fps: null,
  bitrateKbps: 0,
  resolution: null,
  decoder: null,
});

const stats: StatsSummary = {
  send: {
    resolution: null,
    bitrateKbps: 0,
    lossPercent: null,
    rttMs: null,
    encoder: null,
    estimatedKbps: null,
    quality: "fair",
  },
  // Keyed by connection; a tile finds its own by origin.
  peers: new Map([
    ["conn-1", peer("good", { participant: "amina", source: "camera" })],
    ["conn-2", peer("poor", { participant: "amina", source: "screen" })],
  ]),
  poorNetwork: false,
};

const me = person("me", "Dr. Test");
const bilal = person("bilal", "Nurse Bilal");
const aminaSharing = { ...person("amina", "Amina", { screen: true }), handRaised: true };

const ids = (tiles: TileModel[]) => tiles.map((x) => x.id);

/** A shared screen as the snapshot lists it (`null`: ours), its track named apart from its owner. */
const screenOf = (participant: string | null): SharedScreen => ({
  track: `screen-track-of-${participant ?? "us"}`,
  participant,
});

describe("buildTiles", () => {
  afterEach(() => i18n.apply("en", document));

  it("without screen tracks (peer to peer) is one camera tile each, the sharer presenting", () => {
    const tiles = buildTiles([me, aminaSharing, bilal], "me", stats, "amina", false);
    expect(ids(tiles)).toEqual(["me", "amina", "bilal"]);
    expect(tiles.every((x) => x.kind === "camera" && x.owner === x.id)).toBe(true);
    expect(tiles[1]).toMatchObject({
      track: "amina:video",
      name: "Amina",
      presenting: true,
      speaking: true,
      handRaised: true,
      quality: "good",
    });
    // Empty screen sets change nothing.
    expect(buildTiles([me, aminaSharing, bilal], "me", stats, "amina", false, {})).toEqual(tiles);
    expect(
      buildTiles([me, aminaSharing, bilal], "me", stats, "amina", false, { screens: [] }),
    ).toEqual(tiles);
  });

  it("adds a screen tile right after the sharer's camera when their screen track is started", () => {
    const tiles = buildTiles([me, aminaSharing, bilal], "me", stats, "amina", false, {
      screens: [screenOf("amina")],
    });
    expect(ids(tiles)).toEqual(["me", "amina", "amina#screen", "bilal"]);
    const [, camera, screen] = tiles;
    // The camera keeps going, and is no longer the presentation.
    expect(camera).toMatchObject({ kind: "camera", track: "amina:video", presenting: false });
    expect(screen).toEqual({
      id: "amina#screen",
      owner: "amina",
      kind: "screen",
      track: "screen-track-of-amina",
      name: "Amina's screen",
      self: false,
      muted: false,
      quality: "poor",
      speaking: false,
      handRaised: false,
      presenting: true,
    });
  });

  it("takes each screen tile's track from the entry with its owner, ours from the one of nobody", () => {
    const sharing = person("me", "Dr. Test", { screen: true });
    const bilalSharing = person("bilal", "Nurse Bilal", { screen: true });
    const tiles = buildTiles([sharing, aminaSharing, bilalSharing], "me", stats, null, false, {
      screens: [screenOf("bilal"), screenOf(null), screenOf("amina")],
    });
    expect(tiles.filter((x) => x.kind === "screen").map((x) => [x.owner, x.track])).toEqual([
      ["me", "screen-track-of-us"],
      ["amina", "screen-track-of-amina"],
      ["bilal", "screen-track-of-bilal"],
    ]);
  });

  it("gives a sharer no screen tile without an entry of their own: they present by camera", () => {
    // Our own entry is nobody's: it is never taken for someone else's.
    const tiles = buildTiles([me, aminaSharing], "me", stats, null, false, {
      screens: [screenOf(null)],
    });
    expect(ids(tiles)).toEqual(["me", "amina"]);
    expect(tiles[1]).toMatchObject({ kind: "camera", presenting: true });
  });

  it("gives no screen tile to someone whose flag is off, even with a track left over", () => {
    const tiles = buildTiles([me, bilal], "me", stats, null, false, {
      screens: [screenOf("bilal")],
    });
    expect(ids(tiles)).toEqual(["me", "bilal"]);
  });

  it("shows no microphone mark on a muted sharer's screen", () => {
    const muted = person("amina", "Amina", { screen: true, audio: false });
    const [camera, screen] = buildTiles([muted], "me", null, null, false, {
      screens: [screenOf("amina")],
    });
    expect(camera?.muted).toBe(true);
    expect(screen).toMatchObject({ muted: false, quality: "unknown" });
  });

  it("names our own screen 'Your screen', with the preview track and the send quality", () => {
    const sharing = person("me", "Dr. Test", { screen: true });
    const [camera, screen] = buildTiles([sharing], "me", stats, "me", false, {
      screens: [{ track: "local:screen", participant: null }],
    });
    expect(camera).toMatchObject({ track: "local:camera", presenting: false, speaking: true });
    expect(screen).toMatchObject({
      id: "me#screen",
      kind: "screen",
      self: true,
      track: "local:screen",
      name: "Your screen",
      quality: "fair",
      speaking: false,
    });
  });

  it("asks for no pictures in audio-only mode, screen included", () => {
    const tiles = buildTiles([aminaSharing], "me", stats, null, true, {
      screens: [screenOf("amina")],
    });
    expect(tiles.map((x) => x.track)).toEqual([null, null]);
  });

  it("names screens in Urdu when the window is in Urdu", () => {
    i18n.apply("ur", document);
    const tiles = buildTiles(
      [person("me", "ڈاکٹر ثنا", { screen: true }), aminaSharing],
      "me",
      null,
      null,
      false,
      {
        screens: [screenOf(null), screenOf("amina")],
      },
    );
    expect(tiles.filter((x) => x.kind === "screen").map((x) => x.name)).toEqual([
      "آپ کی اسکرین",
      "Amina کی اسکرین",
    ]);
  });

  it("takes the screen's name from the caller when given", () => {
    const tiles = buildTiles([aminaSharing], "me", null, null, false, {
      screens: [screenOf("amina")],
      screenName: (name, self) => `${self ? "mine" : name}: screen`,
    });
    expect(tiles[1]?.name).toBe("Amina: screen");
  });
});

describe("featuredTile", () => {
  /** An SFU room where `sharers` share a screen of its own ("me": ourselves). */
  const sfu = (people: ParticipantInfo[], sharers: string[]) =>
    buildTiles(people, "me", null, null, false, {
      screens: sharers.map((id) => screenOf(id === "me" ? null : id)),
    });

  it("features a remote shared screen over the speaker and over its owner's camera", () => {
    const tiles = sfu([me, aminaSharing, bilal], ["amina"]);
    expect(featuredTile(tiles, null, "bilal")?.id).toBe("amina#screen");
  });

  it("puts a pinned tile first, a screen tile too", () => {
    const tiles = sfu([me, aminaSharing, bilal], ["amina"]);
    expect(featuredTile(tiles, "bilal", null)?.id).toBe("bilal");
    expect(featuredTile(tiles, "amina", null)?.id).toBe("amina");
    expect(featuredTile(tiles, "amina#screen", "bilal")?.id).toBe("amina#screen");
    // A pin on a tile that is gone no longer counts.
    expect(featuredTile(tiles, "gone#screen", "bilal")?.id).toBe("amina#screen");
  });

  it("prefers a screen tile to someone presenting through their camera", () => {
    const p2p = person("p2p", "Peer", { screen: true });
    const tiles = sfu([me, p2p, aminaSharing], ["amina"]);
    expect(featuredTile(tiles, null, null)?.id).toBe("amina#screen");
    expect(featuredTile(sfu([me, p2p, bilal], []), null, "bilal")?.id).toBe("p2p");
  });

  it("does not feature our own screen: the active speaker instead", () => {
    const sharing = person("me", "Dr. Test", { screen: true });
    const tiles = sfu([sharing, bilal], ["me"]);
    expect(ids(tiles)).toEqual(["me", "me#screen", "bilal"]);
    expect(featuredTile(tiles, null, "bilal")?.id).toBe("bilal");
    expect(featuredTile(tiles, null, null)?.id).toBe("bilal");
    // Our own camera for the speaker, never our screen.
    expect(featuredTile(tiles, null, "me")?.id).toBe("me");
  });

  it("is as before without screens: the speaker, else someone else, else anyone", () => {
    const tiles = sfu([me, bilal, person("c", "C")], []);
    expect(featuredTile(tiles, null, "c")?.id).toBe("c");
    expect(featuredTile(tiles, null, null)?.id).toBe("bilal");
    expect(featuredTile(sfu([me], []), null, null)?.id).toBe("me");
    expect(featuredTile([], null, null)).toBeNull();
  });
});
