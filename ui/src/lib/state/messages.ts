// What the app says to people about things that went wrong: a screen share that ended, a command
// that failed. In the person's language, with what they can do about it.

import type { ScreenShareEnd } from "../ipc/contract";
import { isCommandError } from "../ipc/contract";
import { t } from "../i18n/index.svelte";

/** Why screen sharing ended, in the person's language: the engine's English
 * detail only for a failure, where it is all there is to say. */
export function screenShareEndedNotice(cause: ScreenShareEnd, reason: string): string {
  switch (cause) {
    case "stoppedByDesktop":
      return t("call.screenShareStoppedByDesktop");
    case "noPicture":
      return t("call.screenShareNoPicture");
    case "failed":
      return t("call.screenShareEnded", { reason });
  }
}

/** A command failure in words a person can act on. */
export function describeError(e: unknown): string {
  if (!isCommandError(e)) return t("error.unexpected");
  switch (e.code) {
    case "invalidLink":
      return t("error.invalidLink");
    case "invalidDisplayName":
      return t("error.invalidDisplayName");
    case "settingLocked":
      return t("settings.lockedNote");
    case "serverUnreachable":
      return t("error.serverUnreachable");
    case "screenShareUnavailable":
      return e.message ? t("error.screenShareWhy", { reason: e.message }) : t("error.screenShare");
    case "deviceUnavailable":
      return t("error.device");
    case "noCamera":
      return t("error.noCamera");
    case "noMicrophone":
      return t("error.noMicrophone");
    case "permissionDenied":
      return t("error.permissionDenied");
    default:
      return t("error.server", { message: e.message });
  }
}
