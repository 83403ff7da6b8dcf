import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { qrCode, qrSvg, type QrCode } from "./qr";

const LINK =
  "https://meet.hospital.example/join#t=mq1.eyJyb29tIjoid2FyZC03Iiwicm9sZSI6Imd1ZXN0IiwiZXhwIjoxNzY1MTI0MDAwfQ.Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";

/** The code as an RGBA picture (4 px a module, white quiet zone), as a camera would see it. */
function picture(code: QrCode, scale = 4, margin = 4) {
  const side = (code.size + 2 * margin) * scale;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  code.rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + margin) * scale + dy) * side + (x + margin) * scale + dx) * 4;
          data[i] = data[i + 1] = data[i + 2] = 0;
        }
    }),
  );
  return { data, side };
}

describe("QR codes of browser links", () => {
  it("decode back to the link (read with jsQR, as a phone's camera would)", () => {
    const code = qrCode(LINK);
    const { data, side } = picture(code);
    expect(jsQR(data, side, side)?.data).toBe(LINK);
  });

  it("use the smallest version that holds the link, with a square matrix of its size", () => {
    const code = qrCode(LINK);
    expect(code.size).toBe(17 + 4 * code.version);
    expect(code.rows).toHaveLength(code.size);
    expect(code.rows.every((r) => r.length === code.size)).toBe(true);
    // 138 bytes at level M: version 7 holds 122, version 8 holds 152.
    expect(LINK.length).toBe(138);
    expect(code.version).toBe(8);
    expect(qrCode("https://x.example/join#t=a").version).toBe(2);
  });

  it("are the same for the same link and differ for another", () => {
    expect(qrCode(LINK).rows).toEqual(qrCode(LINK).rows);
    expect(qrCode(LINK).rows).not.toEqual(qrCode(`${LINK.slice(0, -1)}1`).rows);
  });

  it("carry non-ASCII text as UTF-8", () => {
    const text = "https://meet.example/join#n=ملاقات";
    const { data, side } = picture(qrCode(text));
    expect(jsQR(data, side, side)?.data).toBe(text);
  });

  it("draw as an SVG built from DOM nodes, with a quiet zone and a title", () => {
    const code = qrCode(LINK);
    const svg = qrSvg(document, code, "QR code of the browser link");
    expect(svg.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(svg.getAttribute("viewBox")).toBe(`0 0 ${code.size + 8} ${code.size + 8}`);
    expect(svg.getAttribute("data-modules")).toBe(String(code.size));
    expect(svg.querySelector("title")?.textContent).toBe("QR code of the browser link");
    const dark = code.rows.flat().filter(Boolean).length;
    expect(svg.querySelector("path")?.getAttribute("d")?.match(/M/g)).toHaveLength(dark);
    // The first finder pattern's corner, after the 4-module margin.
    expect(svg.querySelector("path")?.getAttribute("d")).toMatch(/^M4 4h1v1h-1z/);
  });
});
