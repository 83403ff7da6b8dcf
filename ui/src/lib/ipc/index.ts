// Picks the backend at start-up: the browser client in the web build (`vite build --mode web`,
// served by mulaqat-server at `/join`), the Tauri shell when this page runs inside it, otherwise
// the in-memory mock (`?mock=<scenario>` chooses its script). The browser client and the mock
// are loaded only when needed, so a build inside Tauri never runs them.

import { createApi, type Api } from "./contract";
import { createTauriBackend, insideTauri } from "./tauri";

export async function connectBackend(win: Window = window): Promise<Api> {
  if (import.meta.env.MODE === "web") {
    const { createBrowserBackend } = await import("./browser/index");
    return createApi(createBrowserBackend(win));
  }
  if (insideTauri(win)) return createApi(createTauriBackend());
  const { MockBackend } = await import("./mock");
  const params = new URLSearchParams(win.location.search);
  const latency = params.get("latency");
  const backend = new MockBackend({
    scenario: params.get("mock"),
    latencyMs: latency === null ? undefined : Number(latency),
    storage: win.sessionStorage,
  });
  // Browser tests and people trying scenarios drive the fake backend from the console.
  (win as unknown as { __mulaqatMock?: unknown }).__mulaqatMock = backend;
  return createApi(backend);
}
