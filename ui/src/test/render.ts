// Rendering a component with an AppModel on the mock backend, as the app does.
import { render } from "@testing-library/svelte";
import type { Component } from "svelte";
import { createApi } from "../lib/ipc/contract";
import { MockBackend, type MockOptions } from "../lib/ipc/mock";
import { APP_CONTEXT_KEY, AppModel } from "../lib/state/app.svelte";
import { KnockAlert } from "../lib/audio/knockAlert";

export interface Harness {
  mock: MockBackend;
  app: AppModel;
}

export async function startApp(opts: MockOptions = {}): Promise<Harness> {
  const mock = new MockBackend({ latencyMs: 0, storage: null, ...opts });
  const app = new AppModel(createApi(mock), new KnockAlert({ createContext: () => null }));
  await app.start();
  return { mock, app };
}

export function renderWith<P extends Record<string, unknown>>(
  component: Component<P>,
  h: Harness,
  props?: P,
) {
  const context = new Map<unknown, unknown>([[APP_CONTEXT_KEY, h.app]]);
  return render(component as unknown as Component<Record<string, unknown>>, {
    props: props ?? {},
    context,
  });
}

/** Lets pending promises and microtasks settle. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A harness already in a call (as host unless the scenario says otherwise). */
export async function inCall(scenario = "empty", opts: MockOptions = {}): Promise<Harness> {
  const h = await startApp({ scenario, ...opts });
  await h.app.join({ type: "roomCode", roomCode: "ward-7" }, "Dr. Test", "auto");
  await until(() => h.app.call.state.type === "inCall");
  return h;
}

/** Waits (real time) until `check` holds. */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
