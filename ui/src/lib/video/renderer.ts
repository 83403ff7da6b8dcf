// Draws NV12 frames on a tile's canvas: converted by WebGL2 (two textures and a YUV→RGB shader,
// one context per window), or in JavaScript when WebGL2 is not available (slow, but it shows).

import { FRAGMENT_SHADER, VERTEX_SHADER, nv12ToRgba } from "./colour";
import type { Nv12Frame } from "./wire";

export interface FrameRenderer {
  readonly kind: "webgl2" | "canvas2d";
  draw(frame: Nv12Frame): void;
  destroy(): void;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error("cannot create shader");
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    const log = gl.getShaderInfoLog(shader);
    gl.deleteShader(shader);
    throw new Error(`shader: ${log ?? "unknown error"}`);
  }
  return shader;
}

function texture(gl: WebGL2RenderingContext): WebGLTexture {
  const tex = gl.createTexture();
  if (!tex) throw new Error("cannot create texture");
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return tex;
}

/**
 * One WebGL2 context per window converts every tile's frames (browsers allow only about 16
 * live contexts per page, fewer than a 20-site meeting has tiles). It draws into its own
 * canvas; each tile then copies the picture onto its 2D canvas in the same task.
 *
 * Tiles get frames of different sizes (a self-view and a remote video rarely match to the
 * pixel), so the canvas and the textures only grow, to the largest frame so far: each frame fills
 * their top-left corner. Resizing them for every frame would reallocate the drawing buffer and
 * both textures several times per painted frame.
 */
export class Nv12GlPipeline {
  readonly canvas: HTMLCanvasElement;
  private readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly yTex: WebGLTexture;
  private readonly uvTex: WebGLTexture;
  private readonly uScale: WebGLUniformLocation | null;
  private readonly uUvMax: WebGLUniformLocation | null;
  /** The canvas's and the textures' size: the largest frame's. */
  private width = 0;
  private height = 0;

  constructor(canvas: HTMLCanvasElement, gl: WebGL2RenderingContext) {
    this.canvas = canvas;
    this.gl = gl;
    const program = gl.createProgram();
    if (!program) throw new Error("cannot create program");
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT_SHADER));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`link: ${gl.getProgramInfoLog(program) ?? "unknown error"}`);
    }
    this.program = program;
    gl.useProgram(program);
    const buffer = gl.createBuffer();
    if (!buffer) throw new Error("cannot create buffer");
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const pos = gl.getAttribLocation(program, "aPos");
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, 0, 0);
    this.yTex = texture(gl);
    this.uvTex = texture(gl);
    gl.uniform1i(gl.getUniformLocation(program, "uY"), 0);
    gl.uniform1i(gl.getUniformLocation(program, "uUV"), 1);
    this.uScale = gl.getUniformLocation(program, "uScale");
    this.uUvMax = gl.getUniformLocation(program, "uUvMax");
    // Rows of odd widths are not 4-byte aligned.
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  }

  get lost(): boolean {
    return this.gl.isContextLost();
  }

  /**
   * Converts one frame; the result is in the top-left `frame.width × frame.height` of
   * `this.canvas` until the task ends.
   */
  render(frame: Nv12Frame): void {
    const { gl } = this;
    const w = frame.width;
    const h = frame.height;
    if (w > this.width || h > this.height) {
      this.width = Math.max(this.width, w);
      this.height = Math.max(this.height, h);
      this.canvas.width = this.width;
      this.canvas.height = this.height;
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, this.yTex);
      gl.texImage2D(
        gl.TEXTURE_2D,
        0,
        gl.R8,
        this.width,
        this.height,
        0,
        gl.RED,
        gl.UNSIGNED_BYTE,
        null,
      );
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, this.uvTex);
      gl.texImage2D(
        gl.TEXTURE_2D,
        0,
        gl.RG8,
        this.width / 2,
        this.height / 2,
        0,
        gl.RG,
        gl.UNSIGNED_BYTE,
        null,
      );
    }
    // GL counts rows from the bottom: the canvas's top rows are the viewport's.
    gl.viewport(0, this.height - h, w, h);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.yTex);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RED, gl.UNSIGNED_BYTE, frame.y);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.uvTex);
    const cw = w / 2;
    const ch = h / 2;
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, cw, ch, gl.RG, gl.UNSIGNED_BYTE, frame.uv);
    gl.useProgram(this.program);
    gl.uniform2f(this.uScale, w / this.width, h / this.height);
    // The centre of the picture's last chroma texel, as a texture coordinate.
    gl.uniform2f(this.uUvMax, (cw - 0.5) / (this.width / 2), (ch - 0.5) / (this.height / 2));
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}

let shared: Nv12GlPipeline | null | undefined;

/** The window's WebGL2 pipeline, made on first use (again if the GPU lost it); null without WebGL2. */
export function sharedPipeline(doc: Document = document): Nv12GlPipeline | null {
  if (shared && !shared.lost) return shared;
  if (shared === null) return null;
  try {
    const canvas = doc.createElement("canvas");
    const gl = canvas.getContext("webgl2", {
      alpha: false,
      antialias: false,
      preserveDrawingBuffer: false,
    });
    shared = gl ? new Nv12GlPipeline(canvas, gl) : null;
  } catch {
    shared = null;
  }
  return shared;
}

/** A tile drawn by the shared WebGL2 pipeline and copied onto the tile's 2D canvas. */
export class WebGl2Renderer implements FrameRenderer {
  readonly kind = "webgl2";

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly ctx: CanvasRenderingContext2D,
    private readonly pipeline: () => Nv12GlPipeline | null,
  ) {}

  draw(frame: Nv12Frame): void {
    const gl = this.pipeline();
    if (!gl) return;
    gl.render(frame);
    const { width, height } = frame;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.ctx.drawImage(gl.canvas, 0, 0, width, height, 0, 0, width, height);
  }

  destroy(): void {
    // The pipeline is shared; nothing of this tile's to free.
  }
}

export class Canvas2dRenderer implements FrameRenderer {
  readonly kind = "canvas2d";
  private image: ImageData | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly ctx: CanvasRenderingContext2D,
  ) {}

  draw(frame: Nv12Frame): void {
    if (!this.image || this.image.width !== frame.width || this.image.height !== frame.height) {
      this.canvas.width = frame.width;
      this.canvas.height = frame.height;
      this.image = this.ctx.createImageData(frame.width, frame.height);
    }
    nv12ToRgba(frame.width, frame.height, frame.y, frame.uv, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
  }

  destroy(): void {
    this.image = null;
  }
}

/** The best renderer for this tile's canvas, or null (jsdom, or no graphics at all). */
export function createRenderer(canvas: HTMLCanvasElement): FrameRenderer | null {
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext("2d", { alpha: false });
  } catch {
    // jsdom without the canvas package throws "not implemented"
  }
  if (!ctx) return null;
  if (sharedPipeline(canvas.ownerDocument)) {
    return new WebGl2Renderer(canvas, ctx, () => sharedPipeline(canvas.ownerDocument));
  }
  return new Canvas2dRenderer(canvas, ctx);
}
