// The browser client's screens in tests: the mock backend dressed as the browser backend
// (src/lib/web/simulate.ts), and a jsdom that looks like a browser able to make calls.
import { vi } from "vitest";
import { createApi, type TrackId } from "../lib/ipc/contract";
import { MockBackend } from "../lib/ipc/mock";
import { KnockAlert } from "../lib/audio/knockAlert";
import { AppModel } from "../lib/state/app.svelte";
import {
  SIMULATED_LINK,
  SimulatedBrowserBackend,
  type SimulatedOptions,
} from "../lib/web/simulate";

export interface GuestHarness {
  mock: MockBackend;
  backend: SimulatedBrowserBackend;
  app: AppModel;
}

export interface GuestOptions extends Partial<SimulatedOptions> {
  scenario?: string;
}

/** An AppModel on the simulated browser backend, not started (App.test style: render, start). */
export function guestApp(opts: GuestOptions = {}): GuestHarness {
  const { scenario = "guest", ...sim } = opts;
  const mock = new MockBackend({ scenario, latencyMs: 0, storage: null });
  const backend = new SimulatedBrowserBackend(mock, { link: SIMULATED_LINK, ...sim });
  const app = new AppModel(createApi(backend), new KnockAlert({ createContext: () => null }));
  return { mock, backend, app };
}

/** A stand-in for a browser MediaStream (jsdom has none). */
export class FakeMediaStream {
  constructor(readonly id: string) {}
  getTracks(): unknown[] {
    return [];
  }
}

export function fakeStream(track: TrackId): MediaStream {
  return new FakeMediaStream(track) as unknown as MediaStream;
}

/**
 * Makes jsdom look like a browser that can make calls: RTCPeerConnection, getUserMedia and,
 * when asked, getDisplayMedia (PCs, not phones) and setSinkId (speaker choice). `vi.unstubAllGlobals`
 * and the returned function undo it.
 */
export function stubCallingBrowser(
  opts: { displayMedia?: boolean; sinkId?: boolean; secure?: boolean } = {},
): () => void {
  vi.stubGlobal("RTCPeerConnection", vi.fn());
  vi.stubGlobal("isSecureContext", opts.secure ?? true);
  const mediaDevices: Record<string, unknown> = { getUserMedia: vi.fn() };
  if (opts.displayMedia) mediaDevices.getDisplayMedia = vi.fn();
  Object.defineProperty(navigator, "mediaDevices", { value: mediaDevices, configurable: true });
  const proto = HTMLMediaElement.prototype as unknown as Record<string, unknown>;
  if (opts.sinkId) proto.setSinkId = vi.fn();
  vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
  return () => {
    delete (navigator as unknown as Record<string, unknown>).mediaDevices;
    delete proto.setSinkId;
  };
}

/** Matches the phone layout's media query (jsdom has no matchMedia). */
export function stubPhone(matches = true): void {
  vi.stubGlobal("matchMedia", (query: string) => ({
    matches,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  }));
}
