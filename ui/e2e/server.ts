// A tiny static server for the built UI on 127.0.0.1, with the strict CSP the Tauri window will
// have (no inline scripts, no eval, no inline style attributes), so a violation fails the tests.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The browser client as mulaqat-server serves it (`/join`, issue 17): its CSP, with no
 * `unsafe-inline` anywhere, nothing from elsewhere, and camera and microphone for the page.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export async function serveDist(
  dir: string,
  opts: {
    base?: string;
    csp?: string;
    /** Fixed JSON answers outside `base` (`/.well-known/mulaqat`, as the real server has). */
    json?: Record<string, unknown>;
  } = {},
): Promise<StaticServer> {
  const root = resolve(dir);
  const base = opts.base ?? "/";
  const csp = opts.csp ?? CSP;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const full = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const fixed = opts.json?.[full];
      if (fixed !== undefined) {
        res.writeHead(200, { "Content-Type": TYPES[".json"] ?? "", "Cache-Control": "no-store" });
        res.end(JSON.stringify(fixed));
        return;
      }
      const path =
        full === base.replace(/\/$/, "")
          ? "/"
          : full.startsWith(base)
            ? full.slice(base.length - 1)
            : null;
      if (path === null) {
        res.writeHead(404).end();
        return;
      }
      let file = normalize(join(root, path));
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      } catch {
        file = join(root, "index.html"); // single-page app
      }
      try {
        await stat(file);
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Content-Security-Policy": csp,
        "Cache-Control": "no-store",
      });
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
