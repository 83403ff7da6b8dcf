// VideoTile with the browser backend: the track's MediaStream in a <video>, no frame socket.
import { fireEvent, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TrackId } from "../../lib/ipc/contract";
import { renderWith, settle } from "../../test/render";
import { fakeStream, guestApp, stubCallingBrowser, type GuestHarness } from "../../test/web";
import VideoTile from "./VideoTile.svelte";

describe("a video tile on the browser backend", () => {
  let h: GuestHarness;
  let restore: () => void;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
    restore?.();
    vi.unstubAllGlobals();
  });

  async function setup(streams: Map<TrackId, MediaStream>) {
    restore = stubCallingBrowser();
    h = guestApp({ stream: (track) => streams.get(track) ?? null });
    await h.app.start();
    const frameSocket = vi.spyOn(h.backend, "openFrameSocket");
    return { frameSocket };
  }

  it("shows the track's MediaStream in a muted inline <video> with the same overlay", async () => {
    const stream = fakeStream("p7:video");
    const { frameSocket } = await setup(new Map([["p7:video", stream]]));
    renderWith(VideoTile, h, { track: "p7:video", name: "Dr. Ayesha Khan", muted: true });
    await settle();
    const tile = screen.getByRole("figure", { name: "Dr. Ayesha Khan" });
    const video = tile.querySelector("video") as HTMLVideoElement;
    expect(video).not.toBeNull();
    expect(video.srcObject).toBe(stream);
    expect(video).toHaveAttribute("data-track", "p7:video");
    expect(video.muted).toBe(true);
    expect(video).toHaveAttribute("autoplay");
    expect(video).toHaveAttribute("playsinline");
    expect(video).not.toHaveClass("mirror");
    expect(tile.querySelector("canvas")).toBeNull();
    expect(screen.getByText("Microphone off")).toBeInTheDocument();
    // Initials until the first picture arrives.
    expect(tile).toHaveAttribute("data-has-frame", "false");
    expect(screen.getByText("AK")).toBeInTheDocument();
    Object.defineProperty(video, "videoWidth", { value: 640 });
    await fireEvent(video, new Event("loadeddata"));
    expect(tile).toHaveAttribute("data-has-frame", "true");
    expect(screen.queryByText("AK")).toBeNull();
    expect(video).toHaveClass("visible");
    expect(frameSocket).not.toHaveBeenCalled();
  });

  it("mirrors our own camera, never a screen", async () => {
    await setup(
      new Map([
        ["local:camera", fakeStream("c")],
        ["local:screen", fakeStream("s")],
      ]),
    );
    renderWith(VideoTile, h, { track: "local:camera", name: "Amina", self: true });
    renderWith(VideoTile, h, {
      track: "local:screen",
      name: "Your screen",
      kind: "screen",
      self: true,
    });
    await settle();
    const camera = screen.getByRole("figure", { name: "Amina (you)" }).querySelector("video");
    const shared = screen.getByRole("figure", { name: "Your screen" }).querySelector("video");
    expect(camera).toHaveClass("mirror");
    expect(shared).not.toHaveClass("mirror");
  });

  it("shows initials while the backend has no stream, and the video once it has", async () => {
    const streams = new Map<TrackId, MediaStream>();
    const { frameSocket } = await setup(streams);
    renderWith(VideoTile, h, { track: "p2:video", name: "Nurse Bilal" });
    await settle();
    const tile = screen.getByRole("figure", { name: "Nurse Bilal" });
    expect(tile.querySelector("video")).toBeNull();
    expect(screen.getByText("NB")).toBeInTheDocument();
    streams.set("p2:video", fakeStream("p2:video"));
    h.mock.emit("mediaEvent", { type: "trackStarted", track: "p2:video" } as never);
    await settle();
    expect(tile.querySelector('video[data-track="p2:video"]')).not.toBeNull();
    expect(frameSocket).not.toHaveBeenCalled();
  });

  it("drops the video when the camera goes off", async () => {
    await setup(new Map([["p7:video", fakeStream("p7:video")]]));
    const view = renderWith(VideoTile, h, { track: "p7:video", name: "Dr. Ayesha Khan" });
    await settle();
    const video = document.querySelector("video") as HTMLVideoElement;
    await view.rerender({ track: null, name: "Dr. Ayesha Khan" });
    await settle();
    expect(document.querySelector("video")).toBeNull();
    expect(video.srcObject).toBeNull();
    expect(screen.getByText("AK")).toBeInTheDocument();
  });
});
