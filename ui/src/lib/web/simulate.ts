// Development and browser tests only, never in the web build (main.ts imports it behind a
// `MODE !== "web"` check): the mock backend dressed as the browser backend, so the guest's
// screens run without a server, camera or WebRTC. `npm run dev`, then `/?mock=guest&web`:
//
//   web              the page was opened with a guest link (it arrives as `openLink`)
//   web=nolink       ... without one
//   fail=C:code      command C fails with `code`, e.g. `fail=startPreview:permissionDenied`
//   without=camera   the device has no camera (or `microphone`; both: `camera,microphone`)
//
// Pictures are drawn on canvases and captured as MediaStreams (browsers only; none in jsdom).

import {
  createApi,
  type Api,
  type ArgsOf,
  type Backend,
  type CommandName,
  type DeviceInfo,
  type EventName,
  type Events,
  type FrameSocketLike,
  type ResultOf,
  type TrackId,
  type Unlisten,
} from "../ipc/contract";

/** A guest link the mock accepts (it never reaches the screen). */
export const SIMULATED_LINK =
  "mulaqat://join?server=wss%3A%2F%2Fmeet.hospital.example%2Fws&token=mq1.simulated.guest&role=guest";

export interface SimulatedOptions {
  /** The link the page was opened with (emitted once as `openLink`), or null for none. */
  link: string | null;
  /** Commands failing as a browser's would, `{ startPreview: "permissionDenied" }`. */
  failures?: Partial<Record<CommandName, string>>;
  /** Device kinds this device lacks. */
  without?: readonly ("camera" | "microphone")[];
  /** The picture of a track (a canvas stream in a browser), else none. */
  stream?: (track: TrackId) => MediaStream | null;
}

/** The mock (or any backend) behaving as the browser backend does towards the screens. */
export class SimulatedBrowserBackend implements Backend {
  readonly kind = "browser";
  private linkSent = false;

  constructor(
    readonly inner: Backend,
    private readonly opts: SimulatedOptions,
  ) {}

  async invoke<C extends CommandName>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    const code = this.opts.failures?.[command];
    if (code) throw { code, message: `simulated: ${code}` };
    const result = await this.inner.invoke(command, args);
    if (command === "listDevices") {
      const without = this.opts.without ?? [];
      return (result as DeviceInfo[]).filter(
        (d) => !without.includes(d.kind as "camera" | "microphone"),
      ) as ResultOf<C>;
    }
    return result;
  }

  async listen<E extends EventName>(
    event: E,
    handler: (payload: Events[E]) => void,
  ): Promise<Unlisten> {
    const unlisten = await this.inner.listen(event, handler);
    const link = this.opts.link;
    // The browser backend reads `#t=` and hands the app one link, as a deep link would.
    if (event === "openLink" && link !== null && !this.linkSent) {
      this.linkSent = true;
      setTimeout(() => (handler as (l: string) => void)(link), 0);
    }
    return unlisten;
  }

  openFrameSocket(_url: string): FrameSocketLike {
    throw new Error("the browser client has no frame socket");
  }

  mediaStream(track: TrackId): MediaStream | null {
    return this.opts.stream?.(track) ?? null;
  }
}

/** Options from the page's query string (see the top of this file). */
export function optionsFromQuery(search: string): SimulatedOptions {
  const params = new URLSearchParams(search);
  const failures: Partial<Record<CommandName, string>> = {};
  for (const f of params.getAll("fail")) {
    const [command, code] = f.split(":");
    if (command && code) failures[command as CommandName] = code;
  }
  const without = (params.get("without") ?? "")
    .split(",")
    .filter((k): k is "camera" | "microphone" => k === "camera" || k === "microphone");
  return { link: params.get("web") === "nolink" ? null : SIMULATED_LINK, failures, without };
}

/** Moving pictures for tracks: a colour per track, a drifting band and a clock. */
export function canvasStreams(doc: Document = document): (track: TrackId) => MediaStream | null {
  const streams = new Map<TrackId, MediaStream>();
  return (track) => {
    const known = streams.get(track);
    if (known) return known;
    const canvas = doc.createElement("canvas");
    if (typeof canvas.captureStream !== "function") return null;
    canvas.width = 640;
    canvas.height = 360;
    const g = canvas.getContext("2d");
    if (!g) return null;
    let hue = 0;
    for (const c of track) hue = (hue * 31 + c.charCodeAt(0)) % 360;
    const draw = (now: number) => {
      const x = ((now / 12) % (canvas.width + 160)) - 160;
      g.fillStyle = `hsl(${hue} 45% 32%)`;
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = `hsl(${(hue + 40) % 360} 55% 55%)`;
      g.fillRect(x, 0, 160, canvas.height);
      g.fillStyle = "#fff";
      g.font = "28px sans-serif";
      g.fillText(track, 24, canvas.height - 28);
      doc.defaultView?.requestAnimationFrame(draw);
    };
    draw(0);
    const stream = canvas.captureStream(15);
    streams.set(track, stream);
    return stream;
  };
}

/** The API on the simulated browser backend, from the page's query string. */
export function simulateBrowser(inner: Backend, search: string): Api {
  return createApi(
    new SimulatedBrowserBackend(inner, { ...optionsFromQuery(search), stream: canvasStreams() }),
  );
}
