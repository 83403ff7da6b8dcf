import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CallEvent, CallSnapshot, MediaEvent, StatsReport } from "./contract";
import { createApi } from "./contract";
import { MockBackend } from "./mock";
import { SCENARIOS } from "./mockScenarios";
import { FakeFrameSocket, fakeFrameSize, fakePicture } from "./mockFrames";
import { parseFrame } from "../video/wire";

const link = "mulaqat://join?server=ws%3A%2F%2F127.0.0.1%3A7878&token=mq1.x.y";

describe("MockBackend", () => {
  let mock: MockBackend;
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    mock?.dispose();
    vi.useRealTimers();
  });

  function record(m: MockBackend) {
    const events: CallEvent[] = [];
    void m.listen("callEvent", (e) => events.push(e));
    return events;
  }

  it("joins as host: connecting, then in the call with ourselves, then the scripted arrivals", async () => {
    mock = new MockBackend({ scenario: "default", latencyMs: 0 });
    const events = record(mock);
    const api = createApi(mock);
    const snap = await api.joinCall({
      target: { type: "link", link },
      displayName: "Dr. Test",
      quality: "auto",
    });
    expect(snap.state.type).toBe("connecting");
    await vi.advanceTimersByTimeAsync(400);
    expect(events.map((e) => e.type)).toEqual([
      "stateChanged",
      "stateChanged",
      "participantJoined",
    ]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(mock.call.remotes().map((p) => p.displayName)).toEqual([
      "Dr. Ayesha Khan",
      "Nurse Bilal Ahmed",
    ]);
    const after = await api.getCallSnapshot();
    expect(after.participants).toHaveLength(3);
  });

  it("sends the call snapshot before each call event, the same one getCallSnapshot answers", async () => {
    mock = new MockBackend({ scenario: "empty", latencyMs: 0 });
    const order: string[] = [];
    let last: CallSnapshot | null = null;
    void mock.listen("callSnapshot", (s) => {
      order.push(`snapshot:${s.participants.length}`);
      last = s;
    });
    void mock.listen("callEvent", (e) => order.push(`event:${e.type}`));
    const api = createApi(mock);
    await api.joinCall({
      target: { type: "roomCode", roomCode: "ward-7" },
      displayName: "Dr. Test",
      quality: "auto",
    });
    await vi.advanceTimersByTimeAsync(400);
    expect(order).toEqual([
      "snapshot:0",
      "event:stateChanged",
      "snapshot:0",
      "event:stateChanged",
      "snapshot:1",
      "event:participantJoined",
    ]);
    expect(last).toEqual(await api.getCallSnapshot());
    await api.setMicMuted({ muted: true });
    expect((await api.getCallSnapshot()).local.micMuted).toBe(true);
    expect(last).toEqual(await api.getCallSnapshot());
  });

  it("ticks stats once a second while in a call", async () => {
    mock = new MockBackend({ scenario: "grid20", latencyMs: 0 });
    const stats = vi.fn();
    void mock.listen("stats", stats);
    await createApi(mock).joinCall({
      target: { type: "roomCode", roomCode: "cmd" },
      displayName: "Host",
      quality: "p720",
    });
    await vi.advanceTimersByTimeAsync(3400);
    expect(stats).toHaveBeenCalledTimes(3);
    expect(stats.mock.calls[0]?.[0].inbound).toHaveLength(19);
  });

  it("makes a guest wait in the lobby until the script admits them", async () => {
    mock = new MockBackend({ scenario: "guest", latencyMs: 0 });
    const events = record(mock);
    await createApi(mock).joinCall({
      target: { type: "link", link: `${link}&role=guest` },
      displayName: "Fatima",
      quality: "auto",
    });
    await vi.advanceTimersByTimeAsync(400);
    expect(mock.call.state).toMatchObject({ type: "waitingInLobby", reason: "hostNotPresent" });
    await vi.advanceTimersByTimeAsync(2000);
    expect(mock.call.state).toMatchObject({ type: "waitingInLobby", reason: "awaitingAdmission" });
    await vi.advanceTimersByTimeAsync(2000);
    expect(mock.call.state).toMatchObject({ type: "inCall", role: "guest" });
    expect(events.some((e) => e.type === "participantJoined")).toBe(true);
  });

  it("lets a host admit and deny knocks", async () => {
    mock = new MockBackend({ scenario: "empty", latencyMs: 0 });
    const api = createApi(mock);
    await api.joinCall({ target: { type: "link", link }, displayName: "Host", quality: "auto" });
    await vi.advanceTimersByTimeAsync(400);
    const a = mock.call.knock("A");
    const b = mock.call.knock("B");
    await api.admitParticipant({ participant: a.id });
    await api.denyParticipant({ participant: b.id });
    expect(mock.call.lobby).toEqual([]);
    expect(mock.call.remotes().map((p) => p.displayName)).toEqual(["A"]);
    await expect(api.admitParticipant({ participant: "nobody" })).rejects.toMatchObject({
      code: "unknownParticipant",
    });
  });

  it("refuses bad input as the real backend would", async () => {
    mock = new MockBackend({ latencyMs: 0 });
    const api = createApi(mock);
    await expect(
      api.joinCall({
        target: { type: "link", link: "https://x" },
        displayName: "A",
        quality: "auto",
      }),
    ).rejects.toMatchObject({
      code: "invalidLink",
    });
    await expect(
      api.joinCall({
        target: { type: "roomCode", roomCode: "r" },
        displayName: " ",
        quality: "auto",
      }),
    ).rejects.toMatchObject({
      code: "invalidDisplayName",
    });
  });

  it("locks the settings a scenario's policy sets", async () => {
    mock = new MockBackend({ scenario: "locked", latencyMs: 0 });
    const api = createApi(mock);
    const s = await api.getSettings();
    expect(s.serverUrl).toEqual({ value: "wss://meet.health.gov.pk", locked: true });
    await expect(
      api.updateSetting({ key: "serverUrl", value: "wss://evil" }),
    ).rejects.toMatchObject({ code: "settingLocked" });
    const after = await api.updateSetting({ key: "clinicalAudio", value: true });
    expect(after.clinicalAudio).toEqual({ value: true, locked: false });
  });

  it("keeps the call across a reload (the call lives in the backend)", async () => {
    const storage = new Map<string, string>();
    const store = {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    } as unknown as Storage;
    mock = new MockBackend({ scenario: "empty", latencyMs: 0, storage: store });
    await createApi(mock).joinCall({
      target: { type: "roomCode", roomCode: "r1" },
      displayName: "Host",
      quality: "auto",
    });
    await vi.advanceTimersByTimeAsync(400);
    mock.dispose();
    const again = new MockBackend({ scenario: "empty", latencyMs: 0, storage: store });
    const snap = await createApi(again).getCallSnapshot();
    expect(snap.state.type).toBe("inCall");
    expect(snap.room).toBe("r1");
    again.dispose();
  });

  it("shares a remote screen in an SFU room as a track of its own, with frames and stats", async () => {
    mock = new MockBackend({ scenario: "sfu", latencyMs: 0 });
    const media: MediaEvent[] = [];
    void mock.listen("mediaEvent", (e) => media.push(e));
    const events = record(mock);
    const stats: StatsReport[] = [];
    void mock.listen("stats", (r) => stats.push(r));
    await createApi(mock).joinCall({
      target: { type: "roomCode", roomCode: "cmd" },
      displayName: "Host",
      quality: "auto",
    });
    // In at 350 ms, sharing from 1.85 s, stats every second from 350 ms.
    await vi.advanceTimersByTimeAsync(2500);
    const amina = mock.call.remotes().find((p) => p.displayName === "Dr. Amina Siddiqui");
    if (!amina) throw new Error("no Amina");
    const origin = { participant: amina.id, source: "screen" };
    const started = media.find((e) => e.type === "trackStarted");
    if (started?.type !== "trackStarted") throw new Error("no screen track");
    const { track, peer } = started;
    expect(media).toEqual([{ type: "trackStarted", track, peer, kind: "video", origin }]);
    const snapshot = await createApi(mock).getCallSnapshot();
    expect(snapshot.screens).toEqual([{ track, participant: amina.id }]);
    expect(amina.media).toEqual({ audio: true, video: true, screen: true });
    expect(events.at(-1)).toEqual({
      type: "mediaStateChanged",
      participant: amina.id,
      state: { audio: true, video: true, screen: true },
    });
    expect(stats.at(-1)?.inbound.find((i) => i.track === track)).toMatchObject({ peer, origin });

    // Frames flow for the screen track while it is shared.
    const socket = mock.openFrameSocket("ws://127.0.0.1:9/?token=t");
    const frames: ArrayBuffer[] = [];
    socket.onmessage = (e) => void (typeof e.data === "string" || frames.push(e.data));
    await vi.advanceTimersByTimeAsync(1);
    socket.send(JSON.stringify({ type: "subscribe", track, width: 320, height: 180 }));
    await vi.advanceTimersByTimeAsync(300);
    expect(frames.length).toBeGreaterThan(1);
    const parsed = parseFrame(frames[0] as ArrayBuffer);
    expect(parsed.ok && parsed.frame.track).toBe(track);

    await vi.advanceTimersByTimeAsync(18_000);
    expect(media.at(-1)).toEqual({ type: "trackEnded", track });
    expect(mock.call.remotes().find((p) => p.id === amina.id)?.media.screen).toBe(false);
    frames.length = 0;
    await vi.advanceTimersByTimeAsync(300);
    expect(frames).toEqual([]);
    socket.close();
  });

  it("previews our own screen in an SFU room as a track of ours, under its publication", async () => {
    mock = new MockBackend({ scenario: "sfu-empty", latencyMs: 0 });
    const media: MediaEvent[] = [];
    void mock.listen("mediaEvent", (e) => media.push(e));
    const api = createApi(mock);
    await api.joinCall({ target: { type: "link", link }, displayName: "Host", quality: "auto" });
    await vi.advanceTimersByTimeAsync(400);
    const { track } = await api.startScreenShare();
    expect(media).toEqual([
      {
        type: "trackStarted",
        track,
        peer: "sfu:screen",
        kind: "video",
        origin: { participant: null, source: "screen" },
      },
    ]);
    expect((await api.getCallSnapshot()).screens).toEqual([{ track, participant: null }]);
    await api.stopScreenShare();
    expect(media.at(-1)).toEqual({ type: "trackEnded", track });
  });

  it("shares a screen peer to peer by the flag alone, no extra track", async () => {
    mock = new MockBackend({ scenario: "empty", latencyMs: 0 });
    const media: MediaEvent[] = [];
    void mock.listen("mediaEvent", (e) => media.push(e));
    const api = createApi(mock);
    await api.joinCall({ target: { type: "link", link }, displayName: "Host", quality: "auto" });
    await vi.advanceTimersByTimeAsync(400);
    const a = mock.call.addParticipant("A");
    mock.call.shareScreen(a.id, true);
    await api.startScreenShare();
    mock.call.shareScreen(a.id, false);
    expect(media).toEqual([]);
    expect(mock.call.sharedScreens.size).toBe(0);
  });

  it("has a description for every scenario and unique names", () => {
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
    for (const s of SCENARIOS) expect(s.description.length).toBeGreaterThan(10);
  });
});

