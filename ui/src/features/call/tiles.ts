// What each tile shows, from the participants, stats and layout choices. Pure.

import type { ParticipantId, ParticipantInfo, TrackId } from "../../lib/ipc/contract";
import type { LinkQuality, StatsSummary } from "../../lib/state/stats";

export interface TileModel {
  id: ParticipantId;
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

export function buildTiles(
  participants: ParticipantInfo[],
  selfId: ParticipantId | null,
  stats: StatsSummary | null,
  activeSpeaker: ParticipantId | null,
  audioOnly: boolean,
): TileModel[] {
  return participants.map((p) => {
    const self = p.id === selfId;
    const video = p.media.video && !audioOnly;
    return {
      id: p.id,
      track: video ? (self ? "local:camera" : `${p.id}:video`) : null,
      name: p.displayName,
      self,
      muted: !p.media.audio,
      quality: self
        ? (stats?.send?.quality ?? "unknown")
        : (stats?.peers.get(p.id)?.quality ?? "unknown"),
      speaking: p.id === activeSpeaker && p.media.audio,
      handRaised: p.handRaised,
      presenting: p.media.screen,
    };
  });
}

/** The tile shown large in the speaker layout: pinned, else a presenter, else the speaker. */
export function featuredTile(
  tiles: TileModel[],
  pinned: ParticipantId | null,
  activeSpeaker: ParticipantId | null,
): TileModel | null {
  const find = (id: ParticipantId | null) => (id ? tiles.find((t) => t.id === id) : undefined);
  return (
    find(pinned) ??
    tiles.find((t) => t.presenting && !t.self) ??
    find(activeSpeaker) ??
    tiles.find((t) => !t.self) ??
    tiles[0] ??
    null
  );
}
