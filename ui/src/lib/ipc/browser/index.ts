// The browser client's backend (issue 17): the third implementation of the contract beside the
// Tauri shell and the mock. Media is the browser's own (getUserMedia, getDisplayMedia,
// RTCPeerConnection); the signalling protocol goes straight over a WebSocket to the server the
// page came from. It sends the same events with the same meanings as the desktop app for the
// same server messages, so the same screens work.
//
// The page is opened as `https://HOST/join#t=<token>` (`&codec=vp8|h264` forces a video codec,
// the only one `join.decodes` names; `&relay=1` sends media only through TURN). The token goes
// to sessionStorage, off the address bar, and the app gets one `openLink` with the desktop's
// form of the link. A reload during a call resumes it (`join.resume`, kept in sessionStorage,
// with `restarted`: the others make new connections) without going through pre-join.
//
// For the screens:
// - `mediaStream(track)` gives the MediaStream of `local:camera` (preview and self-view),
//   `local:screen` (our screen in SFU rooms) and every remote video track, a shared screen's
//   too; read it again on every `trackStarted` of that track (a new connection brings a new
//   stream; `local:camera` too, when the camera or the screen in its place changes). Remote
//   sound plays by itself; tiles stay muted.
// - Failures, as `CommandError.code` of `startPreview` / `joinCall` (and `browserProblem`):
//   `insecureContext` (not https), `browserUnsupported` (no WebRTC or media API),
//   `permissionDenied` (camera or microphone refused), `deviceUnavailable` (busy or broken).
//   No camera: `mediaEvent {type: "deviceMissing", kind: "camera"}` and the call goes on with
//   sound only (`setCameraEnabled(true)` then fails with `noCamera`); no microphone likewise
//   (`kind: "microphone"`, unmuting fails with `noMicrophone`). Screen sharing: `cancelled`
//   when the picker was closed, `screenShareUnavailable` without `getDisplayMedia`.
// - Desktop parts that are absent, to hide: settings (only language, devices, quality,
//   clinical audio and the knock sound mean anything; `serverUrl`, `encoderPreference` and
//   `launchAtLogin` are locked), recent rooms and encoders (empty), starting a meeting
//   (`forbidden`), the network check and the frame socket (`internal`), OS notifications
//   (ignored), the tray and machine policy (none).

import type { Backend } from "../contract";
import { BrowserBackend } from "./backend";
import { pageServer, takePageLink } from "./link";

export { browserProblem } from "./local";
export type { BrowserDebug } from "./debug";

/** The browser backend for this page. */
export function createBrowserBackend(win: Window): Backend {
  return new BrowserBackend(win);
}

/**
 * The server and token this page was opened with (`#t=` moved to sessionStorage on the first
 * call, then read from there), or null without one. Never show or log the token.
 */
export function readBrowserLink(win: Window): { server: string; token: string } | null {
  const link = takePageLink(win);
  return link ? { server: pageServer(win), token: link.token } : null;
}
