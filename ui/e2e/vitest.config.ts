// Browser tests: the built UI (dist/) on a static server with a strict CSP, mocked IPC, driven
// by playwright-core in Debian's Chromium. Run with `npm run e2e` (it builds first).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One browser, one file at a time: this machine has two cores.
    fileParallelism: false,
  },
});
