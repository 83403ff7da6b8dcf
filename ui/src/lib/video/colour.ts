// NV12 (video range, BT.709) to RGB. The WebGL2 shader and the Canvas 2D fallback share these
// numbers; `yuvToRgb` is the reference the tests check.

/** BT.709 luma weights. */
export const KR = 0.2126;
export const KB = 0.0722;
export const KG = 1 - KR - KB;

/** Limited ("video") range: Y in 16..235, Cb/Cr in 16..240 around 128. */
export const Y_OFFSET = 16;
export const Y_RANGE = 219;
export const C_OFFSET = 128;
export const C_RANGE = 224;

export const CR_TO_R = 2 * (1 - KR); // 1.5748
export const CB_TO_B = 2 * (1 - KB); // 1.8556
export const CB_TO_G = (2 * KB * (1 - KB)) / KG; // 0.1873
export const CR_TO_G = (2 * KR * (1 - KR)) / KG; // 0.4681

const clamp255 = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));

/** One pixel: 8-bit Y, U (Cb), V (Cr) → 8-bit R, G, B. */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const yn = (y - Y_OFFSET) / Y_RANGE;
  const cb = (u - C_OFFSET) / C_RANGE;
  const cr = (v - C_OFFSET) / C_RANGE;
  return [
    clamp255(yn + CR_TO_R * cr),
    clamp255(yn - CB_TO_G * cb - CR_TO_G * cr),
    clamp255(yn + CB_TO_B * cb),
  ];
}

/** A whole NV12 picture into RGBA (for the Canvas 2D fallback when WebGL2 is missing). */
export function nv12ToRgba(
  width: number,
  height: number,
  yPlane: Uint8Array,
  uvPlane: Uint8Array,
  out: Uint8ClampedArray = new Uint8ClampedArray(width * height * 4),
): Uint8ClampedArray {
  for (let row = 0; row < height; row++) {
    const uvRow = (row >> 1) * width;
    for (let col = 0; col < width; col++) {
      const uvIndex = uvRow + (col & ~1);
      const [r, g, b] = yuvToRgb(
        yPlane[row * width + col] ?? 0,
        uvPlane[uvIndex] ?? 128,
        uvPlane[uvIndex + 1] ?? 128,
      );
      const o = (row * width + col) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
  return out;
}

const f = (n: number) => n.toFixed(6);

/**
 * The fragment shader: samples the Y (R8) and UV (RG8) textures and converts. The picture may
 * fill only the top-left of the textures; `uUvMax` keeps chroma samples inside it (as
 * CLAMP_TO_EDGE would at the texture's edge).
 */
export const FRAGMENT_SHADER = `#version 300 es
precision mediump float;
uniform sampler2D uY;
uniform sampler2D uUV;
uniform vec2 uUvMax;
in vec2 vTex;
out vec4 outColor;
void main() {
  float y = (texture(uY, vTex).r * 255.0 - ${f(Y_OFFSET)}) / ${f(Y_RANGE)};
  vec2 c = (texture(uUV, min(vTex, uUvMax)).rg * 255.0 - ${f(C_OFFSET)}) / ${f(C_RANGE)};
  vec3 rgb = vec3(
    y + ${f(CR_TO_R)} * c.y,
    y - ${f(CB_TO_G)} * c.x - ${f(CR_TO_G)} * c.y,
    y + ${f(CB_TO_B)} * c.x);
  outColor = vec4(clamp(rgb, 0.0, 1.0), 1.0);
}
`;

/**
 * Two triangles covering the viewport; texture row 0 (the picture's top) at the top. `uScale` is
 * the share of the textures the picture fills (from their top-left corner).
 */
export const VERTEX_SHADER = `#version 300 es
in vec2 aPos;
uniform vec2 uScale;
out vec2 vTex;
void main() {
  vTex = vec2((aPos.x + 1.0) * 0.5, (1.0 - aPos.y) * 0.5) * uScale;
  gl_Position = vec4(aPos, 0.0, 1.0);
}
`;
