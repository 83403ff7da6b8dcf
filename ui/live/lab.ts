// A lab for the live tests that need more than loopback: one network namespace holding
// mulaqat-server, Janus (Debian's package, configured from packaging/janus/) or coturn, and every
// participant (the test's Chromium too). Janus never offers loopback candidates for media, and
// TURN must relay between real addresses, so a veth pair inside the namespace stands in for the
// hospital network; pages are opened on 127.0.0.1 (a secure context, so the camera is allowed).
// Needs root, and `janus` or `turnserver`.

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll } from "vitest";
import { BIN_DIR, CHROMIUM, Proc, launchChromium, liveSuite, waitFor, type Live } from "./harness";

const TEMPLATES = resolve(import.meta.dirname, "..", "..", "packaging", "janus");
const JANUS = "/usr/bin/janus";
const LAN_ADDR = "10.77.0.1";

const TURNSERVER = "/usr/bin/turnserver";

/** Why a lab test needing `tool` cannot run here, or null when it can. */
export function labUnavailable(tool: "janus" | "coturn"): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (!existsSync("/usr/sbin/ip") && !existsSync("/usr/bin/ip")) return "needs iproute2";
  if (tool === "janus" && !existsSync(JANUS)) return "needs Debian's janus";
  if (tool === "coturn" && !existsSync(TURNSERVER)) return "needs Debian's coturn";
  return null;
}

/** One namespace with loopback and a dummy "LAN" interface; removed by `close`. */
export class Namespace {
  readonly name = `mq-live-${process.pid}`;

