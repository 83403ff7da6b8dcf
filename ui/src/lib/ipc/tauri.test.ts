import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const listen = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: (...a: unknown[]) => listen(...a) }));

const { createTauriBackend, insideTauri, rustCommandName, rustEventName } = await import("./tauri");
const { createApi, COMMAND_NAMES } = await import("./contract");

describe("the Tauri backend", () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
  });

  it("maps command and event names to the Rust side's", () => {
    expect(rustCommandName("joinCall")).toBe("join_call");
    expect(rustCommandName("getCallSnapshot")).toBe("get_call_snapshot");
    expect(rustEventName("callEvent")).toBe("call-event");
    expect(rustEventName("callSnapshot")).toBe("call-snapshot");
    expect(rustEventName("stats")).toBe("stats");
    expect(rustEventName("openLink")).toBe("open-link");
  });

  it("invokes a command with its arguments under `args`, and none for argument-less ones", async () => {
    invoke.mockResolvedValue(undefined);
    const api = createApi(createTauriBackend());
    await api.setMicMuted({ muted: true });
    await api.leaveCall();
    expect(invoke).toHaveBeenNthCalledWith(1, "set_mic_muted", { args: { muted: true } });
    expect(invoke).toHaveBeenNthCalledWith(2, "leave_call", {});
  });

  it("passes a rejected CommandError through unchanged", async () => {
    invoke.mockRejectedValue({ code: "settingLocked", message: "policy" });
    const api = createApi(createTauriBackend());
    await expect(api.updateSetting({ key: "serverUrl", value: "wss://x" })).rejects.toEqual({
      code: "settingLocked",
      message: "policy",
    });
  });

  it("listens to kebab-case events and hands over only the payload", async () => {
    const unlisten = vi.fn();
    listen.mockImplementation(async (_name: string, cb: (e: { payload: unknown }) => void) => {
      cb({ payload: { level: 0.5, peak: 0.7 } });
      return unlisten;
    });
    const api = createApi(createTauriBackend());
    const got = vi.fn();
    const stop = api.on("micLevel", got);
    await new Promise((r) => setTimeout(r, 0));
    expect(listen).toHaveBeenCalledWith("mic-level", expect.any(Function));
    expect(got).toHaveBeenCalledWith({ level: 0.5, peak: 0.7 });
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it("gives every command a typed function", () => {
    const api = createApi(createTauriBackend());
    for (const name of COMMAND_NAMES) expect(typeof api[name]).toBe("function");
  });

  it("knows when it runs inside Tauri", () => {
    expect(insideTauri({} as Window)).toBe(false);
    expect(insideTauri({ __TAURI_INTERNALS__: {} } as unknown as Window)).toBe(true);
  });
});

describe("createApi.on", () => {
  it("unsubscribes even when stopped before the listener is registered", async () => {
    const unlisten = vi.fn();
    let resolve: (u: () => void) => void = () => {};
    const backend = {
      kind: "mock" as const,
      invoke: vi.fn(),
      listen: () => new Promise<() => void>((r) => (resolve = r)),
      openFrameSocket: vi.fn(),
    };
    const stop = createApi(backend).on("stats", () => {});
    stop();
    resolve(unlisten);
    await new Promise((r) => setTimeout(r, 0));
    expect(unlisten).toHaveBeenCalled();
  });
});
