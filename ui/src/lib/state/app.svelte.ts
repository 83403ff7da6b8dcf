// The window's state: what the backend told us (settings, devices, the call, stats) and where
// the person is (home, pre-join, settings). Components read it and call its actions; only this
// class talks to the API, so components stay small and tests can drive it with the mock. The call
// is the last snapshot the backend sent (`callSnapshot`); call and media events only drive what
// drawing it does not (announcements, counts, notices).

import { getContext, setContext } from "svelte";
import { SvelteSet } from "svelte/reactivity";
import type {
  Api,
  AppInfo,
  CallEvent,
  CallSnapshot,
  DeviceInfo,
  DeviceKind,
  EncoderInfo,
  JoinTarget,
  LocalMedia,
  MediaEvent,
  ParticipantId,
  ParticipantInfo,
  QualityChoice,
  SettingKey,
  SettingValues,
  Settings,
  StartedMeeting,
  StatsReport,
} from "../ipc/contract";
import { isCommandError } from "../ipc/contract";
import { KnockAlert } from "../audio/knockAlert";
import { i18n, resolveLocale, t, type Locale } from "../i18n/index.svelte";
import { FrameConnection } from "../video/connection";
import { environmentFailure, failureFromCode, missingDevices, type Failure } from "../web/failures";
import { isBrowserBackend, nextCamera } from "../web/guest";
import { emptySnapshot, isActive, isHostNow } from "./call";
import { describeError, screenShareEndedNotice } from "./messages";
import { summariseStats, type StatsSummary } from "./stats";

export type Page =
  | { name: "home" }
  | { name: "prejoin"; target: JoinTarget; meeting: StartedMeeting | null }
  | { name: "settings" };

export type View = "home" | "prejoin" | "settings" | "lobby" | "call" | "ended";

export interface Notice {
  id: number;
  text: string;
}

interface JoinRequest {
  target: JoinTarget;
  displayName: string;
  quality: QualityChoice;
}

export class AppModel {
  appInfo = $state<AppInfo | null>(null);
  settings = $state<Settings | null>(null);
  devices = $state<DeviceInfo[]>([]);
  encoders = $state<EncoderInfo[]>([]);
  call = $state<CallSnapshot>(emptySnapshot());
  stats = $state<StatsSummary | null>(null);
  activeSpeaker = $state<ParticipantId | null>(null);
  /** Why video is off for now, while the engine's audio-only fallback is on. */
  audioOnly = $state<string | null>(null);
  cameraLost = $state<string | null>(null);
  encoder = $state<{ element: string; hardware: boolean } | null>(null);
  notices = $state<Notice[]>([]);
  page = $state<Page>({ name: "home" });
  /** The ended screen was dismissed. */
  endedDismissed = $state(false);
  helpOpen = $state(false);
  knockSoundMuted = $state(false);
  /** Messages for screen readers: `polite` for status, `assertive` for knocks. */
  politeMessage = $state("");
  assertiveMessage = $state("");
  unreadChat = $state(0);
  chatOpen = $state(false);
  ready = $state(false);

  /** Browser client: why it cannot go on (a plain page says what to do next), or null. */
  failure = $state<Failure | null>(null);
  /** Browser client: the guest chose to go on without a microphone. */
  withoutMicrophone = $state(false);
  /** The device list has been read once. */
  devicesListed = $state(false);
  /** Kinds of device the browser backend found none of (`deviceMissing`), until one is added. */
  readonly devicesMissing = new SvelteSet<DeviceKind>();
  /**
   * Counts changes of the backend's media (a track started or ended, a device switched), so
   * tiles showing the browser backend's MediaStreams ask for them again.
   */
  mediaVersion = $state(0);

