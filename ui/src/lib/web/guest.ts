// The browser client (`/join`, issue 17): what the UI needs to know about the browser backend
// and the browser it runs in. The same screens serve the desktop app; these helpers say which
// parts a guest in a browser gets. Pure apart from reading `globalThis`.

import type { Backend, DeviceId, DeviceInfo, TrackId } from "../ipc/contract";

/** This page is the browser client: a guest's screens only (no home, settings or tray). */
export function isBrowserBackend(backend: Backend): boolean {
  return backend.kind === "browser";
}

/** Whether the backend hands out MediaStreams (then tiles use `<video>`, not the frame socket). */
export function offersMediaStreams(backend: Backend): boolean {
  return typeof backend.mediaStream === "function";
}

/** The MediaStream for a track, when the backend has one. */
export function mediaStreamOf(backend: Backend, track: TrackId): MediaStream | null {
  return backend.mediaStream?.(track) ?? null;
}

/** The browser can share a screen (`getDisplayMedia`; phones cannot). */
export function canShareScreen(nav: Navigator | undefined = globalThis.navigator): boolean {
  return typeof nav?.mediaDevices?.getDisplayMedia === "function";
}

/** The browser lets a page choose where sound plays (`setSinkId`; Safari and phones mostly not). */
export function canChooseSpeaker(
  media: { prototype: object } | undefined = globalThis.HTMLMediaElement,
): boolean {
  return media !== undefined && "setSinkId" in media.prototype;
}

/** The camera after `current` in the device list, round (front → back → front); null with one. */
export function nextCamera(
  devices: readonly DeviceInfo[],
  current: DeviceId | null,
): DeviceId | null {
  const cameras = devices.filter((d) => d.kind === "camera");
  if (cameras.length < 2) return null;
  const at = cameras.findIndex((d) => d.id === current);
  return cameras[(at + 1) % cameras.length]?.id ?? null;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a browser can take a camera on this link's page: browsers allow it on https pages,
 * and on http only for the same computer (localhost). A plain http link to a LAN address (a
 * meeting on the app's embedded server) opens, but the camera and microphone are refused.
 */
export function browserLinkUsable(link: string): boolean {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOOPBACK.test(url.hostname);
}
