// The same checks the server makes on text people type (crates/protocol/src/text.rs), so the UI
// can say what is wrong before sending.

export const MAX_DISPLAY_NAME_CHARS = 64;
export const MAX_CHAT_CHARS = 4000;

export type TextProblem = "empty" | "tooLong" | "badCharacter";

const isDirectionOverride = (c: number) =>
  (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

function check(raw: string, max: number, allowNewlines: boolean): TextProblem | null {
  const text = raw.trim();
  if (text.length === 0) return "empty";
  if ([...text].length > max) return "tooLong";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (isDirectionOverride(c)) return "badCharacter";
    if (isControl(c) && !(allowNewlines && (ch === "\n" || ch === "\t"))) return "badCharacter";
  }
  return null;
}

export function checkDisplayName(raw: string): TextProblem | null {
  return check(raw, MAX_DISPLAY_NAME_CHARS, false);
}

export function checkChatText(raw: string): TextProblem | null {
  return check(raw, MAX_CHAT_CHARS, true);
}

/** Up to two initials for an avatar ("Dr. Ayesha Khan" → "AK"; titles are skipped). */
export function initials(name: string): string {
  const titles = new Set([
    "dr",
    "dr.",
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "sr.",
    "prof",
    "prof.",
  ]);
  const words = name
    .trim()
    .split(/\s+/)
    .filter((w) => w && !titles.has(w.toLowerCase()));
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return picked
    .map((w) => [...(w ?? "")][0] ?? "")
    .join("")
    .toLocaleUpperCase();
}

/** `mulaqat://join?server=...&token=...` (the Rust side parses it for real: crates/client/src/link.rs). */
export function looksLikeJoinLink(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith("mulaqat://join?")) return false;
  const q = new URLSearchParams(t.slice("mulaqat://join?".length));
  return Boolean(q.get("server")) && Boolean(q.get("token"));
}

/** Room codes are room ids: 1–64 of `A-Z a-z 0-9 . _ -`. */
export function looksLikeRoomCode(text: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(text.trim());
}
