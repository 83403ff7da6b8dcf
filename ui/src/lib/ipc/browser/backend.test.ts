// The browser backend end to end in jsdom: a page opened with `#t=`, a fake server on a fake
// WebSocket, fake WebRTC and devices. What the screens see: openLink, commands, events, a
// reload that resumes the call.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createApi,
  type Api,
  type CallEvent,
  type CallSnapshot,
  type MediaEvent,
} from "../contract";
import {
  FakePeerConnection,
  FakeWebSocket,
  domError,
  fakeBrowser,
  type FakeMediaDevices,
} from "./fakes";
import { createBrowserBackend, readBrowserLink } from "./index";

const claims = btoa(JSON.stringify({ room: "ward-7", role: "guest", iat: 1, exp: 2 }))
  .replace(/\+/g, "-")
  .replace(/\//g, "_")
  .replace(/=+$/, "");
const TOKEN = `mq1.${claims}.c2lnbmF0dXJl`;
const SERVER = `ws://${location.host}/ws`;
const LINK = `mulaqat://join?server=${encodeURIComponent(SERVER)}&token=${TOKEN}`;

const person = (id: string, joinOrder: number, role: "host" | "guest" = "guest") => ({
  id,
  displayName: id,
  role,
  joinOrder,
  media: { audio: true, video: true, screen: false },
  handRaised: false,
});

const welcome = {
  type: "welcome",
  version: 1,
  participantId: "p2",
  room: "ward-7",
  role: "guest",
  mode: "p2p",
  policy: { kind: "consultation", lobby: true, maxParticipants: 4 },
  iceServers: [],
  participants: [person("p1", 1, "host"), person("p2", 2)],
  lobby: [],
  chat: [],
  resumeToken: "r-1",
};

async function until<T>(get: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = get();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Page {
  api: Api;
  snapshots: CallSnapshot[];
  calls: CallEvent[];
  media: MediaEvent[];
  links: string[];
  /** `snapshot:<state>` and `event:<type>` for call snapshots and call events, in order. */
  order: string[];
}

function page(): Page {
  const api = createApi(createBrowserBackend(window));
  const p: Page = { api, snapshots: [], calls: [], media: [], links: [], order: [] };
  api.on("callSnapshot", (s) => {
    p.snapshots.push(s);
    p.order.push(`snapshot:${s.state.type}`);
  });
  api.on("callEvent", (e) => {
    p.calls.push(e);
    p.order.push(`event:${e.type}`);
  });
  api.on("mediaEvent", (e) => p.media.push(e));
  api.on("openLink", (l) => p.links.push(l));
  return p;
}

describe("the browser backend", () => {
  let devices: FakeMediaDevices;
  beforeEach(() => {
    devices = fakeBrowser(vi.stubGlobal);
    sessionStorage.clear();
    vi.stubGlobal("fetch", async () => ({ json: async () => ({ icePolicy: "all" }) }));
    history.replaceState(null, "", `/join#t=${TOKEN}&codec=vp8`);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    history.replaceState(null, "", "/");
  });

  it("takes the token off the address bar into sessionStorage and opens pre-join once", async () => {
    const log = vi.spyOn(console, "log");
    const { api, links } = page();
    expect(location.href).not.toContain(TOKEN);
    expect(location.pathname).toBe("/join");
    expect(sessionStorage.getItem("mulaqat.browser.link")).toContain(TOKEN);
    await until(() => links.length, "openLink");
    expect(links).toEqual([LINK]);
    expect(readBrowserLink(window)).toEqual({ server: SERVER, token: TOKEN });
    expect(api.backend.kind).toBe("browser");
    expect(await api.getAppInfo()).toMatchObject({ platform: "browser", embeddedServer: false });
    expect(await api.listRecentRooms()).toEqual([]);
    await expect(api.getFrameSocket()).rejects.toMatchObject({ code: "internal" });
    for (const call of log.mock.calls) expect(JSON.stringify(call)).not.toContain(TOKEN);
  });

  it("knocks, is admitted, offers to the host, and resumes after a reload", async () => {
    const first = page();
    const preview = await first.api.startPreview({ cameraId: null, microphoneId: null });
    expect(preview).toEqual({ track: "local:camera" });
    expect(first.api.backend.mediaStream?.("local:camera")).not.toBeNull();
    const snap = await first.api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    expect(snap.state).toEqual({ type: "connecting" });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    expect(ws.url).toBe(SERVER);
    ws.open();
    expect(ws.sent).toEqual([
      { type: "hello", version: 1, token: TOKEN },
      {
        type: "join",
        room: "ward-7",
        displayName: "Amina",
        media: { audio: true, video: true, screen: false },
        // The page was opened with `codec=vp8`: that codec alone.
        decodes: ["vp8"],
      },
    ]);
    ws.receive({
      type: "lobbyWaiting",
      version: 1,
      participantId: "p2",
      reason: "awaitingAdmission",
    });
    expect(first.calls.at(-1)).toEqual({
      type: "stateChanged",
      state: { type: "waitingInLobby", participantId: "p2", reason: "awaitingAdmission" },
    });
    // The UI is sent the call as it stands first, then what changed it.
    expect(first.order.slice(-2)).toEqual(["snapshot:waitingInLobby", "event:stateChanged"]);
    expect(first.snapshots.at(-1)?.self).toEqual({ id: "p2", role: null });
    ws.receive(welcome);
    expect(first.calls.slice(-3).map((e) => e.type)).toEqual([
      "stateChanged",
      "participantJoined",
      "participantJoined",
    ]);
    // We joined later: we offer to the host.
    const offer = await until(() => ws.sent.find((m) => m.type === "signal"), "our offer");
    expect(offer).toMatchObject({ to: "p1", sdp: { type: "offer" } });
    expect(FakePeerConnection.made).toHaveLength(1);
    expect((await first.api.getCallSnapshot()).participants.map((p) => p.id)).toEqual(["p1", "p2"]);
    expect(first.snapshots.at(-1)).toEqual(await first.api.getCallSnapshot());

    await first.api.setMicMuted({ muted: true });
    expect(first.snapshots.at(-1)?.local.micMuted).toBe(true);
    expect(ws.sent.at(-1)).toEqual({
      type: "mediaState",
      audio: false,
      video: true,
      screen: false,
    });

    // The page reloads: the new page resumes the call, without pre-join.
    const second = page();
    const kept = await second.api.getCallSnapshot();
    expect(kept.state).toEqual({ type: "reconnecting", attempt: 1 });
    expect(kept.participants.map((p) => p.id)).toEqual(["p1", "p2"]);
    expect(kept.local.micMuted).toBe(true);
    const ws2 = await until(() => FakeWebSocket.made[1], "the new WebSocket");
    ws2.open();
    expect(ws2.sent[1]).toMatchObject({
      type: "join",
      resume: { participantId: "p2", resumeToken: "r-1", restarted: true },
      media: { audio: false, video: true, screen: false },
    });
    // The server kept our muted microphone: nothing to tell anyone.
    const muted = { ...person("p2", 2), media: { audio: false, video: true, screen: false } };
    ws2.receive({ ...welcome, participants: [person("p1", 1, "host"), muted] });
    expect(second.calls.map((e) => e.type)).toEqual(["stateChanged"]);
    expect(ws2.types()).toEqual(["hello", "join"]);
    expect(second.links).toEqual([]);

    const left = second.api.leaveCall();
    expect(ws2.sent.at(-1)).toEqual({ type: "leave" });
    ws2.receive({ type: "closed", reason: "left" });
    await left;
    expect(second.calls.at(-1)).toEqual({
      type: "stateChanged",
      state: { type: "ended", reason: { type: "left" } },
    });
    expect(sessionStorage.getItem("mulaqat.browser.call")).toBeNull();
  });

  it("declares the video codecs the browser decodes when no codec is forced", async () => {
    history.replaceState(null, "", `/join#t=${TOKEN}`);
    const codecs = [
      { mimeType: "video/VP8", clockRate: 90000 },
      {
        mimeType: "video/H264",
        clockRate: 90000,
        sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
      },
    ];
    vi.stubGlobal("RTCRtpReceiver", { getCapabilities: () => ({ codecs, headerExtensions: [] }) });
    const { api } = page();
    await api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    ws.open();
    expect(ws.sent[1]).toMatchObject({ type: "join", decodes: ["h264", "vp8"] });
  });

  it("answers a participant who came back restarted on a new connection", async () => {
    const { api } = page();
    await api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    ws.open();
    // p3 joined after us: they offer, we answer.
    ws.receive({ ...welcome, participants: [...welcome.participants, person("p3", 3)] });
    const [, toP3] = FakePeerConnection.made;
    ws.receive({ type: "left", participant: "p3", reason: "disconnected" });
    ws.receive({ type: "joined", participant: person("p3", 3), restarted: true });
    expect(toP3?.closed).toBe(true);
    expect(FakePeerConnection.made).toHaveLength(3);
    ws.receive({ type: "signal", from: "p3", sdp: { type: "offer", sdp: "fresh" } });
    const answer = await until(
      () => ws.sent.find((m) => m.type === "signal" && m.to === "p3"),
      "our answer",
    );
    expect(answer).toMatchObject({ sdp: { type: "answer", sdp: "answer from pc2" } });
  });

  it("tells of our screen's preview in an SFU room as ours, under its publication", async () => {
    const { api, media } = page();
    await api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    ws.open();
    ws.receive({ ...welcome, mode: "sfu" });
    ws.receive({
      type: "modeChanged",
      mode: "sfu",
      sfu: { pin: "pin-1", generation: 1, videoCodec: "vp8" },
    });
    await api.startScreenShare();
    const preview = await until(
      () => media.find((e) => e.type === "trackStarted" && e.track === "local:screen"),
      "the preview",
    );
    expect(preview).toEqual({
      type: "trackStarted",
      track: "local:screen",
      peer: "sfu:screen",
      kind: "video",
      origin: { participant: null, source: "screen" },
    });
    expect((await api.getCallSnapshot()).screens).toEqual([
      { track: "local:screen", participant: null },
    ]);
  });

  it("ends with the server's refusal for an expired link", async () => {
    const { api, calls } = page();
    await api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    ws.open();
    ws.receive({ type: "error", code: "tokenExpired", message: "This link has expired." });
    expect(calls.at(-1)).toEqual({
      type: "stateChanged",
      state: {
        type: "ended",
        reason: { type: "refused", code: "tokenExpired", message: "This link has expired." },
      },
    });
    expect(ws.closedByClient).toBe(true);
  });

  it("refuses the camera as permissionDenied, and joins with sound only without a camera", async () => {
    devices.failures.set("audio+video", domError("NotAllowedError"));
    const { api, media } = page();
    await expect(api.startPreview({ cameraId: null, microphoneId: null })).rejects.toMatchObject({
      code: "permissionDenied",
    });
    devices.failures.set("audio+video", domError("NotFoundError"));
    await api.startPreview({ cameraId: null, microphoneId: null });
    expect(media).toContainEqual({ type: "deviceMissing", kind: "camera" });
    await api.joinCall({
      target: { type: "link", link: LINK },
      displayName: "Amina",
      quality: "auto",
    });
    const ws = await until(() => FakeWebSocket.made[0], "the WebSocket");
    ws.open();
    expect(ws.sent[1]).toMatchObject({ media: { audio: true, video: false } });
    ws.receive(welcome);
    await expect(api.setCameraEnabled({ enabled: true })).rejects.toMatchObject({
      code: "noCamera",
    });
  });

  it("refuses what a browser cannot do", async () => {
    vi.stubGlobal("isSecureContext", false);
    const { api } = page();
    await expect(api.startPreview({ cameraId: null, microphoneId: null })).rejects.toMatchObject({
      code: "insecureContext",
    });
    await expect(
      api.joinCall({
        target: { type: "roomCode", roomCode: "ward-7" },
        displayName: "A",
        quality: "auto",
      }),
    ).rejects.toMatchObject({ code: "invalidLink" });
    await expect(api.startMeeting({ lobby: true })).rejects.toMatchObject({ code: "forbidden" });
    await expect(api.sendChat({ text: "hi" })).rejects.toMatchObject({ code: "notInCall" });
  });
});
