// QR codes of join links, for a phone's camera (the desktop invite, issue 17): the matrix from
// `qrcode-generator` (MIT, no dependencies) and an SVG built with DOM calls, never from markup.
// Loaded with a dynamic import, so only the desktop app's pages that show a code fetch it.

import qrcode from "qrcode-generator";

export type QrLevel = "L" | "M" | "Q" | "H";

export interface QrCode {
  /** Modules per side (21 for version 1, 4 more per version). */
  size: number;
  /** The QR version, 1 to 40. */
  version: number;
  /** `rows[y][x]`: the module is dark. */
  rows: boolean[][];
}

/** The text as the bytes QR byte mode carries: UTF-8, one character per byte. */
function utf8Bytes(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

/** The smallest QR code holding `text` at this error correction level (M: 15 % damage). */
export function qrCode(text: string, level: QrLevel = "M"): QrCode {
  const qr = qrcode(0, level);
  qr.addData(utf8Bytes(text), "Byte");
  qr.make();
  const size = qr.getModuleCount();
  const rows = Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => qr.isDark(y, x)),
  );
  return { size, version: (size - 17) / 4, rows };
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * The code as an `<svg>`: one path of dark squares on white with the 4-module quiet zone the
 * standard asks for, scaled by CSS. Dark on white in both colour schemes (scanners need it).
 */
export function qrSvg(doc: Document, code: QrCode, title: string, margin = 4): SVGSVGElement {
  const side = code.size + 2 * margin;
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${side} ${side}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  svg.setAttribute("data-modules", String(code.size));
  const name = doc.createElementNS(SVG, "title");
  name.textContent = title;
  svg.append(name);
  const background = doc.createElementNS(SVG, "rect");
  background.setAttribute("width", String(side));
  background.setAttribute("height", String(side));
  background.setAttribute("fill", "#fff");
  svg.append(background);
  let d = "";
  code.rows.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x + margin} ${y + margin}h1v1h-1z`;
    }),
  );
  const path = doc.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(path);
  return svg;
}
