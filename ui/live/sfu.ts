// An SFU room for the live tests: Janus (Debian's package, configured from packaging/janus/)
// and mulaqat-server, with every participant (the Chromium of the test too), in one network
// namespace of their own. Janus never offers loopback candidates for media, so the namespace
// has a veth pair that stands in for the hospital network; the page itself is opened on
// 127.0.0.1 (a secure context, so the camera is allowed). Needs root and `janus`.

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BIN_DIR, CHROMIUM, Proc, waitFor } from "./harness";

const TEMPLATES = resolve(import.meta.dirname, "..", "..", "packaging", "janus");
const JANUS = "/usr/bin/janus";
const LAN_ADDR = "10.77.0.1";

/** Why the SFU tests cannot run here, or null when they can. */
export function sfuUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (!existsSync(JANUS)) return "needs Debian's janus";
  if (!existsSync("/usr/sbin/ip") && !existsSync("/usr/bin/ip")) return "needs iproute2";
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

  /** A launcher Playwright can start as its Chromium: the real one, inside the namespace. */
  chromiumLauncher(dir: string): string {
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

/** Janus and mulaqat-server in `ns`, with a command room (SFU from its first member). */
export async function startSfuRoom(
  ns: Namespace,
): Promise<{ procs: Proc[]; hostLink: string; guestLink: string; guestBrowser: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mulaqat-live-sfu-"));
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
  const config = join(dir, "server.toml");
  writeFileSync(
    config,
    `listen = "127.0.0.1:0"\ndata_dir = "${dir}/server"\n\n[sfu]\nrequest_timeout_ms = 3000\n\n` +
      `[[sfu.nodes]]\nname = "janus"\nurl = "ws://127.0.0.1:8188"\napi_secret_file = "${dir}/api-secret"\n`,
  );
  // Rooms are read when the server starts: make the room first.
  const admin = (...args: string[]) =>
    execFileSync(
      "ip",
      ["netns", "exec", ns.name, join(BIN_DIR, "mulaqat-server"), ...args, "--config", config],
      { encoding: "utf8" },
    );
  admin("room", "create", "ops", "--kind", "command");
  const server = ns.spawn("server", join(BIN_DIR, "mulaqat-server"), ["--config", config]);
  const listening = await waitFor("the server to listen", () =>
    server.out.map((l) => /listening on \S*?(\d+\.\d+\.\d+\.\d+:\d+)/.exec(l)?.[1]).find(Boolean),
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.tail()}`);
  });
  const url = ["--public-url", `ws://${listening}`];
  const host = admin("token", "--room", "ops", "--role", "host", ...url).split("\n");
  const guest = admin("token", "--room", "ops", "--role", "guest", ...url).split("\n");
  const browserOf = (lines: string[]) =>
    lines.find((l) => l.startsWith("browser link: "))?.slice("browser link: ".length) ?? "";
  return {
    procs: [server, janus],
    hostLink: host[0] ?? "",
    guestLink: guest[0] ?? "",
    guestBrowser: browserOf(guest),
  };
}
