// The offer rule against the vectors crates/client checks too (crates/protocol/tests/golden/
// initiator.json), so the browser and the desktop app cannot disagree about who offers.
import { describe, expect, it } from "vitest";
import vectors from "../../../../../crates/protocol/tests/golden/initiator.json";
import { initiates } from "./mesh";

describe("initiates", () => {
  it("agrees with every shared vector", () => {
    expect(vectors.cases.length).toBeGreaterThan(10);
    for (const c of vectors.cases) {
      expect(initiates(c.me, c.them), `${c.me.id} → ${c.them.id}`).toBe(c.initiates);
    }
  });

  it("makes exactly one side of every distinct pair offer", () => {
    for (const c of vectors.cases) {
      if (c.me.id === c.them.id && c.me.joinOrder === c.them.joinOrder) continue;
      expect(initiates(c.me, c.them)).toBe(!initiates(c.them, c.me));
    }
  });
});
