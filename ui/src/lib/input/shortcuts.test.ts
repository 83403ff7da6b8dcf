import { describe, expect, it } from "vitest";
import { matchShortcut, shortcutList, type KeyLike } from "./shortcuts";

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  target: null,
  ...mods,
});

describe("matchShortcut", () => {
  it("uses Ctrl on Linux and Windows", () => {
    expect(matchShortcut(key("d", { ctrlKey: true }), false)).toBe("toggleMic");
    expect(matchShortcut(key("e", { ctrlKey: true }), false)).toBe("toggleCamera");
    expect(matchShortcut(key("L", { ctrlKey: true, shiftKey: true }), false)).toBe("leave");
    expect(matchShortcut(key("d", { metaKey: true }), false)).toBeNull();
  });

  it("uses Cmd on macOS", () => {
    expect(matchShortcut(key("d", { metaKey: true }), true)).toBe("toggleMic");
    expect(matchShortcut(key("d", { ctrlKey: true }), true)).toBeNull();
  });

  it("does not leave on Ctrl+L without Shift, nor mute on Ctrl+Shift+D", () => {
    expect(matchShortcut(key("l", { ctrlKey: true }), false)).toBeNull();
    expect(matchShortcut(key("D", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });

  it("opens help with ? except while typing", () => {
    expect(matchShortcut(key("?", { shiftKey: true }), false)).toBe("help");
    const input = document.createElement("input");
    expect(matchShortcut(key("?", { shiftKey: true, target: input }), false)).toBeNull();
  });

  it("lists every action for the help panel", () => {
    expect(shortcutList(false).map((s) => s.keys.join("+"))).toEqual([
      "Ctrl+D",
      "Ctrl+E",
      "Ctrl+Shift+L",
      "?",
      "Esc",
    ]);
    expect(shortcutList(true)[0]?.keys).toEqual(["⌘", "D"]);
  });
});
