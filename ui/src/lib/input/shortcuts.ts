// Keyboard shortcuts in a call (listed in the help panel and docs/ui.md).

export type ShortcutAction = "toggleMic" | "toggleCamera" | "leave" | "help" | "close";

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

export function isMacPlatform(platform: string = globalThis.navigator?.platform ?? ""): boolean {
  return /mac|iphone|ipad/i.test(platform);
}

function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** What a key press asks for, or null. Ctrl on Linux/Windows, Cmd on macOS. */
export function matchShortcut(e: KeyLike, mac: boolean): ShortcutAction | null {
  const mod = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && !e.altKey) {
    if (!e.shiftKey && key === "d") return "toggleMic";
    if (!e.shiftKey && key === "e") return "toggleCamera";
    if (e.shiftKey && key === "l") return "leave";
  }
  if (e.key === "Escape") return "close";
  if (e.key === "?" && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) return "help";
  return null;
}

export interface ShortcutDoc {
  keys: string[];
  action: ShortcutAction;
}

export function shortcutList(mac: boolean): ShortcutDoc[] {
  const mod = mac ? "⌘" : "Ctrl";
  return [
    { keys: [mod, "D"], action: "toggleMic" },
    { keys: [mod, "E"], action: "toggleCamera" },
    { keys: [mod, "Shift", "L"], action: "leave" },
    { keys: ["?"], action: "help" },
    { keys: ["Esc"], action: "close" },
  ];
}
