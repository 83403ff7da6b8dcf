import { screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FrameSocketLike } from "../../lib/ipc/contract";
import { FakeResizeObserver } from "../../test/fakeResizeObserver";
import { renderWith, startApp, until, type Harness } from "../../test/render";
import VideoTile from "./VideoTile.svelte";

describe("a video tile", () => {
  let h: Harness;
  afterEach(() => {
    h?.app.stop();
    h?.mock.dispose();
  });

  async function setup() {
    h = await startApp();
    const sent: unknown[] = [];
    const open = h.mock.openFrameSocket.bind(h.mock);
    const urls: string[] = [];
    vi.spyOn(h.mock, "openFrameSocket").mockImplementation((url: string): FrameSocketLike => {
      urls.push(url);
      const socket = open(url);
      const send = socket.send.bind(socket);
      socket.send = (data: string) => {
        sent.push(JSON.parse(data));
        send(data);
      };
      return socket;
    });
    return { sent, urls };
  }

  it("subscribes with its device-pixel size over the window's one socket, resubscribes on resize, unsubscribes on destroy", async () => {
    const { sent, urls } = await setup();
    vi.stubGlobal("devicePixelRatio", 2);
    const view = renderWith(VideoTile, h, { track: "p7:video", name: "Dr. Ayesha Khan" });
    const tile = screen.getByRole("figure", { name: "Dr. Ayesha Khan" });
    await until(() => sent.length > 0);
    expect(urls).toEqual([
      "ws://127.0.0.1:9/?token=mock-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ]);
    expect(sent[0]).toEqual({
      type: "subscribe",
      track: "p7:video",
      width: 0,
      height: 0,
      maxInFlight: 2,
    }); // jsdom lays out nothing

    FakeResizeObserver.resize(tile, 160, 90);
    FakeResizeObserver.resize(tile, 320, 180); // CSS pixels; × devicePixelRatio 2
    await until(() => sent.length > 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent.slice(1)).toEqual([
      { type: "subscribe", track: "p7:video", width: 640, height: 360, maxInFlight: 2 },
    ]);

    view.unmount();
    await until(() => sent.length > 2);
    expect(sent[2]).toEqual({ type: "unsubscribe", track: "p7:video" });
    expect(FakeResizeObserver.observing(tile)).toBe(false);
    vi.unstubAllGlobals();
  });

  it("shares one socket between tiles", async () => {
    const { urls, sent } = await setup();
    renderWith(VideoTile, h, { track: "a:video", name: "A" });
    renderWith(VideoTile, h, { track: "b:video", name: "B" });
    await until(() => sent.length >= 2);
    expect(urls).toHaveLength(1);
  });

  it("shows initials and no subscription when video is off", async () => {
    const { sent } = await setup();
    renderWith(VideoTile, h, { track: null, name: "Dr. Ayesha Khan", muted: true });
    expect(screen.getByText("AK")).toBeInTheDocument();
    expect(screen.getByText("Microphone off")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([]);
  });

  it("labels our own tile and offers pinning as a toggle", async () => {
    await setup();
    const onpin = vi.fn();
    renderWith(VideoTile, h, { track: null, name: "Dr. Test", self: true, pinned: true, onpin });
    expect(screen.getByRole("figure", { name: "Dr. Test (you)" })).toBeInTheDocument();
    const pin = screen.getByRole("button", { name: "Unpin Dr. Test" });
    expect(pin).toHaveAttribute("aria-pressed", "true");
    pin.click();
    expect(onpin).toHaveBeenCalled();
  });

  it("labels our own screen as it is, unmirrored, with a screen symbol until it draws", async () => {
    const { sent } = await setup();
    const onpin = vi.fn();
    renderWith(VideoTile, h, {
      track: "local:screen",
      name: "Your screen",
      kind: "screen",
      self: true,
      presenting: true,
      onpin,
    });
    const tile = screen.getByRole("figure", { name: "Your screen" });
    expect(tile).toHaveAttribute("data-kind", "screen");
    expect(tile.querySelector("canvas")).not.toHaveClass("mirror");
    expect(tile.querySelector(".avatar svg")).not.toBeNull();
    expect(screen.queryByText("YS")).toBeNull();
    expect(screen.getByText("Presenting")).toBeInTheDocument();
    screen.getByRole("button", { name: "Pin Your screen" }).click();
    expect(onpin).toHaveBeenCalled();
    await until(() => sent.length > 0);
    expect(sent[0]).toMatchObject({ type: "subscribe", track: "local:screen" });
  });
});