  readonly knockAlert: KnockAlert;
  private lastReport: StatsReport | null = null;
  private lastJoin: JoinRequest | null = null;
  private unlisten: (() => void)[] = [];
  private frameConnection: FrameConnection | null = null;
  private noticeId = 0;
  /** A `callSnapshot` has arrived: it is newer than what `start` asked for. */
  private snapshotSent = false;
  /** What the person switched that the backend has not answered yet: drawn over its snapshots. */
  private pendingLocal: Partial<LocalMedia> = {};
  /** Browser client: the language chosen on the page, over the backend's setting. */
  private pageLocale: Locale | null = null;

  readonly view: View = $derived.by(() => {
    const state = this.call.state;
    if (state.type === "waitingInLobby") return "lobby";
    if (isActive(state)) return "call";
    if (state.type === "ended" && !this.endedDismissed) return "ended";
    return this.page.name;
  });
  readonly selfId = $derived(this.call.self?.id ?? null);
  readonly isHost = $derived(isHostNow(this.call));
  readonly remotes: ParticipantInfo[] = $derived(
    this.call.participants.filter((p) => p.id !== this.selfId),
  );
  readonly self: ParticipantInfo | undefined = $derived(
    this.call.participants.find((p) => p.id === this.selfId),
  );
  /** Browser client without a camera: the guest joins with sound only, and the call says so. */
  readonly noCamera: boolean = $derived(this.web && this.lacks("camera"));
  /** The page the browser client shows instead of its screens, or null. */
  readonly guestFailure: Failure | null = $derived.by(() => {
    // During a call (or in the lobby) problems are notices: the call goes on.
    if (!this.web || this.view === "call" || this.view === "lobby") return null;
    if (this.failure) return this.failure;
    const noMicrophone = this.lacks("microphone") && !this.withoutMicrophone;
    return noMicrophone && this.view === "prejoin" ? "noMicrophone" : null;
  });

  /** This device has no camera (or microphone): the backend said so, or the device list shows it. */
  private lacks(kind: "camera" | "microphone"): boolean {
    return (
      this.devicesMissing.has(kind) || (this.devicesListed && missingDevices(this.devices)[kind])
    );
  }

  constructor(
    readonly api: Api,
    alert?: KnockAlert,
  ) {
    this.knockAlert = alert ?? new KnockAlert();
  }

  /** This page is the browser client (`/join`): a guest's screens, nothing of the desktop's. */
  get web(): boolean {
    return isBrowserBackend(this.api.backend);
  }

  /** The window's one frame socket, opened on first use. */
  get frames(): FrameConnection {
    if (!this.frameConnection) {
      this.frameConnection = new FrameConnection({
        getInfo: () => this.api.getFrameSocket(),
        open: (url) => this.api.backend.openFrameSocket(url),
      });
      this.frameConnection.start();
    }
    return this.frameConnection;
  }

  async start(): Promise<void> {
    const { api } = this;
    // A browser that cannot make calls at all is told so before anything is tried.
    if (this.web) this.failure = environmentFailure(globalThis);
    this.unlisten.push(
      api.on("callSnapshot", (s) => this.onSnapshot(s)),
      api.on("callEvent", (e) => this.onCallEvent(e)),
      api.on("stats", (r) => this.onStats(r)),
      api.on("mediaEvent", (e) => this.onMediaEvent(e)),
      api.on("deviceChanged", (change) => {
        if (change.type === "added") this.devicesMissing.delete(change.device.kind);
        void this.refreshDevices();
      }),
      api.on("activeSpeaker", (e) => (this.activeSpeaker = e.participant)),
      api.on("notification", (n) => this.onNotification(n.tag, n.action)),
      api.on("openLink", (link) => this.onOpenLink(link)),
    );
    const [info, settings, snapshot] = await Promise.all([
      api.getAppInfo(),
      api.getSettings(),
      api.getCallSnapshot(),
    ]);
    this.appInfo = info;
    // Started with a link (`--join`, a deep link): straight to its pre-join screen.
    if (info.openLink) this.onOpenLink(info.openLink);
    this.applySettings(settings);
    // Reattach: the call lives in the backend and may have started before this page loaded.
    if (isActive(snapshot.state) && !this.snapshotSent) this.call = snapshot;
    this.syncKnockAlert();
    this.ready = true;
    void this.refreshDevices();
  }

