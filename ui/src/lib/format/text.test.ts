import { describe, expect, it } from "vitest";
import {
  checkChatText,
  checkDisplayName,
  initials,
  looksLikeJoinLink,
  looksLikeRoomCode,
} from "./text";

describe("text checks (as the server makes them)", () => {
  it("accepts names in English and Urdu, refuses empty, long and direction tricks", () => {
    expect(checkDisplayName("  Dr. Ayesha Khan ")).toBeNull();
    expect(checkDisplayName("ڈاکٹر عائشہ")).toBeNull();
    expect(checkDisplayName("   ")).toBe("empty");
    expect(checkDisplayName("x".repeat(65))).toBe("tooLong");
    expect(checkDisplayName("evil\u202Egnp.exe")).toBe("badCharacter");
    expect(checkDisplayName("tab\there")).toBe("badCharacter");
  });

  it("lets chat have newlines and tabs", () => {
    expect(checkChatText("line one\nline\ttwo")).toBeNull();
    expect(checkChatText("bell\u0007")).toBe("badCharacter");
    expect(checkChatText("y".repeat(4001))).toBe("tooLong");
  });

  it("makes initials, skipping titles", () => {
    expect(initials("Dr. Ayesha Khan")).toBe("AK");
    expect(initials("Bilal")).toBe("B");
    expect(initials("ڈاکٹر عائشہ خان")).toBe("ڈخ");
  });

  it("recognises join links and room codes", () => {
    expect(looksLikeJoinLink("mulaqat://join?server=ws%3A%2F%2Fh&token=mq1.a.b")).toBe(true);
    expect(looksLikeJoinLink("mulaqat://join?server=ws%3A%2F%2Fh")).toBe(false);
    expect(looksLikeJoinLink("https://example.org")).toBe(false);
    expect(looksLikeRoomCode("ward-7.visits_2")).toBe(true);
    expect(looksLikeRoomCode("two words")).toBe(false);
  });
});
