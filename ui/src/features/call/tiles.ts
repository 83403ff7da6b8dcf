// What each tile shows, from the participants, stats and layout choices. Pure.
//
// One camera tile per participant. In an SFU room a shared screen is a track of its own, and a
// participant sharing one gets a second tile, their screen, right after their camera. Peer to
// peer the screen replaces the camera picture, and the camera tile is marked as presenting.

import { t } from "../../lib/i18n/index.svelte";
import type {
  MediaSource,
  ParticipantId,
  ParticipantInfo,
  SharedScreen,
  TrackId,
} from "../../lib/ipc/contract";
import { sharedScreenTrack } from "../../lib/state/screens";
import { receivedFrom, type LinkQuality, type StatsSummary } from "../../lib/state/stats";

/** A tile's key: the participant's id for their camera, `<id>#screen` for their screen. */
export type TileId = string;

export type TileKind = "camera" | "screen";

export interface TileModel {
  id: TileId;
  /** Whose camera or screen this is. */
  owner: ParticipantId;
  kind: TileKind;
  track: TrackId | null;
  name: string;
  self: boolean;
  muted: boolean;
  quality: LinkQuality;
  speaking: boolean;
  handRaised: boolean;
  presenting: boolean;
}

export type Layout = "grid" | "speaker";

export function screenTileId(owner: ParticipantId): TileId {
  return `${owner}#screen`;
}

export interface TileOptions {
  /** Shared screens that are tracks of their own (SFU rooms; the snapshot's `screens`). */
  screens?: readonly SharedScreen[];
  /** A screen tile's name: "Amina's screen", or "Your screen" for our own. */
  screenName?: (ownerName: string, self: boolean) => string;
}

const defaultScreenName = (ownerName: string, self: boolean): string =>
  self ? t("tile.yourScreen") : t("tile.screen", { name: ownerName });

export function buildTiles(
  participants: ParticipantInfo[],
  selfId: ParticipantId | null,
  stats: StatsSummary | null,
  activeSpeaker: ParticipantId | null,
  audioOnly: boolean,
  { screens = [], screenName = defaultScreenName }: TileOptions = {},
): TileModel[] {
  const sendQuality = stats?.send?.quality ?? "unknown";
  const receivedQuality = (participant: ParticipantId, source: MediaSource) =>
    receivedFrom(stats, { participant, source })?.quality ?? "unknown";
  return participants.flatMap((p) => {
    const self = p.id === selfId;
    const video = p.media.video && !audioOnly;
    // The snapshot lists our own screen as nobody's (`participant: null`).
    const screenTrack = sharedScreenTrack(screens, self ? null : p.id);
    const ownScreen = p.media.screen && screenTrack !== null;
    const camera: TileModel = {
      id: p.id,
      owner: p.id,
      kind: "camera",
      track: video ? (self ? "local:camera" : `${p.id}:video`) : null,
      name: p.displayName,
      self,
      muted: !p.media.audio,
      quality: self ? sendQuality : receivedQuality(p.id, "camera"),
      speaking: p.id === activeSpeaker && p.media.audio,
      handRaised: p.handRaised,
      // With a screen tile of its own, that tile is the presentation.
      presenting: p.media.screen && !ownScreen,
    };
    if (!ownScreen) return [camera];
    const screen: TileModel = {
      id: screenTileId(p.id),
      owner: p.id,
      kind: "screen",
      track: audioOnly ? null : screenTrack,
      name: screenName(p.displayName, self),
      self,
      // A screen carries no sound: no microphone mark, never the speaker.
      muted: false,
      quality: self ? sendQuality : receivedQuality(p.id, "screen"),
      speaking: false,
      handRaised: false,
      presenting: true,
    };
    return [camera, screen];
  });
}

/**
 * The tile shown large in the speaker layout: the pinned tile, else someone else's shared
 * screen, else someone else presenting through their camera (peer to peer), else the active
 * speaker, else someone else, else anyone.
 */
export function featuredTile(
  tiles: TileModel[],
  pinned: TileId | null,
  activeSpeaker: ParticipantId | null,
): TileModel | null {
  const find = (id: TileId | null) => (id ? tiles.find((x) => x.id === id) : undefined);
  return (
    find(pinned) ??
    tiles.find((x) => x.kind === "screen" && !x.self) ??
    tiles.find((x) => x.kind === "camera" && x.presenting && !x.self) ??
    (activeSpeaker
      ? tiles.find((x) => x.kind === "camera" && x.owner === activeSpeaker)
      : undefined) ??
    tiles.find((x) => !x.self) ??
    tiles[0] ??
    null
  );
}