  stop(): void {
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.knockAlert.stop();
    this.frameConnection?.stop();
  }

  // ─────────────────────────── navigation ───────────────────────────

  go(page: Page): void {
    this.page = page;
    if (this.call.state.type === "ended") this.endedDismissed = true;
  }

  /** Leaves the ended screen for home. */
  dismissEnded(): void {
    this.endedDismissed = true;
    this.page = { name: "home" };
  }

  // ─────────────────────────── backend → model ───────────────────────────

  private onSnapshot(snapshot: CallSnapshot): void {
    this.snapshotSent = true;
    this.call = { ...snapshot, local: { ...snapshot.local, ...this.pendingLocal } };
    this.syncKnockAlert();
  }

  /** What a call event means besides the snapshot that came before it. */
  private onCallEvent(e: CallEvent): void {
    switch (e.type) {
      case "stateChanged":
        if (e.state.type === "connecting") this.endedDismissed = false;
        if (e.state.type === "ended") {
          this.stats = null;
          this.lastReport = null;
          this.audioOnly = null;
          this.activeSpeaker = null;
          this.chatOpen = false;
          this.unreadChat = 0;
        }
        break;
      case "knock": {
        const name = e.participant.displayName;
        this.announce(t("lobby.knockAnnounce", { name }), "assertive");
        void this.api
          .notify({
            tag: `knock:${e.participant.id}`,
            title: t("lobby.knockTitle"),
            body: t("lobby.knockAnnounce", { name }),
            actions: ["admit", "deny"],
          })
          .catch(() => undefined);
        break;
      }
      case "chat":
        if (e.message.from !== this.selfId && !this.chatOpen) {
          this.unreadChat += 1;
          this.announce(t("chat.newFrom", { name: e.message.displayName }));
        }
        break;
      case "error":
        this.notify(t("error.server", { message: e.message }));
        break;
    }
  }

  private onStats(report: StatsReport): void {
    this.stats = summariseStats(this.lastReport, report);
    this.lastReport = report;
  }

  private onMediaEvent(e: MediaEvent): void {
    switch (e.type) {
      case "audioOnly":
        // The banner's live region announces it.
        this.audioOnly = e.active ? e.reason : null;
        break;
      case "cameraLost":
        this.cameraLost = e.reason;
        break;
      case "encoderSelected":
        this.encoder = { element: e.element, hardware: e.hardware };
        break;
      case "trackStarted":
      case "trackEnded":
      case "firstFrame":
        this.mediaVersion += 1;
        break;
      case "deviceMissing":
        // The call goes on without it; the screens say so.
        this.devicesMissing.add(e.kind);
        break;
      case "screenShareEnded":
        this.notify(screenShareEndedNotice(e.cause, e.reason));
        break;
      case "error":
        this.notify(e.message);
        break;
    }
  }

  private onNotification(tag: string, action: "open" | "admit" | "deny"): void {
    if (!tag.startsWith("knock:")) return;
    const id = tag.slice("knock:".length);
    if (action === "admit") void this.admit(id);
    else if (action === "deny") void this.deny(id);
  }

  /** A join link from outside opens the pre-join screen, unless a call is under way. */
  private onOpenLink(link: string): void {
    if (isActive(this.call.state)) {
      this.notify(t("error.finishCallFirst"));
      return;
    }
    this.go({ name: "prejoin", target: { type: "link", link }, meeting: null });
  }

  private syncKnockAlert(): void {
    const soundOn = this.settings?.knockSound.value ?? true;
    this.knockAlert.setMuted(!soundOn || this.knockSoundMuted);
    this.knockAlert.setWaiting(this.isHost && this.call.lobby.length > 0);
  }

  setKnockSoundMuted(muted: boolean): void {
    this.knockSoundMuted = muted;
    this.syncKnockAlert();
  }

