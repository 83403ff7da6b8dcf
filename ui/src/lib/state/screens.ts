// Shared screens that arrive as tracks of their own (SFU rooms): the track and stats names the
// backend uses for them, and whose screen a track is. Peer to peer, a shared screen replaces the
// camera picture instead and none of these tracks appear. Pure.

import type { ParticipantId, PeerId, TrackId } from "../ipc/contract";

/** The preview of our own shared screen. */
export const LOCAL_SCREEN_TRACK: TrackId = "local:screen";

const REMOTE_SCREEN_SUFFIX = "/screen:video";

/** A remote participant's shared screen. */
export function remoteScreenTrack(participant: ParticipantId): TrackId {
  return `${participant}${REMOTE_SCREEN_SUFFIX}`;
}

/** The peer a remote participant's screen is reported under (stats, media events). */
export function screenPeer(participant: ParticipantId): PeerId {
  return `${participant}/screen`;
}

/** Whose screen a peer is (`<participant>/screen`), or null for any other peer. */
export function screenPeerOwner(peer: PeerId): ParticipantId | null {
  const suffix = "/screen";
  return peer.endsWith(suffix) && peer.length > suffix.length
    ? peer.slice(0, -suffix.length)
    : null;
}

/** Whose shared screen a track is: ours, a remote participant's, or none (not a screen). */
export function screenTrackOwner(
  track: TrackId,
): { self: true } | { self: false; participant: ParticipantId } | null {
  if (track === LOCAL_SCREEN_TRACK) return { self: true };
  if (track.endsWith(REMOTE_SCREEN_SUFFIX)) {
    const participant = track.slice(0, -REMOTE_SCREEN_SUFFIX.length);
    if (participant !== "") return { self: false, participant };
  }
  return null;
}

/** The participants whose screen track is started; our own counts under `selfId`. */
export function screenOwners(
  tracks: Iterable<TrackId>,
  selfId: ParticipantId | null,
): Set<ParticipantId> {
  const owners = new Set<ParticipantId>();
  for (const track of tracks) {
    const owner = screenTrackOwner(track);
    if (!owner) continue;
    if (!owner.self) owners.add(owner.participant);
    else if (selfId !== null) owners.add(selfId);
  }
  return owners;
}
