// Join links for the browser client. The page is opened as `https://HOST/join#t=<token>`: the
// token is in the fragment, which browsers never send to the server (no access log, proxy or
// Referer sees it). It is moved into sessionStorage (a reload finds it; the tab's end forgets it)
// and the fragment is taken off the address bar. The app's screens open links of the desktop's
// form, `mulaqat://join?server=<ws url>&token=<token>` (crates/client/src/link.rs), so the
// backend hands them one of those. Never log or show a token.

import type { Role, RoomId } from "../../bindings/protocol";

/** What the page was opened with, kept for the tab. */
export interface PageLink {
  /** The join token (a secret). */
  token: string;
  /** `codec=vp8|h264` in the fragment: send and receive only this video codec (tests). */
  codec: ForcedCodec | null;
  /** `relay=1` in the fragment: media only through TURN relays. */
  relay: boolean;
}

export type ForcedCodec = "h264" | "vp8";

/** A parsed `mulaqat://join?...` link. */
export interface JoinLink {
  /** The signalling WebSocket URL (`ws(s)://host/ws`). */
  server: string;
  /** The join token (a secret). */
  token: string;
  /** The room the token names. */
  room: RoomId;
  /** The role the token grants. */
  role: Role;
}

const LINK_KEY = "mulaqat.browser.link";
const PREFIX = "mulaqat://join?";

function parseFragment(hash: string): PageLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("t");
  if (!token) return null;
  const codec = params.get("codec")?.toLowerCase();
  return {
    token,
    codec: codec === "vp8" || codec === "h264" ? codec : null,
    relay: params.get("relay") === "1",
  };
}

function stored(storage: Storage | null): PageLink | null {
  try {
    const raw = storage?.getItem(LINK_KEY);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<PageLink>;
    if (typeof v.token !== "string" || !v.token) return null;
    return { token: v.token, codec: v.codec ?? null, relay: v.relay === true };
  } catch {
    return null;
  }
}

function sessionStorageOf(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * The link the page was opened with: a `#t=` fragment is moved into sessionStorage and taken
 * off the address bar (`history.replaceState`); without one, the tab's stored link (a reload).
 * Null when the page was opened without a link.
 */
export function takePageLink(win: Window): PageLink | null {
  const storage = sessionStorageOf(win);
  const fresh = parseFragment(win.location.hash);
  if (fresh) {
    try {
      storage?.setItem(LINK_KEY, JSON.stringify(fresh));
    } catch {
      // Private modes may refuse storage: the link then lasts until a reload.
    }
    const { pathname, search } = win.location;
    win.history.replaceState(win.history.state, "", `${pathname}${search}`);
    return fresh;
  }
  return stored(storage);
}

/** The signalling URL of the server this page came from: `ws(s)://<host>/ws`. */
export function pageServer(win: Window): string {
  const scheme = win.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${win.location.host}/ws`;
}

/** The desktop form of a link: `mulaqat://join?server=<percent-encoded>&token=<token>`. */
export function joinLinkText(server: string, token: string): string {
  return `${PREFIX}server=${encodeURIComponent(server)}&token=${encodeURIComponent(token)}`;
}

function base64UrlDecode(text: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  try {
    const bytes = Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) =>
      c.charCodeAt(0),
    );
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** What a token says about itself (only the server can check its signature). */
export function tokenClaims(token: string): { room: RoomId; role: Role } | null {
  const part = token.split(".")[1];
  const json = part === undefined ? null : base64UrlDecode(part);
  if (json === null) return null;
  try {
    const claims = JSON.parse(json) as { room?: unknown; role?: unknown };
    const { room, role } = claims;
    if (typeof room !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(room)) return null;
    if (role !== "host" && role !== "guest") return null;
    return { room, role };
  } catch {
    return null;
  }
}

/** Why a link cannot be used, in English (the UI says it in the person's language). */
export type LinkProblem = "notAJoinLink" | "noServer" | "noToken" | "badToken";

/** Parses a `mulaqat://join?server=...&token=...` link as `JoinLink::parse` does. */
export function parseJoinLink(text: string): JoinLink | LinkProblem {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX)) return "notAJoinLink";
  const query = new URLSearchParams(trimmed.slice(PREFIX.length));
  const server = query.get("server");
  const token = query.get("token");
  if (!server) return "noServer";
  if (!token) return "noToken";
  const claims = tokenClaims(token);
  if (!claims) return "badToken";
  return { server: websocketUrl(server), token, ...claims };
}

/** The WebSocket URL to connect to: `/ws` on the server. */
export function websocketUrl(server: string): string {
  const base = server.replace(/\/+$/, "");
  return base.endsWith("/ws") ? base : `${base}/ws`;
}

export const LINK_PROBLEM_TEXT: Record<LinkProblem, string> = {
  notAJoinLink: "this is not a Mulaqat join link (it should start with mulaqat://join?)",
  noServer: "the join link is incomplete: it has no server; copy the whole link again",
  noToken: "the join link is incomplete: it has no token; copy the whole link again",
  badToken: "the join link's token is damaged; copy the whole link again",
};
