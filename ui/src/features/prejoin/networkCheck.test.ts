import { describe, expect, it } from "vitest";
import type { CheckStep, NetworkCheck } from "../../lib/ipc/contract";
import { bestQualityFor, describeCheck, mbps, say } from "./networkCheck";

const ok: CheckStep = { ok: true, ms: 20, detail: null, problem: null };
const base: NetworkCheck = { server: ok, turn: ok, uplinkKbps: 5000, downlinkKbps: 20000 };

describe("describeCheck", () => {
  it("says a server without a relay is fine", () => {
    const [, relay] = describeCheck({ ...base, turn: null }, "auto");
    expect(relay).toMatchObject({ level: "good", key: "network.relayNone" });
  });

  it("says when the speed could not be measured", () => {
    const [, , speed] = describeCheck({ ...base, uplinkKbps: null }, "auto");
    expect(speed).toMatchObject({ level: "warn", key: "network.speedUnknown" });
  });

  it("judges by the slower direction", () => {
    const [, , speed] = describeCheck({ ...base, uplinkKbps: 20000, downlinkKbps: 900 }, "p720");
    expect(speed?.then).toEqual({
      key: "network.speedNotEnough",
      params: {},
      qualities: { quality: "p720", fit: "p360" },
    });
  });

  it("keeps the server's note on a reachable server", () => {
    const note = "the server answered HTTP 503";
    const server = { ok: true, ms: 9, detail: note, problem: null };
    const [line] = describeCheck({ ...base, server }, "auto");
    expect(line).toMatchObject({ level: "good", detail: note });
    expect(line?.advice).toBeUndefined();
  });

  it("turns a named problem into advice and keeps the backend's words for IT", () => {
    const detail = "no answer from the relay over UDP or TCP: this network blocks it";
    const turn: CheckStep = { ok: false, ms: null, detail, problem: "relayBlocked" };
    const [, relay] = describeCheck({ ...base, turn }, "auto");
    expect(relay).toMatchObject({
      level: "warn",
      key: "network.relayFailed",
      advice: { key: "network.problem.relayBlocked", params: {} },
      detail,
    });
  });
});

describe("numbers", () => {
  it("rounds Mbit/s to one decimal and picks the best quality a rate carries", () => {
    expect(mbps(9_549)).toBe(9.5);
    expect(mbps(24_000)).toBe(24);
    expect(bestQualityFor(12_000)).toBe("p2160");
    expect(bestQualityFor(3_999)).toBe("p720");
    expect(bestQualityFor(799)).toBeNull();
  });

  it("fills quality names in the current language", () => {
    const t = (key: string, params?: Record<string, string | number>) =>
      `${key}:${JSON.stringify(params ?? {})}`;
    expect(say({ key: "network.speedEnough", params: {}, qualities: { quality: "p720" } }, t)).toBe(
      'network.speedEnough:{"quality":"quality.p720:{}"}',
    );
  });
});
