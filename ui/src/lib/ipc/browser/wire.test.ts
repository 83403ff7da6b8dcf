// The browser client's reading and writing of frames against the golden files of
// crates/protocol (one example of every message, checked there against the Rust types).
import { describe, expect, it } from "vitest";
import type { ClientMsg } from "./wire";
import { CLIENT_TYPES, SERVER_TYPES, decodeServer, encodeClient } from "./wire";

const golden = import.meta.glob<unknown>("../../../../../crates/protocol/tests/golden/*/*.json", {
  eager: true,
  import: "default",
});

function side(name: "client" | "server"): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [path, value] of Object.entries(golden)) {
    const m = new RegExp(`/${name}/(\\w+)\\.json$`).exec(path);
    if (m?.[1]) out.set(m[1], value as Record<string, unknown>);
  }
  return out;
}

describe("server frames", () => {
  const server = side("server");

  it("has a golden example of every type the client reads, and reads no other", () => {
    expect([...server.keys()].sort()).toEqual([...SERVER_TYPES].sort());
  });

  it("decodes every golden example to itself", () => {
    for (const [type, value] of server) {
      const decoded = decodeServer(JSON.stringify(value));
      expect(decoded, type).toEqual({ ok: true, msg: value });
    }
  });

  it("refuses what serde would refuse", () => {
    const bad = [
      "not json",
      "[1]",
      '{"type":7}',
      '{"type":"teleport"}',
      '{"type":"chat"}',
      '{"type":"left","participant":"p1"}',
      '{"type":"signal","from":"p1"}',
      '{"type":"signal","from":"p1","sdp":{"type":"offer","sdp":"v=0"},"candidate":{"candidate":""}}',
      '{"type":"handRaised","participant":"p1","raised":"yes"}',
    ];
    for (const text of bad) expect(decodeServer(text).ok, text).toBe(false);
  });

  it("takes absent defaulted fields and ignores unknown ones", () => {
    const feeds = decodeServer('{"type":"sfuFeeds","future":1}');
    expect(feeds).toMatchObject({ ok: true, msg: { available: [], gone: [] } });
    expect(decodeServer('{"type":"modeChanged","mode":"p2p"}').ok).toBe(true);
  });
});

describe("client frames", () => {
  const client = side("client");

  it("has a golden example of every type the client writes", () => {
    expect([...client.keys()].sort()).toEqual([...CLIENT_TYPES].sort());
  });

  it("writes every message exactly as the golden file has it (field order included)", () => {
    for (const [type, value] of client) {
      const encoded = encodeClient(value as unknown as ClientMsg);
      expect(encoded, type).toBe(JSON.stringify(value));
    }
  });

  it("writes messages built here in serde's order, leaving absent options out", () => {
    const join: ClientMsg = {
      media: { screen: false, video: true, audio: true },
      resume: null,
      role: null,
      displayName: "Bilal",
      room: "ward-7",
      type: "join",
    };
    expect(encodeClient(join)).toBe(
      '{"type":"join","room":"ward-7","displayName":"Bilal","media":{"audio":true,"video":true,"screen":false}}',
    );
    const signal: ClientMsg = {
      type: "signal",
      to: "p2",
      candidate: { sdpMLineIndex: 0, candidate: "", sdpMid: null },
    };
    expect(encodeClient(signal)).toBe(
      '{"type":"signal","to":"p2","candidate":{"candidate":"","sdpMLineIndex":0}}',
    );
    const resumed: ClientMsg = {
      type: "join",
      decodes: ["h264", "vp8"],
      media: { audio: true, video: false, screen: false },
      resume: { restarted: true, resumeToken: "r", participantId: "p2" },
      displayName: "Bilal",
      room: "ward-7",
    };
    expect(encodeClient(resumed)).toBe(
      '{"type":"join","room":"ward-7","displayName":"Bilal",' +
        '"resume":{"participantId":"p2","resumeToken":"r","restarted":true},' +
        '"media":{"audio":true,"video":false,"screen":false},"decodes":["h264","vp8"]}',
    );
  });
});
