import { describe, expect, it } from "vitest";
import { MOCK_DEVICES, MockBackend } from "../ipc/mock";
import { SimulatedBrowserBackend } from "./simulate";
import {
  browserLinkUsable,
  canChooseSpeaker,
  canShareScreen,
  isBrowserBackend,
  mediaStreamOf,
  nextCamera,
  offersMediaStreams,
} from "./guest";

describe("the browser client's view of its backend and browser", () => {
  it("knows the browser backend and its MediaStreams", () => {
    const mock = new MockBackend({ latencyMs: 0 });
    expect(isBrowserBackend(mock)).toBe(false);
    expect(offersMediaStreams(mock)).toBe(false);
    expect(mediaStreamOf(mock, "p1:video")).toBeNull();
    const stream = {} as MediaStream;
    const browser = new SimulatedBrowserBackend(mock, { link: null, stream: () => stream });
    expect(isBrowserBackend(browser)).toBe(true);
    expect(offersMediaStreams(browser)).toBe(true);
    expect(mediaStreamOf(browser, "p1:video")).toBe(stream);
    mock.dispose();
  });

  it("shares screens only with getDisplayMedia, chooses speakers only with setSinkId", () => {
    expect(canShareScreen({ mediaDevices: {} } as Navigator)).toBe(false);
    expect(canShareScreen({ mediaDevices: { getDisplayMedia: () => 0 } } as never)).toBe(true);
    expect(canShareScreen(undefined)).toBe(false);
    expect(canChooseSpeaker({ prototype: {} })).toBe(false);
    expect(canChooseSpeaker({ prototype: { setSinkId() {} } })).toBe(true);
  });

  it("goes round the cameras: front, back, front", () => {
    const cams = MOCK_DEVICES.filter((d) => d.kind === "camera").map((d) => d.id);
    expect(nextCamera(MOCK_DEVICES, cams[0] ?? null)).toBe(cams[1]);
    expect(nextCamera(MOCK_DEVICES, cams[1] ?? null)).toBe(cams[0]);
    expect(nextCamera(MOCK_DEVICES, null)).toBe(cams[0]);
    expect(
      nextCamera(
        MOCK_DEVICES.filter((d) => d.id !== cams[1]),
        cams[0] ?? null,
      ),
    ).toBeNull();
  });

  it("knows which browser links can take a camera: https, or http on this computer", () => {
    expect(browserLinkUsable("https://meet.hospital.example/join#t=x")).toBe(true);
    expect(browserLinkUsable("http://127.0.0.1:8717/join#t=x")).toBe(true);
    expect(browserLinkUsable("http://localhost:8717/join#t=x")).toBe(true);
    expect(browserLinkUsable("http://[::1]:8717/join#t=x")).toBe(true);
    expect(browserLinkUsable("http://192.168.1.20:8717/join#t=x")).toBe(false);
    expect(browserLinkUsable("http://ward7-pc.local:8717/join#t=x")).toBe(false);
    expect(browserLinkUsable("not a link")).toBe(false);
  });
});
