// The browser-guest bench (`npm run bench:guest`): see live/guest.bench.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["live/**/*.bench.ts"],
    environment: "node",
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