describe("FakeFrameSocket", () => {
  afterEach(() => vi.useRealTimers());

  it("answers subscriptions and sends parseable, changing NV12 frames", async () => {
    vi.useFakeTimers();
    const socket = new FakeFrameSocket("ws://127.0.0.1:9/?token=t");
    const texts: string[] = [];
    const frames: ArrayBuffer[] = [];
    socket.onmessage = (e) =>
      typeof e.data === "string" ? texts.push(e.data) : frames.push(e.data as ArrayBuffer);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.readyState).toBe(1);
    socket.send(JSON.stringify({ type: "subscribe", track: "p1:video", width: 640, height: 360 }));
    await vi.advanceTimersByTimeAsync(500);
    expect(JSON.parse(texts[0] ?? "{}")).toMatchObject({ type: "subscribed", track: "p1:video" });
    expect(frames.length).toBeGreaterThan(2);
    const first = parseFrame(frames[0] as ArrayBuffer);
    const last = parseFrame(frames.at(-1) as ArrayBuffer);
    if (!first.ok || !last.ok) throw new Error("unparseable fake frame");
    expect([first.frame.width, first.frame.height]).toEqual([320, 180]);
    expect(first.frame.y).not.toEqual(last.frame.y);
    socket.close();
  });

  it("draws a shared screen as a moving slide, unlike a camera", () => {
    const a = fakePicture("t1", "screen", 320, 180, 0);
    const b = fakePicture("t1", "screen", 320, 180, 0.5);
    expect(a.y).not.toEqual(b.y);
    expect(a.y).not.toEqual(fakePicture("t1", "camera", 320, 180, 0).y);
    expect(fakePicture("t2", "screen", 64, 36, 1).y).toHaveLength(64 * 36);
  });

  it("sizes fake pictures to the tile, small and even", () => {
    expect(fakeFrameSize(0, 0)).toEqual({ width: 320, height: 180 });
    expect(fakeFrameSize(200, 100)).toEqual({ width: 200, height: 100 });
    expect(fakeFrameSize(1920, 1080)).toEqual({ width: 320, height: 180 });
  });
});
