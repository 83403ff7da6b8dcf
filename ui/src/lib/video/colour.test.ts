import { describe, expect, it } from "vitest";
import {
  CB_TO_B,
  CB_TO_G,
  CR_TO_G,
  CR_TO_R,
  FRAGMENT_SHADER,
  nv12ToRgba,
  yuvToRgb,
} from "./colour";

describe("BT.709 limited range", () => {
  it("has the standard coefficients", () => {
    expect(CR_TO_R).toBeCloseTo(1.5748, 4);
    expect(CB_TO_B).toBeCloseTo(1.8556, 4);
    expect(CB_TO_G).toBeCloseTo(0.1873, 4);
    expect(CR_TO_G).toBeCloseTo(0.4681, 4);
  });

  it("maps video black and white to full black and white", () => {
    expect(yuvToRgb(16, 128, 128)).toEqual([0, 0, 0]);
    expect(yuvToRgb(235, 128, 128)).toEqual([255, 255, 255]);
    expect(yuvToRgb(126, 128, 128)).toEqual([128, 128, 128]);
  });

  it("maps BT.709 colour bars back to their RGB, within rounding", () => {
    const near = (got: number[], want: number[]) =>
      got.forEach((v, i) => expect(Math.abs(v - (want[i] ?? 0))).toBeLessThanOrEqual(3));
    // 100% red, green and blue as 8-bit BT.709 limited-range Y'CbCr.
    near(yuvToRgb(63, 102, 240), [255, 0, 0]);
    near(yuvToRgb(173, 42, 26), [0, 255, 0]);
    near(yuvToRgb(32, 240, 118), [0, 0, 255]);
  });

  it("clamps out-of-range values", () => {
    expect(yuvToRgb(0, 128, 128)).toEqual([0, 0, 0]);
    expect(yuvToRgb(255, 128, 128)).toEqual([255, 255, 255]);
  });
});

describe("nv12ToRgba", () => {
  it("shares one UV pair among each 2×2 block", () => {
    // 4×2 picture: left block grey, right block red-ish.
    const y = new Uint8Array([126, 126, 63, 63, 126, 126, 63, 63]);
    const uv = new Uint8Array([128, 128, 102, 240]);
    const rgba = nv12ToRgba(4, 2, y, uv);
    const px = (i: number) => [...rgba.slice(i * 4, i * 4 + 4)];
    expect(px(0)).toEqual([128, 128, 128, 255]);
    expect(px(5)).toEqual([128, 128, 128, 255]);
    expect(px(2)[0]).toBeGreaterThan(250);
    expect(px(7)).toEqual(px(2));
  });
});

describe("fragment shader", () => {
  it("uses the same constants as the reference conversion", () => {
    expect(FRAGMENT_SHADER).toContain("#version 300 es");
    expect(FRAGMENT_SHADER).toContain(CR_TO_R.toFixed(6));
    expect(FRAGMENT_SHADER).toContain(CB_TO_B.toFixed(6));
    expect(FRAGMENT_SHADER).toContain("16.000000");
    expect(FRAGMENT_SHADER).toContain("219.000000");
    expect(FRAGMENT_SHADER).toContain("224.000000");
  });
});