  announce(text: string, politeness: "polite" | "assertive" = "polite"): void {
    // Clear first so the same text twice is announced twice.
    if (politeness === "polite") {
      this.politeMessage = "";
      queueMicrotask(() => (this.politeMessage = text));
    } else {
      this.assertiveMessage = "";
      queueMicrotask(() => (this.assertiveMessage = text));
    }
  }

  notify(text: string): void {
    const id = ++this.noticeId;
    this.notices = [...this.notices, { id, text }];
    setTimeout(() => this.dismissNotice(id), 8000);
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  private applySettings(settings: Settings): void {
    this.settings = settings;
    const languages = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? "en"];
    i18n.apply(this.pageLocale ?? resolveLocale(settings.language.value, languages));
  }

  async refreshDevices(): Promise<void> {
    this.devices = await this.api.listDevices();
    this.devicesListed = true;
  }

  async loadEncoders(): Promise<void> {
    this.encoders = await this.api.listEncoders();
  }

  // ─────────────────────────── actions ───────────────────────────

  /**
   * Runs a command; a failure becomes a notice in plain language (a dialog of the desktop's the
   * person closed is not a failure: no notice). Returns success.
   */
  private async attempt(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (e) {
      this.noteMissingDevice(e);
      if (!(isCommandError(e) && e.code === "cancelled")) this.notify(describeError(e));
      return false;
    }
  }

  async setSetting<K extends SettingKey>(key: K, value: SettingValues[K]): Promise<boolean> {
    return this.attempt(async () => {
      const settings = await this.api.updateSetting({ key, value } as never);
      this.applySettings(settings);
      this.syncKnockAlert();
    });
  }

  async join(
    target: JoinTarget,
    displayName: string,
    quality: QualityChoice,
  ): Promise<string | null> {
    this.lastJoin = { target, displayName, quality };
    try {
      this.endedDismissed = false;
      const snapshot = await this.api.joinCall({ target, displayName, quality });
      if (isActive(snapshot.state) && !isActive(this.call.state)) this.call = snapshot;
      else if (this.call.room === null) this.call.room = snapshot.room;
      return null;
    } catch (e) {
      this.failIfPage(e);
      return describeError(e);
    }
  }

  /**
   * Browser client: a command failure that is a page of its own (expired or damaged link,
   * camera refused, no WebRTC, insecure page) replaces the screens. Returns whether it did.
   */
  failIfPage(e: unknown): boolean {
    this.noteMissingDevice(e);
    const failure = this.web && isCommandError(e) ? failureFromCode(e.code) : null;
    if (failure) this.failure = failure;
    return failure !== null;
  }

  /** `noCamera` / `noMicrophone`: the device has none; the screens say so from now on. */
  private noteMissingDevice(e: unknown): void {
    if (isCommandError(e) && e.code === "noCamera") this.devicesMissing.add("camera");
    if (isCommandError(e) && e.code === "noMicrophone") this.devicesMissing.add("microphone");
  }

  /** Browser client: back from a failure page to try again (camera allowed now, ...). */
  retry(): void {
    this.failure = null;
    this.devicesMissing.clear();
    this.mediaVersion += 1;
    void this.refreshDevices();
  }

  /** Browser client: the language chosen on the page (kept by the backend when it can). */
  async setLanguage(locale: Locale): Promise<void> {
    this.pageLocale = locale;
    i18n.apply(locale);
    try {
      this.settings = await this.api.updateSetting({ key: "language", value: locale });
    } catch {
      // The page keeps the choice for this visit.
    }
  }

  /** The next camera (a phone's front and back), when there is more than one. */
  switchCamera = async (): Promise<boolean> => {
    const current =
      this.settings?.cameraId.value ?? this.devices.find((d) => d.kind === "camera")?.id ?? null;
    const cameraId = nextCamera(this.devices, current);
    if (!cameraId) return false;
    const ok = await this.attempt(() =>
      this.api.setDevices({ cameraId, microphoneId: null, speakerId: null }),
    );
    if (!ok) return false;
    this.mediaVersion += 1;
    if (this.settings && !this.settings.cameraId.locked)
      await this.setSetting("cameraId", cameraId);
    return true;
  };

