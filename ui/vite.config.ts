/// <reference types="vitest/config" />
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vite";

// The UI is loaded by the Tauri webview from files (production) or from this dev server.
// No inline scripts are produced: the CSP in tauri.conf.json forbids them (and `unsafe-eval`).
//
// `vite build --mode web` (`npm run build:web`) builds the same UI as the browser client that
// mulaqat-server serves at `/join` (issue 17): into dist-web/, under `/join/`, without source
// maps, for current browsers on PCs and phones. `import.meta.env.MODE === "web"` picks the
// browser backend (src/lib/ipc/index.ts), so the mock and the Tauri API are left out.
export default defineConfig(({ mode }) => {
  const web = mode === "web";
  return {
    plugins: [svelte(), svelteTesting()],
    clearScreen: false,
    base: web ? "/join/" : "/",
    server: { host: "127.0.0.1", port: 5173, strictPort: true },
    preview: { host: "127.0.0.1", port: 4173, strictPort: true },
    build: {
      outDir: web ? "dist-web" : "dist",
      emptyOutDir: true,
      // Desktop: WebView2 (Chromium) on Windows, WebKitGTK on Linux, WKWebView on macOS.
      // Web: current Chrome/Edge, Firefox ESR, Safari on macOS and iOS.
      target: web
        ? ["es2022", "chrome110", "firefox115", "safari16"]
        : ["es2022", "chrome110", "safari16"],
      sourcemap: !web,
      assetsInlineLimit: 0,
      // The browser client's budget is checked by scripts/web-budget.mjs, not by this warning.
      reportCompressedSize: !web,
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.ts"],
      setupFiles: ["./src/test-setup.ts"],
      restoreMocks: true,
    },
  };
});
