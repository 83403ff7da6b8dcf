// What the live tests do and read on the web client's page: join from pre-join, and count the
// frames each remote `<video>` presents (requestVideoFrameCallback), at what size.

import { join } from "node:path";
import type { Page } from "playwright-core";
import { ARTEFACTS, waitFor } from "./harness";

/** Fills the name on pre-join and presses Join (in whichever language the page is). */
export async function joinAs(page: Page, name: string): Promise<void> {
  const field = page.locator("#display-name");
  await field.waitFor({ timeout: 20_000 });
  await field.fill(name);
  await page.locator("button.join").click();
}

export interface RemoteVideo {
  track: string;
  frames: number;
  width: number;
  height: number;
  /** Wall-clock time of its first presented frame. */
  firstFrameAt: number;
  /** The negotiated video codec of the connection it came on (e.g. "video/H264"). */
  codec: string;
}

/** Installs a frame counter on every remote video element and reads them all. */
async function readVideos(page: Page): Promise<RemoteVideo[]> {
  return page.evaluate(async () => {
    type Count = { frames: number; width: number; height: number; first: number };
    const w = window as unknown as { __liveCounts?: Map<string, Count> };
    const counts = (w.__liveCounts ??= new Map());
    const videos = [...document.querySelectorAll<HTMLVideoElement>("video[data-track]")];
    const remote = videos.filter((v) => !(v.dataset.track ?? "").startsWith("local"));
    for (const v of remote) {
      const track = v.dataset.track ?? "";
      if ((v as unknown as { __counted?: boolean }).__counted) continue;
      (v as unknown as { __counted?: boolean }).__counted = true;
      const count: Count = counts.get(track) ?? { frames: 0, width: 0, height: 0, first: 0 };
      counts.set(track, count);
      const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
        count.frames += 1;
        count.width = meta.width;
        count.height = meta.height;
        if (!count.first) count.first = Date.now();
        v.requestVideoFrameCallback(onFrame);
      };
      v.requestVideoFrameCallback(onFrame);
    }
    const debug = (
      window as unknown as {
        __mulaqatBrowser?: { codec(peer: string): Promise<string | null> };
      }
    ).__mulaqatBrowser;
    return Promise.all(
      remote.map(async (v) => {
        const track = v.dataset.track ?? "";
        const c = counts.get(track) ?? { frames: 0, width: 0, height: 0, first: 0 };
        // `<participant>:video`, `<participant>/screen:video`
        const peer = track.split(/[:/]/)[0] ?? "";
        return {
          track,
          frames: c.frames,
          width: c.width,
          height: c.height,
          firstFrameAt: c.first,
          codec: (await debug?.codec(peer).catch(() => null)) ?? "",
        };
      }),
    );
  });
}

/** Waits until `count` remote videos have each presented `frames` frames. */
export async function remoteVideos(
  page: Page,
  count: number,
  frames: number,
  ms = 45_000,
): Promise<RemoteVideo[]> {
  let seen: RemoteVideo[] = [];
  return waitFor(
    `${count} remote video(s) with ${frames} frames each`,
    async () => {
      seen = await readVideos(page);
      const playing = seen.filter((v) => v.frames >= frames);
      return playing.length >= count ? playing : undefined;
    },
    ms,
  ).catch(async (e: Error) => {
    await shot(page, `no-remote-video-${Date.now()}`).catch(() => undefined);
    const state = await page
      .evaluate(() => {
        const d = (
          window as unknown as {
            __mulaqatBrowser?: { callState: string; mode: string | null; connections(): unknown };
          }
        ).__mulaqatBrowser;
        return JSON.stringify({
          call: d?.callState,
          mode: d?.mode,
          peers: d?.connections(),
          me: (d as unknown as { selfId?: string })?.selfId,
          who: (d as unknown as { participants?: () => unknown })?.participants?.(),
        });
      })
      .catch(() => "(page gone)");
    throw new Error(`${e.message}; seen: ${JSON.stringify(seen)}; client: ${state}`);
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`) });
}
