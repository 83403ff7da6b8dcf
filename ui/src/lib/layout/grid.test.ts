import { describe, expect, it } from "vitest";
import { devicePixels, fitGrid } from "./grid";

describe("fitGrid", () => {
  it("gives one tile the whole width of a 16:9 box", () => {
    expect(fitGrid(1, 1600, 900, { gap: 0 })).toEqual({
      columns: 1,
      rows: 1,
      tileWidth: 1600,
      tileHeight: 900,
    });
  });

  it("letterboxes one tile in a tall box by its width", () => {
    const fit = fitGrid(1, 400, 900, { gap: 0 });
    expect(fit).toMatchObject({ columns: 1, rows: 1, tileWidth: 400, tileHeight: 225 });
  });

  it("puts two tiles side by side in a wide box and stacked in a tall one", () => {
    expect(fitGrid(2, 1600, 600, { gap: 0 })).toMatchObject({ columns: 2, rows: 1 });
    expect(fitGrid(2, 600, 1000, { gap: 0 })).toMatchObject({ columns: 1, rows: 2 });
  });

  it("re-flows the same tiles when the window is resized", () => {
    const wide = fitGrid(6, 1920, 1080);
    const narrow = fitGrid(6, 700, 1080);
    expect(wide).toMatchObject({ columns: 3, rows: 2 });
    expect(narrow).toMatchObject({ columns: 2, rows: 3 });
  });

  it("fits 4 as 2 × 2 and 20 as 5 × 4 in a 16:9 window", () => {
    expect(fitGrid(4, 1600, 900)).toMatchObject({ columns: 2, rows: 2 });
    expect(fitGrid(20, 1920, 1080)).toMatchObject({ columns: 5, rows: 4 });
  });

  it("never overflows the box, gaps included, for 1 to 20 tiles", () => {
    for (const [w, h] of [
      [1280, 720],
      [800, 1200],
      [1920, 500],
      [333, 333],
    ] as const) {
      for (let n = 1; n <= 20; n++) {
        const gap = 8;
        const fit = fitGrid(n, w, h, { gap });
        expect(fit.columns * fit.rows).toBeGreaterThanOrEqual(n);
        expect(fit.columns * fit.tileWidth + gap * (fit.columns - 1)).toBeLessThanOrEqual(w);
        expect(fit.rows * fit.tileHeight + gap * (fit.rows - 1)).toBeLessThanOrEqual(h);
        expect(fit.tileWidth / Math.max(1, fit.tileHeight)).toBeCloseTo(16 / 9, 1);
      }
    }
  });

  it("picks the largest tile of all column counts", () => {
    const n = 7;
    const fit = fitGrid(n, 1400, 800, { gap: 0 });
    for (let c = 1; c <= n; c++) {
      const r = Math.ceil(n / c);
      const other = Math.min(1400 / c, (800 / r) * (16 / 9));
      expect(fit.tileWidth).toBeGreaterThanOrEqual(Math.floor(other));
    }
  });

  it("returns an empty grid for no tiles or no room", () => {
    expect(fitGrid(0, 1000, 1000).columns).toBe(0);
    expect(fitGrid(3, 0, 500).tileWidth).toBe(0);
  });
});

describe("devicePixels", () => {
  it("scales by the device pixel ratio and rounds to even sizes", () => {
    expect(devicePixels(320, 180, 2)).toEqual({ width: 640, height: 360 });
    expect(devicePixels(321, 181, 1.25)).toEqual({ width: 402, height: 226 });
  });
});
