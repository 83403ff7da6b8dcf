// Checks over the source itself (Node types: see tsconfig.node.json).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("the source", () => {
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
  }

  it("never renders HTML from strings: no {@html}, innerHTML or inline handlers", () => {
    const src = files(join(import.meta.dirname)).filter(
      (f) => /\.(svelte|ts)$/.test(f) && !f.endsWith(".test.ts"),
    );
    for (const f of src) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/\{@html/);
      expect(text, f).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|new Function\(|\beval\(/);
    }
    const index = readFileSync(join(import.meta.dirname, "..", "index.html"), "utf8");
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/\son[a-z]+=/);
  });
});
