// Picks the backend at start-up: the Tauri shell when this page runs inside it, otherwise the
// in-memory mock (`?mock=<scenario>` chooses its script). The mock is loaded only when needed,
// so a production build inside Tauri never runs it.

import { createApi, type Api } from "./contract";
import { createTauriBackend, insideTauri } from "./tauri";

export async function connectBackend(win: Window = window): Promise<Api> {
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
