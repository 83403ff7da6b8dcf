// Bench: a Chromium guest (the web client served by mulaqat-server at /join) in a 1:1 call with
// `mulaqat-cli` on this machine's loopback, both sending and receiving. Two calls: the first gives
// the first remote frame after pressing Join, CPU and memory (every process of the browser
// instance, and the cli), frames received; the second, with time stamps drawn into both sides'
// video, gives latency both ways (stamping costs CPU, so it is not in the first call).
//
//   npm run bench:guest                                   # prints the table
//   BENCH_JSON=../target/guest.json BENCH_MARKDOWN=../docs/benchmarks.md npm run bench:guest
//   BENCH_QUALITY=360p BENCH_WARMUP=5 BENCH_SECONDS=5 npm run bench:guest   # a quick look
//   MULAQAT_BIN_DIR=../target/release npm run bench:guest                  # the figures in the docs

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { chromium, type BrowserContext } from "playwright-core";
import { BIN_DIR, CHROMIUM, Cli, startHost, type Proc } from "./harness";
import { joinAs, remoteVideos } from "./page";
import { cpuSeconds, machine, pssMiB, rootWith, tree } from "./procfs";
import { installStamps, type StampReadings } from "./stamp";

const QUALITY = process.env.BENCH_QUALITY ?? "720p";
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 15);
const WINDOW_S = Number(process.env.BENCH_SECONDS ?? 10);
const SIZES: Record<string, [number, number]> = {
  "360p": [640, 360],
  "720p": [1280, 720],
  "1080p": [1920, 1080],
};

/** A bench's measuring window (never before an assertion). */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const procs: Proc[] = [];
afterAll(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

interface Call {
  context: BrowserContext;
  profile: string;
  station: Cli;
  /** When the station started and when Join was pressed (wall clock, ms). */
  stationStarted: number;
  pressed: number;
  firstFrameMs: number;
  codec: string;
}

/** A station and a Chromium guest in a call; the guest's camera at the bench's size. */
async function call(stamps: boolean): Promise<Call> {
  const [host, links] = await startHost({ lobby: true });
  procs.push(host);
  const extra = ["--allow", "Guest", "--quality", QUALITY];
  const stationStarted = Date.now();
  const station = new Cli(
    "station",
    links.host,
    "Station",
    stamps ? [...extra, "--stamp-frames"] : extra,
  );
  procs.push(station);
  const profile = mkdtempSync(join(tmpdir(), "mulaqat-bench-chromium-"));
  const [w, h] = SIZES[QUALITY] ?? [1280, 720];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    permissions: ["camera", "microphone"],
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      `--use-fake-device-for-media-stream=fps=30`,
      "--autoplay-policy=no-user-gesture-required",
      "--disable-background-networking",
    ],
  });
  await context.addInitScript(
    ([width, height]) => {
      // The web client asks for its own size; the bench asks the fake camera for QUALITY's.
      const devices = navigator.mediaDevices;
      const get = devices.getUserMedia.bind(devices);
      devices.getUserMedia = (c) =>
        get(c?.video ? { ...c, video: { ...(c.video as object), width, height } } : c);
    },
    [w, h],
  );
  if (stamps) await context.addInitScript(installStamps);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`page: ${m.text()}`);
  });
  await page.goto(links.guestBrowser);
  const pressed = Date.now();
  await joinAs(page, "Guest");
  const first = (await remoteVideos(page, 1, 1))[0];
  if (!first) throw new Error("no remote video");
  return {
    context,
    profile,
    station,
    stationStarted,
    pressed,
    firstFrameMs: first.firstFrameAt - pressed,
    codec: first.codec,
  };
}

interface Figures {
  cpuPercent: number;
  pssMiB: number;
  fps: number;
  size: string;
}

/** CPU share of one core and PSS over the window, of `pids()` (taken again at the end). */
async function measure(
  pids: () => number[],
  fps: () => Promise<[number, string]>,
): Promise<Figures> {
  const startPids = pids();
  const cpu0 = cpuSeconds(startPids);
  const [frames0] = await fps();
  const t0 = Date.now();
  await pause(WINDOW_S * 1000);
  const seconds = (Date.now() - t0) / 1000;
  const endPids = pids();
  const [frames1, size] = await fps();
  return {
    cpuPercent: ((cpuSeconds(endPids) - cpu0) / seconds) * 100,
    pssMiB: pssMiB(endPids),
    fps: (frames1 - frames0) / seconds,
    size,
  };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
};

