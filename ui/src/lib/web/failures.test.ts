import { describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import ur from "../i18n/ur.json";
import {
  environmentFailure,
  FAILURES,
  failureFromCode,
  failureFromEnd,
  missingDevices,
} from "./failures";
import { MOCK_DEVICES } from "../ipc/mock";

describe("the browser client's failure pages", () => {
  it("come from command error codes, the browser's own included", () => {
    expect(failureFromCode("tokenExpired")).toBe("tokenExpired");
    expect(failureFromCode("invalidToken")).toBe("invalidLink");
    expect(failureFromCode("invalidLink")).toBe("invalidLink");
    expect(failureFromCode("wrongRoom")).toBe("invalidLink");
    expect(failureFromCode("permissionDenied")).toBe("permissionDenied");
    expect(failureFromCode("browserUnsupported")).toBe("browserUnsupported");
    expect(failureFromCode("insecureContext")).toBe("insecureContext");
    // Everything else is a notice, not a page.
    expect(failureFromCode("invalidDisplayName")).toBeNull();
    expect(failureFromCode("deviceUnavailable")).toBeNull();
    expect(failureFromCode("serverUnreachable")).toBeNull();
  });

  it("come from the way a call ended", () => {
    expect(failureFromEnd({ type: "denied" })).toBe("denied");
    expect(failureFromEnd({ type: "meetingEnded" })).toBe("meetingEnded");
    expect(failureFromEnd({ type: "refused", code: "tokenExpired", message: "" })).toBe(
      "tokenExpired",
    );
    expect(failureFromEnd({ type: "refused", code: "invalidToken", message: "" })).toBe(
      "invalidLink",
    );
    expect(failureFromEnd({ type: "refused", code: "roomFull", message: "" })).toBeNull();
    expect(failureFromEnd({ type: "left" })).toBeNull();
    expect(failureFromEnd({ type: "connectionLost" })).toBeNull();
    expect(failureFromEnd(null)).toBeNull();
  });

  it("come from the browser: an insecure page first, then no WebRTC", () => {
    const ok = {
      isSecureContext: true,
      RTCPeerConnection: function RTCPeerConnection() {},
      navigator: { mediaDevices: { getUserMedia: () => undefined } },
    };
    expect(environmentFailure(ok)).toBeNull();
    expect(environmentFailure({ ...ok, isSecureContext: false, navigator: {} })).toBe(
      "insecureContext",
    );
    expect(environmentFailure({ ...ok, RTCPeerConnection: undefined })).toBe("browserUnsupported");
    expect(environmentFailure({ ...ok, navigator: {} })).toBe("browserUnsupported");
  });

  it("know what a device list lacks", () => {
    expect(missingDevices(MOCK_DEVICES)).toEqual({ camera: false, microphone: false });
    expect(missingDevices(MOCK_DEVICES.filter((d) => d.kind !== "camera"))).toEqual({
      camera: true,
      microphone: false,
    });
    expect(missingDevices([])).toEqual({ camera: true, microphone: true });
  });

  it("each have a title and a body in English and in Urdu", () => {
    const catalogues = [en, ur] as Record<string, string>[];
    for (const failure of FAILURES)
      for (const part of ["title", "body"])
        for (const cat of catalogues)
          expect(cat[`failure.${failure}.${part}`], failure).toBeTruthy();
    for (const [key, text] of Object.entries(ur))
      if (key.startsWith("failure.") || key.startsWith("web.") || key.startsWith("invite."))
        expect(text, key).toMatch(/[\u0600-\u06FF]/);
  });
});
