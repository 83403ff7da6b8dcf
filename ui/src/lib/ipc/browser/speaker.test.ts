// The active speaker rules of crates/app/src/speaker.rs, with its own test cases.
import { describe, expect, it } from "vitest";
import { SpeakerTracker } from "./speaker";

describe("SpeakerTracker", () => {
  it("highlights the loudest talker and keeps them through a short pause", () => {
    const t = new SpeakerTracker();
    expect(t.update("p-2", 0.0001, 0)).toBeNull();
    expect(t.update("p-2", 0.2, 100)).toEqual({ participant: "p-2" });
    for (let i = 0; i < 10; i++) {
      expect(t.update("p-3", 0.05, 200 + i * 100)).toBeNull();
      t.update("p-2", 0.2, 250 + i * 100);
    }
    expect(t.update("p-2", 0, 1300)).toBeNull();
    let changed = null;
    for (let i = 0; i < 20 && !changed; i++) {
      changed = t.update("p-2", 0, 1400 + i * 100) ?? t.update("p-3", 0.3, 1450 + i * 100);
    }
    expect(changed).toEqual({ participant: "p-3" });
  });

  it("counts the SFU's talking until it says they stopped", () => {
    const t = new SpeakerTracker();
    expect(t.talking("p-7", true, 0)).toEqual({ participant: "p-7" });
    expect(t.talking("p-7", true, 100)).toBeNull();
    expect(t.talking("p-7", false, 2000)).toEqual({ participant: null });
  });

  it("clears the highlight when the speaker leaves, and treats bad levels as silence", () => {
    const t = new SpeakerTracker();
    t.update("p-4", 0.3, 0);
    expect(t.remove("p-4")).toEqual({ participant: null });
    expect(t.update("p-5", Number.NaN, 100)).toBeNull();
  });
});
