// How to lay out N video tiles in a box: the column count that makes each 16:9 tile as large
// as possible. Pure, so the re-flow on resize is tested without a browser.

export interface GridFit {
  columns: number;
  rows: number;
  /** CSS pixels, rounded down. */
  tileWidth: number;
  tileHeight: number;
}

export interface GridOptions {
  /** Width / height of one tile. */
  aspect?: number;
  /** Space between tiles, CSS pixels. */
  gap?: number;
}

export function fitGrid(
  count: number,
  width: number,
  height: number,
  opts: GridOptions = {},
): GridFit {
  const aspect = opts.aspect ?? 16 / 9;
  const gap = opts.gap ?? 8;
  if (count <= 0 || width <= 0 || height <= 0)
    return { columns: 0, rows: 0, tileWidth: 0, tileHeight: 0 };
  let best: GridFit = { columns: 1, rows: count, tileWidth: 0, tileHeight: 0 };
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    // A layout whose last column would be empty is the same as one column fewer.
    if ((columns - 1) * rows >= count) continue;
    const cellWidth = (width - gap * (columns - 1)) / columns;
    const cellHeight = (height - gap * (rows - 1)) / rows;
    if (cellWidth <= 0 || cellHeight <= 0) continue;
    const tileWidth = Math.min(cellWidth, cellHeight * aspect);
    if (tileWidth > best.tileWidth + 0.5) {
      best = { columns, rows, tileWidth, tileHeight: tileWidth / aspect };
    }
  }
  return {
    ...best,
    tileWidth: Math.floor(best.tileWidth),
    tileHeight: Math.floor(best.tileHeight),
  };
}

/** The tile size in device pixels for a frame subscription (rounded to even numbers). */
export function devicePixels(
  cssWidth: number,
  cssHeight: number,
  ratio: number,
): { width: number; height: number } {
  const even = (n: number) => Math.max(0, Math.round((n * ratio) / 2) * 2);
  return { width: even(cssWidth), height: even(cssHeight) };
}
