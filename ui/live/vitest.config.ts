// Live browser tests: the web client served by a real mulaqat-server (inside `mulaqat-cli host`),
// in Debian's Chromium with fake media, in calls with real `mulaqat-cli` participants. Run with
// `npm run live` after `cargo build` (scripts/test.sh runs them after `cargo test`).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["live/**/*.live.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Calls and browsers one at a time: this machine has two cores.
    fileParallelism: false,
  },
});