  get canRejoin(): boolean {
    return this.lastJoin !== null;
  }

  async rejoin(): Promise<void> {
    if (!this.lastJoin) return;
    const { target, displayName, quality } = this.lastJoin;
    const problem = await this.join(target, displayName, quality);
    if (problem) this.notify(problem);
  }

  async startMeeting(lobby: boolean): Promise<StartedMeeting | null> {
    try {
      return await this.api.startMeeting({ lobby });
    } catch (e) {
      this.notify(describeError(e));
      return null;
    }
  }

  /**
   * Shows `change` at once, over the backend's snapshots until `run` is answered; puts back
   * `undo` if it fails.
   */
  private async switchLocal(
    change: Partial<LocalMedia>,
    undo: Partial<LocalMedia> | null,
    run: () => Promise<unknown>,
  ): Promise<boolean> {
    Object.assign(this.pendingLocal, change);
    Object.assign(this.call.local, change);
    const ok = await this.attempt(run);
    // Answered: the backend's snapshots say it from now on (unless switched again meanwhile).
    const answered = (key: string, value: unknown) => change[key as keyof LocalMedia] === value;
    this.pendingLocal = Object.fromEntries(
      Object.entries(this.pendingLocal).filter(([key, value]) => !answered(key, value)),
    );
    if (!ok && undo) Object.assign(this.call.local, undo);
    return ok;
  }

  toggleMic = (): Promise<boolean> => {
    const muted = !this.call.local.micMuted;
    return this.switchLocal({ micMuted: muted }, { micMuted: !muted }, () =>
      this.api.setMicMuted({ muted }),
    );
  };

  toggleCamera = (): Promise<boolean> => {
    const enabled = !this.call.local.cameraEnabled;
    return this.switchLocal({ cameraEnabled: enabled }, { cameraEnabled: !enabled }, () =>
      this.api.setCameraEnabled({ enabled }),
    );
  };

  toggleScreenShare = (): Promise<boolean> => {
    const on = !this.call.local.screenSharing;
    return this.attempt(() => (on ? this.api.startScreenShare() : this.api.stopScreenShare())).then(
      (ok) => {
        if (ok) this.call.local.screenSharing = on;
        return ok;
      },
    );
  };

  toggleHand = (): Promise<boolean> => {
    const raised = !this.call.local.handRaised;
    return this.switchLocal({ handRaised: raised }, null, () => this.api.raiseHand({ raised }));
  };

  sendChat = (text: string): Promise<boolean> => this.attempt(() => this.api.sendChat({ text }));
  leave = (): Promise<boolean> => this.attempt(() => this.api.leaveCall());
  endForAll = (): Promise<boolean> => this.attempt(() => this.api.endMeeting());

  admit = (participant: ParticipantId): Promise<boolean> =>
    this.attempt(() => this.api.admitParticipant({ participant }));
  deny = (participant: ParticipantId): Promise<boolean> =>
    this.attempt(() => this.api.denyParticipant({ participant }));
  remove = (participant: ParticipantId): Promise<boolean> =>
    this.attempt(() => this.api.removeParticipant({ participant }));

  setChatOpen(open: boolean): void {
    this.chatOpen = open;
    if (open) this.unreadChat = 0;
  }
}

const KEY = Symbol("mulaqat-app");

export function provideApp(app: AppModel): void {
  setContext(KEY, app);
}

export function useApp(): AppModel {
  const app = getContext<AppModel | undefined>(KEY);
  if (!app)
    throw new Error(
      "AppModel missing: wrap the component in <App> or pass it in the render context",
    );
  return app;
}

export const APP_CONTEXT_KEY = KEY;