it(`a Chromium guest and mulaqat-cli at ${QUALITY}`, async () => {
  // Call 1: first frame, CPU, memory.
  const plain = await call(false);
  const browserRoot = rootWith(plain.profile);
  if (browserRoot === null) throw new Error("Chromium's process was not found");
  const page = plain.context.pages()[0];
  if (!page) throw new Error("no page");
  await pause(WARMUP_S * 1000);
  const stationPid = plain.station.child.pid ?? 0;
  const pageFrames = async (): Promise<[number, string]> => {
    const v = (await remoteVideos(page, 1, 0))[0];
    return [v?.frames ?? 0, `${v?.width}x${v?.height}`];
  };
  const cliFrames = async (): Promise<[number, string]> => {
    const r = Object.values(plain.station.stats()?.remote ?? {})[0]?.video;
    return [r?.framesReceived ?? 0, `${r?.width}x${r?.height}`];
  };
  const [chromiumFigures, cliFigures] = await Promise.all([
    measure(() => tree(browserRoot), pageFrames),
    measure(() => tree(stationPid), cliFrames),
  ]);
  // The station counts from its own start; put it on the guest's Join.
  const cliFirst =
    plain.stationStarted +
    (Object.values(plain.station.stats()?.remote ?? {})[0]?.firstFrameMs ?? NaN) -
    plain.pressed;
  await plain.context.close();
  await Promise.all(procs.splice(0).map((p) => p.stop()));

  // Call 2: latency both ways, from stamps.
  const stamped = await call(true);
  const spage = stamped.context.pages()[0];
  if (!spage) throw new Error("no page");
  await spage.evaluate(() => {
    const v = [...document.querySelectorAll<HTMLVideoElement>("video[data-track]")].find(
      (e) => !(e.dataset.track ?? "").startsWith("local"),
    );
    const track = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0];
    const w = window as unknown as { __stamps: { read(t: MediaStreamTrack): void } };
    if (track) w.__stamps.read(track.clone());
  });
  await pause(WARMUP_S * 1000);
  const readings = await spage.evaluate(
    () => (window as unknown as { __stamps: { readings: StampReadings } }).__stamps.readings,
  );
  const toBrowser = readings.ages.slice(-WINDOW_S * 30);
  const toCli = Object.values(stamped.station.stats()?.remote ?? {})[0] as
    { latencyMs?: { p50?: number; p95?: number } } | undefined;
  await stamped.context.close();

  const rows = [
    {
      client: "Chromium guest (web client)",
      receives: "from mulaqat-cli",
      codec: plain.codec,
      ...chromiumFigures,
      firstFrameMs: plain.firstFrameMs,
      latencyP50: percentile(toBrowser, 0.5),
      latencyP95: percentile(toBrowser, 0.95),
    },
    {
      client: "mulaqat-cli (station)",
      receives: "from the guest",
      codec: plain.codec,
      ...cliFigures,
      firstFrameMs: cliFirst,
      latencyP50: toCli?.latencyMs?.p50 ?? NaN,
      latencyP95: toCli?.latencyMs?.p95 ?? NaN,
    },
  ];
  report(rows, readings.unreadable);
  expect(toBrowser.length).toBeGreaterThan(0);
}, 300_000);

type Row = Figures & {
  client: string;
  receives: string;
  codec: string;
  firstFrameMs: number;
  latencyP50: number;
  latencyP95: number;
};

function report(rows: Row[], unreadable: number): void {
  const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "–");
  const header =
    "| client | video received | codec | CPU | PSS | first frame after Join | latency p50 | latency p95 | fps received | size received |\n" +
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";
  const lines = rows.map(
    (r) =>
      `| ${r.client} | ${r.receives} | ${r.codec.replace(/;.*/, "")} | ${fmt(r.cpuPercent)} % | ${fmt(r.pssMiB)} MiB | ` +
      `${fmt(r.firstFrameMs)} ms | ${fmt(r.latencyP50)} ms | ${fmt(r.latencyP95)} ms | ${fmt(r.fps, 1)} | ${r.size} |`,
  );
  const chromium = execVersion();
  const intro =
    `Machine: ${machine()}; ${chromium}. Command: \`BENCH_QUALITY=${QUALITY} BENCH_WARMUP=${WARMUP_S} ` +
    `BENCH_SECONDS=${WINDOW_S} npm run bench:guest\` (in \`ui/\`), ${BIN_DIR.includes("release") ? "release" : "debug"} build of mulaqat-cli. ` +
    `A station (\`mulaqat-cli station --quality ${QUALITY}\`) and a Chromium guest on loopback, the guest's ` +
    `fake camera at ${QUALITY}, 30 fps. CPU: share of one core over a ${WINDOW_S} s window after ${WARMUP_S} s, ` +
    `every process of the browser instance (fresh profile) or the cli; PSS likewise. First frame: from pressing Join ` +
    `(knock and admission included) to the first remote frame presented, on each side. ` +
    `Latency: time stamps drawn into the sent luma (the guest's through WebCodecs), read when a decoded ` +
    `frame reaches the page or the cli's sink, in a second call (${unreadable} frames unreadable).`;
  const table = `${intro}\n\n${header}\n${lines.join("\n")}`;
  console.info(`\n${table}\n`);
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ quality: QUALITY, rows }, null, 2));
  const md = process.env.BENCH_MARKDOWN;
  if (md) {
    const text = readFileSync(md, "utf8");
    const start = "<!-- browser-guest:start -->";
    const end = "<!-- browser-guest:end -->";
    const block = `${start}\n${table}\n${end}`;
    const next =
      text.includes(start) && text.includes(end)
        ? text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length)
        : `${text.trimEnd()}\n\n${block}\n`;
    writeFileSync(md, next);
  }
}

function execVersion(): string {
  try {
    return execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "Chromium";
  }
}
