import { screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { FakeResizeObserver } from "../../test/fakeResizeObserver";
import { renderWith, settle, startApp, type Harness } from "../../test/render";
import type { TileModel } from "./tiles";
import VideoGrid from "./VideoGrid.svelte";

const tiles = (n: number): TileModel[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    owner: `p${i}`,
    kind: "camera",
    track: null,
    name: `Site ${i + 1}`,
    self: i === 0,
    muted: false,
    quality: "good",
    speaking: false,
    handRaised: false,
    presenting: false,
  }));

describe("the video grid", () => {
  let h: Harness;
  afterEach(() => h?.mock.dispose());

  async function grid(n: number) {
    h = await startApp();
    const view = renderWith(VideoGrid, h, {
      tiles: tiles(n),
      layout: "grid",
      pinned: null,
      activeSpeaker: null,
      onpin: () => {},
    });
    const list = screen.getByRole("list", { name: "Participants' video" });
    const box = list.parentElement as HTMLElement;
    return { view, list, box };
  }

  it("re-flows six tiles from 3 × 2 to 2 × 3 when the window narrows", async () => {
    const { list, box } = await grid(6);
    FakeResizeObserver.resize(box, 1920, 1080);
    await settle(1);
    expect(list.dataset.columns).toBe("3");
    expect(list.dataset.rows).toBe("2");
    const first = list.querySelector("li") as HTMLElement;
    expect(first.style.inlineSize).toBe("634px");
    FakeResizeObserver.resize(box, 700, 1080);
    await settle(1);
    expect(list.dataset.columns).toBe("2");
    expect(list.dataset.rows).toBe("3");
  });

  it("fits twenty command-centre sites on one screen", async () => {
    const { list, box } = await grid(20);
    FakeResizeObserver.resize(box, 1920, 1080);
    await settle(1);
    expect(screen.getAllByRole("figure")).toHaveLength(20);
    expect([list.dataset.columns, list.dataset.rows]).toEqual(["5", "4"]);
  });

  it("gives a lone participant the whole stage", async () => {
    const { list, box } = await grid(1);
    FakeResizeObserver.resize(box, 1600, 900);
    await settle(1);
    expect((list.querySelector("li") as HTMLElement).style.blockSize).toBe("900px");
  });

  it("shows names as text even when they look like markup", async () => {
    h = await startApp();
    const evil: TileModel = {
      ...(tiles(1)[0] as TileModel),
      self: false,
      name: "<img src=x onerror=alert(1)>",
    };
    renderWith(VideoGrid, h, {
      tiles: [evil],
      layout: "grid",
      pinned: null,
      activeSpeaker: null,
      onpin: () => {},
    });
    expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(document.querySelector("img")).toBeNull();
  });
});
