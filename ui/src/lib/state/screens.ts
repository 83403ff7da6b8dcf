// Shared screens that arrive as tracks of their own (SFU rooms), as the call snapshot lists them
// (`CallSnapshot.screens`). The backend says whose each one is, so no track or peer id is taken
// apart here. Peer to peer a shared screen replaces the camera picture instead, and the list
// stays empty. Pure.

import type { ParticipantId, SharedScreen, TrackId } from "../ipc/contract";

/**
 * The track of `participant`'s shared screen (`null`: ours), or null when they share none as a
 * track of its own.
 */
export function sharedScreenTrack(
  screens: readonly SharedScreen[],
  participant: ParticipantId | null,
): TrackId | null {
  return screens.find((s) => s.participant === participant)?.track ?? null;
}
