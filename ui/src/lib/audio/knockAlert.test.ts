import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KnockAlert } from "./knockAlert";

function fakeContext() {
  const started: number[] = [];
  const param = () => ({
    value: 0,
    setValueAtTime: vi.fn(),
    exponentialRampToValueAtTime: vi.fn(),
  });
  const ctx = {
    state: "running",
    currentTime: 0,
    destination: {},
    resume: vi.fn(),
    createOscillator: () => ({
      type: "",
      frequency: param(),
      connect: (n: unknown) => n,
      start: (t: number) => started.push(t),
      stop: vi.fn(),
    }),
    createGain: () => ({ gain: param(), connect: (n: unknown) => n }),
  };
  return { ctx: ctx as unknown as AudioContext, started };
}

describe("KnockAlert", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("chimes at once and repeats while someone waits, then stops", () => {
    const { ctx, started } = fakeContext();
    const alert = new KnockAlert({ everySeconds: 4, createContext: () => ctx });
    alert.setWaiting(true);
    expect(alert.ringing).toBe(true);
    expect(alert.played).toBe(1);
    expect(started).toHaveLength(2); // two tones per chime
    vi.advanceTimersByTime(8000);
    expect(alert.played).toBe(3);
    alert.setWaiting(false);
    vi.advanceTimersByTime(8000);
    expect(alert.played).toBe(3);
    expect(alert.ringing).toBe(false);
  });

  it("stays silent while muted and rings again when unmuted", () => {
    const { ctx } = fakeContext();
    const alert = new KnockAlert({ createContext: () => ctx });
    alert.setMuted(true);
    alert.setWaiting(true);
    vi.advanceTimersByTime(10_000);
    expect(alert.played).toBe(0);
    alert.setMuted(false);
    expect(alert.played).toBe(1);
  });

  it("still works without Web Audio", () => {
    const alert = new KnockAlert({ createContext: () => null });
    alert.setWaiting(true);
    expect(alert.played).toBe(1);
    alert.stop();
    expect(alert.ringing).toBe(false);
  });
});
