// The Tauri v2 backend: commands through `invoke`, events through `listen`.
// Rust commands are snake_case (`join_call`) taking one `args` struct; events are kebab-case
// (`call-event`). This is the only file that imports `@tauri-apps/api`.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ArgsOf, Backend, CommandName, EventName, Events, ResultOf } from "./contract";

/** `joinCall` → `join_call`. */
export function rustCommandName(name: CommandName): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `callEvent` → `call-event`. */
export function rustEventName(name: EventName): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function createTauriBackend(): Backend {
  return {
    kind: "tauri",
    invoke<C extends CommandName>(command: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
      const payload = args === undefined ? {} : { args };
      return invoke<ResultOf<C>>(rustCommandName(command), payload);
    },
    async listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void) {
      return listen<Events[E]>(rustEventName(event), (e) => handler(e.payload));
    },
    openFrameSocket(url: string) {
      return new WebSocket(url);
    },
  };
}

/** Whether this page runs inside the Tauri webview. */
export function insideTauri(win: Window = window): boolean {
  return "__TAURI_INTERNALS__" in win;
}