  constructor() {
    const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
    ip("netns", "add", this.name);
    try {
      ip("-n", this.name, "link", "set", "lo", "up");
      // A veth pair with both ends inside (this kernel has no dummy interfaces).
      ip("-n", this.name, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1");
      ip("-n", this.name, "addr", "add", `${LAN_ADDR}/24`, "dev", "lan0");
      ip("-n", this.name, "link", "set", "lan0", "up");
      ip("-n", this.name, "link", "set", "lan1", "up");
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** `program args` run inside the namespace. */
  spawn(name: string, program: string, args: string[], env: Record<string, string> = {}): Proc {
    return new Proc(name, "ip", ["netns", "exec", this.name, program, ...args], env);
  }

  /** Chromium inside the namespace (Playwright starts a launcher that enters it). */
  launchChromium(): Promise<Browser> {
    return launchChromium(this.chromiumLauncher(mkdtempSync(join(tmpdir(), "mulaqat-live-"))));
  }

  private chromiumLauncher(dir: string): string {
    const path = join(dir, "chromium-in-netns");
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${this.name} ${CHROMIUM} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  close(): void {
    try {
      execFileSync("ip", ["netns", "delete", this.name], { stdio: "pipe" });
    } catch {
      // already gone
    }
  }
}

/** Janus in `ns` with a random API secret; gives the server's `[sfu]` table. */
async function startJanus(ns: Namespace, dir: string, p2pMax?: number): Promise<[Proc, string]> {
  const secret = `live-${process.pid}-${Date.now()}`;
  for (const name of [
    "janus.jcfg",
    "janus.transport.websockets.jcfg",
    "janus.plugin.videoroom.jcfg",
  ]) {
    const text = readFileSync(join(TEMPLATES, name), "utf8")
      .replaceAll('"/etc/janus"', `"${dir}"`)
      .replaceAll("@MULAQAT_JANUS_API_SECRET@", secret);
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "api-secret"), secret);
  const janus = ns.spawn("janus", JANUS, ["-F", dir, "-C", join(dir, "janus.jcfg")]);
  await waitFor("Janus's WebSocket API", () =>
    janus.out.some((l) => l.includes("WebSockets thread started")),
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${janus.tail()}`);
  });
  const limit = p2pMax === undefined ? "" : `p2p_max_participants = ${p2pMax}\n`;
  const table =
    `[sfu]\nrequest_timeout_ms = 3000\n${limit}\n[[sfu.nodes]]\nname = "janus"\n` +
    `url = "ws://127.0.0.1:8188"\napi_secret_file = "${dir}/api-secret"\n`;
  return [janus, table];
}

/** coturn in `ns` on the lab's address, time-limited credentials only; gives the `[ice]` table. */
async function startCoturn(ns: Namespace, dir: string): Promise<[Proc, string]> {
  const secret = `live-${process.pid}-${Date.now()}`;
  writeFileSync(join(dir, "turn-secret"), secret);
  const coturn = ns.spawn("turnserver", TURNSERVER, [
    "-n",
    `--listening-ip=${LAN_ADDR}`,
    `--relay-ip=${LAN_ADDR}`,
    "--listening-port=3478",
    "--min-port=49160",
    "--max-port=49260",
    "--fingerprint",
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    "--realm=mulaqat.test",
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    `--pidfile=${dir}/turnserver.pid`,
    `--userdb=${dir}/turndb`,
    "--log-file=stdout",
    "--simple-log",
  ]);
  await waitFor("coturn", () => coturn.out.some((l) => l.includes("Total General servers"))).catch(
    (e: Error) => {
      throw new Error(`${e.message}\n${coturn.tail()}`);
    },
  );
  const table =
    `[ice]\nturn_urls = ["turn:${LAN_ADDR}:3478?transport=udp"]\n` +
    `turn_secret_file = "${dir}/turn-secret"\nforce_relay = true\n`;
  return [coturn, table];
}

export interface LabRoom {
  procs: Proc[];
  hostLink: string;
  guestLink: string;
  guestBrowser: string;
}

/**
 * mulaqat-server in `ns` with room `name` of `kind`, and Janus (`sfu`) or coturn with relay-only
 * calls (`relay`) beside it.
 */
export async function startLabRoom(
  ns: Namespace,
  opts: {
    name: string;
    kind: "command" | "consultation";
    with: "sfu" | "relay";
    lobby?: boolean;
    /** With the SFU: the most participants a room holds peer to peer (the server's default: 4). */
    p2pMax?: number;
  },
): Promise<LabRoom> {
  const dir = mkdtempSync(join(tmpdir(), "mulaqat-live-lab-"));
  const [helper, table] =
    opts.with === "sfu" ? await startJanus(ns, dir, opts.p2pMax) : await startCoturn(ns, dir);
  const config = join(dir, "server.toml");
  writeFileSync(config, `listen = "127.0.0.1:0"\ndata_dir = "${dir}/server"\n\n${table}`);
  // Rooms are read when the server starts: make the room first.
  const admin = (...args: string[]) =>
    execFileSync(
      "ip",
      ["netns", "exec", ns.name, join(BIN_DIR, "mulaqat-server"), ...args, "--config", config],
      { encoding: "utf8" },
    );
  admin("room", "create", opts.name, "--kind", opts.kind, opts.lobby ? "--lobby" : "--no-lobby");
  const server = ns.spawn("server", join(BIN_DIR, "mulaqat-server"), ["--config", config]);
  const listening = await waitFor("the server to listen", () =>
    server.out.map((l) => /listening on \S*?(\d+\.\d+\.\d+\.\d+:\d+)/.exec(l)?.[1]).find(Boolean),
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.tail()}`);
  });
  const url = ["--public-url", `ws://${listening}`];
  const host = admin("token", "--room", opts.name, "--role", "host", ...url).split("\n");
  const guest = admin("token", "--room", opts.name, "--role", "guest", ...url).split("\n");
  const browserOf = (lines: string[]) =>
    lines.find((l) => l.startsWith("browser link: "))?.slice("browser link: ".length) ?? "";
  return {
    procs: [server, helper],
    hostLink: host[0] ?? "",
    guestLink: guest[0] ?? "",
    guestBrowser: browserOf(guest),
  };
}

/** `liveSuite` with the browser inside a namespace of its own, removed after the tests. */
export function labSuite(): { live: Live; ns: () => Namespace } {
  let ns: Namespace | undefined;
  const live = liveSuite(async () => {
    ns = new Namespace();
    return ns.launchChromium();
  });
  afterAll(() => ns?.close());
  return {
    live,
    ns: () => {
      if (!ns) throw new Error("the namespace is not made yet");
      return ns;
    },
  };
}
