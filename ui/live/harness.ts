// The live browser tests' harness: a real `mulaqat-cli host` (embedded mulaqat-server, which
// serves the web client at /join), real `mulaqat-cli station`/`join` participants, and Debian's
// Chromium with a fake camera and microphone opening the browser link. Nothing is mocked.
//
// The Rust binaries come from `cargo build` (scripts/test.sh runs these tests after
// `cargo test`, which builds them); MULAQAT_BIN_DIR points elsewhere.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const BIN_DIR =
  process.env.MULAQAT_BIN_DIR ?? resolve(import.meta.dirname, "..", "..", "target", "debug");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTEFACTS = join(import.meta.dirname, "..", "test-results", "live");

/** Polls `check` until it gives a value (not undefined/false/null) or `ms` pass. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      const why = last instanceof Error ? `: ${last.message}` : "";
      throw new Error(`waited ${ms} ms for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A child process whose output is kept, killed (with its group) by `stop`. */
export class Proc {
  readonly out: string[] = [];
  readonly child: ChildProcess;
  exited: number | null = null;

  constructor(
    readonly name: string,
    program: string,
    args: string[],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(program, args, {
      env: { ...process.env, RUST_LOG: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const keep = (chunk: Buffer) => this.out.push(...chunk.toString().split("\n"));
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.child.on("exit", (code) => (this.exited = code ?? -1));
  }

  line(prefix: string): string | undefined {
    return this.out.find((l) => l.startsWith(prefix))?.slice(prefix.length);
  }

  lines(prefix: string): string[] {
    return this.out.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  }

  async stop(): Promise<void> {
    if (this.exited !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGTERM");
    } catch {
      return;
    }
    await waitFor(`${this.name} to exit`, () => this.exited !== null, 10_000).catch(() => {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, "SIGKILL");
    });
  }

  /** The output so far, for a failing assertion's message. */
  tail(n = 30): string {
    return `${this.name}:\n${this.out.slice(-n).join("\n")}`;
  }
}

/** The links `mulaqat-cli host` prints. */
export interface HostLinks {
  host: string;
  guest: string;
  hostBrowser: string;
  guestBrowser: string;
  /** http://127.0.0.1:PORT */
  origin: string;
}

/** Starts `mulaqat-cli host` on a free loopback port and reads its links. */
export async function startHost(
  opts: { lobby?: boolean; ttl?: string } = {},
): Promise<[Proc, HostLinks]> {
  const args = ["host", "--listen", "127.0.0.1:0"];
  if (opts.lobby) args.push("--lobby");
  if (opts.ttl) args.push("--ttl", opts.ttl);
  const host = new Proc("host", join(BIN_DIR, "mulaqat-cli"), args);
  await waitFor(
    "the host's links",
    () => host.line("listening on ") ?? (host.exited !== null ? undefined : false),
    20_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${host.tail()}`);
  });
  const browser = host.lines("browser link: ");
  const links: HostLinks = {
    host: host.line("host link: ") ?? "",
    guest: host.line("guest link: ") ?? "",
    hostBrowser: browser[0] ?? "",
    guestBrowser: browser[1] ?? "",
    origin: new URL(browser[0] ?? "http://invalid").origin,
  };
  if (!links.host || !links.guest || !links.guestBrowser)
    throw new Error(`the host printed no links\n${host.tail()}`);
  return [host, links];
}

/** A `mulaqat-cli join`/`station` participant writing its stats to a JSON file. */
export class Cli extends Proc {
  readonly statsPath: string;

  /** `netns`: run inside that network namespace. */
  constructor(
    command: "join" | "station",
    link: string,
    name: string,
    extra: string[] = [],
    netns?: string,
  ) {
    const dir = mkdtempSync(join(tmpdir(), "mulaqat-live-"));
    const statsPath = join(dir, "stats.json");
    const cli = join(BIN_DIR, "mulaqat-cli");
    const args = [command, "--name", name, "--stats-json", statsPath, "--stats-every", "1s"];
    const [program, prefix] = netns ? ["ip", ["netns", "exec", netns, cli]] : [cli, []];
    // The link through the environment: on the command line every user could read it.
    super(name, program, [...prefix, ...args, ...extra], { MULAQAT_JOIN_LINK: link });
    this.statsPath = statsPath;
  }

  /** Waits until it says it is in the call (a station: in its room, waiting for callers). */
  async inCall(): Promise<void> {
    await waitFor(`${this.name} to be in the call`, () =>
      this.out.some((l) => l.startsWith("state: in the call")),
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.tail()}`);
    });
  }

  stats(): CliStats | undefined {
    if (!existsSync(this.statsPath)) return undefined;
    try {
      return JSON.parse(readFileSync(this.statsPath, "utf8")) as CliStats;
    } catch {
      return undefined; // being written
    }
  }

  /** What arrived from the participant called `name`, once its video has `frames` frames. */
  async videoFrom(name: string, frames: number, ms = 30_000): Promise<RemoteStats> {
    return waitFor(
      `${this.name} to decode ${frames} frames from ${name}`,
      () => {
        const remote = Object.values(this.stats()?.remote ?? {}).find((r) => r.name === name);
        return (remote?.video?.framesReceived ?? 0) >= frames ? remote : undefined;
      },
      ms,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(this.stats()?.remote)}\n${this.tail()}`);
    });
  }
}

export interface RemoteStats {
  name?: string;
  present?: boolean;
  firstFrameMs?: number | null;
  video?: { framesReceived?: number; width?: number | null; height?: number | null; fps?: number };
  audio?: { packetsReceived?: number };
}

export interface CliStats {
  remote?: Record<string, RemoteStats>;
  ended?: string | null;
}

/** Fake camera and microphone, consent given, nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-background-networking",
  "--disable-component-update",
];

/** Debian's Chromium (`executablePath`: another launcher of it, e.g. inside a namespace). */
export async function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  mkdirSync(ARTEFACTS, { recursive: true });
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export interface Guest {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations. */
  problems: string[];
}

/** A fresh browser profile (like a person's phone) opening `url`. */
export async function openGuest(
  browser: Browser,
  url: string,
  opts: { locale?: string; width?: number; height?: number; mobile?: boolean } = {},
): Promise<Guest> {
  const context = await browser.newContext({
    locale: opts.locale ?? "en-GB",
    viewport: { width: opts.width ?? 1024, height: opts.height ?? 720 },
    isMobile: opts.mobile ?? false,
    hasTouch: opts.mobile ?? false,
    permissions: ["camera", "microphone"],
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return { context, page, problems };
}

/** What a file of live tests shares: one browser, and what each test started (stopped after it). */
export interface Live {
  readonly browser: Browser;
  /** Processes to stop after the test. */
  running: Proc[];
  /** Browser profiles to close after the test. */
  guests: Guest[];
}

/**
 * Registers the hooks of a file of live tests: `launch` (Debian's Chromium by default) before
 * them all, every process and profile a test started stopped after it, the browser after all.
 */
export function liveSuite(launch: () => Promise<Browser> = () => launchChromium()): Live {
  let browser: Browser | undefined;
  const live: Live = {
    get browser(): Browser {
      if (!browser) throw new Error("the browser is not launched yet");
      return browser;
    },
    running: [],
    guests: [],
  };
  beforeAll(async () => {
    browser = await launch();
  });
  afterEach(async () => {
    await Promise.all(live.running.splice(0).map((p) => p.stop()));
    await Promise.all(live.guests.splice(0).map((g) => g.context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return live;
}
