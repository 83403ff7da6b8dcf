// Why the browser client cannot go on, as one plain page each (features/web/FailurePage):
// from a command's error code, from the way a call ended, or from the browser itself. Pure.

import type { DeviceInfo, EndReason } from "../ipc/contract";

export type Failure =
  /** The page was opened without a join link (no `#t=...`). */
  | "noLink"
  /** The link's token expired. */
  | "tokenExpired"
  /** The link is damaged, altered or for another server or room. */
  | "invalidLink"
  /** The host turned the knock down. */
  | "denied"
  /** The host ended the meeting. */
  | "meetingEnded"
  /** No WebRTC or camera API in this browser. */
  | "browserUnsupported"
  /** An http page on another computer's address: browsers refuse the camera there. */
  | "insecureContext"
  /** The person (or the browser's settings) refused the camera or microphone. */
  | "permissionDenied"
  /** No microphone at all. */
  | "noMicrophone";

export const FAILURES: readonly Failure[] = [
  "noLink",
  "tokenExpired",
  "invalidLink",
  "denied",
  "meetingEnded",
  "browserUnsupported",
  "insecureContext",
  "permissionDenied",
  "noMicrophone",
];

/**
 * The page for a command's error code, or null when the code is not a page of its own (it is
 * then a notice). A string, not `CommandErrorCode`: the browser's codes (`permissionDenied`,
 * `browserUnsupported`, `insecureContext`) come with the browser backend's bindings.
 */
export function failureFromCode(code: string): Failure | null {
  switch (code) {
    case "tokenExpired":
      return "tokenExpired";
    case "invalidToken":
    case "invalidLink":
    case "wrongRoom":
      return "invalidLink";
    case "permissionDenied":
      return "permissionDenied";
    case "browserUnsupported":
      return "browserUnsupported";
    case "insecureContext":
      return "insecureContext";
    default:
      return null;
  }
}

/** The page for how a call ended, or null for the ordinary ended screen (left, lost, ...). */
export function failureFromEnd(reason: EndReason | null): Failure | null {
  switch (reason?.type) {
    case "denied":
      return "denied";
    case "meetingEnded":
      return "meetingEnded";
    case "refused":
      return failureFromCode(reason.code);
    default:
      return null;
  }
}

/** What the browser itself rules out before anything is tried, or null. */
export function environmentFailure(win: {
  isSecureContext?: boolean;
  RTCPeerConnection?: unknown;
  navigator?: { mediaDevices?: { getUserMedia?: unknown } };
}): Failure | null {
  // An insecure page has no `navigator.mediaDevices` either: say the cause, not the symptom.
  if (win.isSecureContext === false) return "insecureContext";
  if (
    typeof win.RTCPeerConnection !== "function" ||
    typeof win.navigator?.mediaDevices?.getUserMedia !== "function"
  )
    return "browserUnsupported";
  return null;
}

/** What a device list says is missing (browsers list devices of each kind before permission). */
export function missingDevices(devices: readonly DeviceInfo[]): {
  camera: boolean;
  microphone: boolean;
} {
  return {
    camera: !devices.some((d) => d.kind === "camera"),
    microphone: !devices.some((d) => d.kind === "microphone"),
  };
}
