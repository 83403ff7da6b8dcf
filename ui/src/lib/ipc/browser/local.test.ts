// The browser's camera and microphone failures as the contract's codes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { domError, fakeBrowser, type FakeMediaDevices } from "./fakes";
import { LocalMedia, browserProblem, mediaFailure } from "./local";

const choice = {
  cameraId: null,
  microphoneId: null,
  quality: "auto",
  clinicalAudio: false,
} as const;

describe("LocalMedia", () => {
  let devices: FakeMediaDevices;
  beforeEach(() => {
    devices = fakeBrowser(vi.stubGlobal);
  });
  afterEach(() => vi.unstubAllGlobals());

  const local = () => new LocalMedia(navigator, { changed() {}, sending() {}, screenEnded() {} });

  it("starts the camera and microphone with the sound processing on", async () => {
    const media = local();
    await media.start(choice);
    expect(media.mic?.kind).toBe("audio");
    expect(media.camera?.kind).toBe("video");
    expect(media.cameraStream).not.toBeNull();
    expect(media.missing.size).toBe(0);
    expect(devices.asked[0]?.audio).toMatchObject({
      echoCancellation: true,
      noiseSuppression: true,
    });
    expect(devices.asked[0]?.video).toMatchObject({
      width: { ideal: 1280 },
      height: { ideal: 720 },
    });
  });

  it("maps a refused permission to permissionDenied", async () => {
    devices.failures.set("any", domError("NotAllowedError"));
    await expect(local().start(choice)).rejects.toMatchObject({ code: "permissionDenied" });
  });

  it("maps a camera in use elsewhere to deviceUnavailable", async () => {
    devices.failures.set("audio+video", domError("NotReadableError"));
    await expect(local().start(choice)).rejects.toMatchObject({ code: "deviceUnavailable" });
  });

  it("goes on with sound only when there is no camera (NotFoundError), and says so", async () => {
    devices.failures.set("audio+video", domError("NotFoundError"));
    const media = local();
    await media.start(choice);
    expect(media.mic).not.toBeNull();
    expect(media.camera).toBeNull();
    expect([...media.missing]).toEqual(["camera"]);
    expect(() => media.setCameraEnabled(true)).toThrow(
      expect.objectContaining({ code: "noCamera" }),
    );
  });

  it("does not ask for a kind the browser lists none of", async () => {
    devices.kinds = ["audioinput"];
    const media = local();
    await media.start(choice);
    expect(devices.asked).toHaveLength(1);
    expect(devices.asked[0]?.video).toBe(false);
    expect([...media.missing]).toEqual(["camera"]);
  });

  it("goes on with the camera only when there is no microphone", async () => {
    devices.failures.set("audio+video", domError("NotFoundError"));
    devices.failures.set("audio", domError("NotFoundError"));
    const media = local();
    await media.start(choice);
    expect(media.camera).not.toBeNull();
    expect([...media.missing]).toEqual(["microphone"]);
    expect(() => media.setMicMuted(false)).toThrow(
      expect.objectContaining({ code: "noMicrophone" }),
    );
  });

  it("mutes by disabling the track, and turns off clinical audio processing", async () => {
    const media = local();
    await media.start({ ...choice, clinicalAudio: true });
    media.setMicMuted(true);
    media.setCameraEnabled(false);
    expect(media.mic?.enabled).toBe(false);
    expect(media.camera?.enabled).toBe(false);
    expect(devices.asked[0]?.audio).toMatchObject({
      echoCancellation: false,
      autoGainControl: false,
    });
  });

  it("a closed screen picker is cancelled, not a failure", async () => {
    devices.failures.set("screen", domError("NotAllowedError"));
    await expect(local().startScreen()).rejects.toMatchObject({ code: "cancelled" });
  });
});

describe("browserProblem", () => {
  it("names an insecure page first, then a browser without WebRTC", () => {
    const win = (over: object) =>
      ({
        isSecureContext: true,
        RTCPeerConnection: function RTCPeerConnection() {},
        navigator: { mediaDevices: { getUserMedia() {} } },
        ...over,
      }) as unknown as Window;
    expect(browserProblem(win({}))).toBeNull();
    expect(browserProblem(win({ isSecureContext: false, navigator: {} }))?.code).toBe(
      "insecureContext",
    );
    expect(browserProblem(win({ RTCPeerConnection: undefined }))?.code).toBe("browserUnsupported");
    expect(browserProblem(win({ navigator: {} }))?.code).toBe("browserUnsupported");
  });

  it("maps every getUserMedia error name", () => {
    const code = (name: string) => mediaFailure(domError(name), "camera and microphone").code;
    expect(code("NotAllowedError")).toBe("permissionDenied");
    expect(code("SecurityError")).toBe("permissionDenied");
    expect(code("NotFoundError")).toBe("deviceUnavailable");
    expect(code("OverconstrainedError")).toBe("deviceUnavailable");
    expect(code("NotReadableError")).toBe("deviceUnavailable");
    expect(code("TypeError")).toBe("browserUnsupported");
    expect(code("Weird")).toBe("internal");
  });
});
