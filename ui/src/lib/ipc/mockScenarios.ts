// Scripted scenarios for the mock backend, chosen with `?mock=<name>` (default: `default`).
// Each is what a person would see from a real backend in that situation.

import type {
  ErrorCode,
  LobbyReason,
  ParticipantId,
  ParticipantInfo,
  Role,
  SettingValues,
} from "./contract";

/** What a scenario script can make the fake backend do. */
export interface MockControls {
  addParticipant(
    name: string,
    opts?: { role?: Role; video?: boolean; audio?: boolean },
  ): ParticipantInfo;
  removeRemote(id: ParticipantId, reason?: "left" | "disconnected"): void;
  knock(name: string): ParticipantInfo;
  withdrawKnock(id: ParticipantId): void;
  chatFrom(id: ParticipantId, text: string): void;
  setRemoteMedia(
    id: ParticipantId,
    media: { audio?: boolean; video?: boolean; screen?: boolean },
  ): void;
  /**
   * Someone starts or stops sharing their screen. In an SFU room (`sfu`) the screen is a track
   * of its own, announced with `trackStarted` (its origin saying whose screen) / `trackEnded`,
   * next to their camera; peer to peer it replaces the camera picture (only `media.screen`
   * changes).
   */
  shareScreen(id: ParticipantId, on: boolean): void;
  raiseRemoteHand(id: ParticipantId, raised: boolean): void;
  setActiveSpeaker(id: ParticipantId | null): void;
  reconnecting(attempt: number): void;
  recovered(): void;
  loseConnection(): void;
  admitSelf(): void;
  denySelf(): void;
  hostArrives(): void;
  endByHost(): void;
  setAudioOnly(active: boolean): void;
  setNetwork(quality: "good" | "poor"): void;
  serverError(code: ErrorCode, message: string): void;
  /** Participants in the room other than us. */
  remotes(): ParticipantInfo[];
}

export interface ScenarioStep {
  /** Milliseconds after we enter the call (or the lobby). */
  at: number;
  run: (m: MockControls) => void;
}

export interface Scenario {
  name: string;
  description: string;
  /** The role we join with (a guest link always joins as guest). */
  role: Role;
  /** Guests: wait in the lobby first, for this reason. */
  lobby?: LobbyReason;
  /** The server refuses the join. */
  refuse?: { code: ErrorCode; message: string };
  /** Already in the room when we arrive. */
  present?: string[];
  /** Settings that machine policy sets and locks. */
  locked?: Partial<SettingValues>;
  network?: "good" | "poor";
  /**
   * Whether the platform allows screen sharing; `"cancelled"`: it does, through the desktop's own
   * dialog (a Wayland session), which the person closes without choosing.
   */
  screenShare?: boolean | "cancelled";
  /**
   * The room runs through the SFU (large meetings): a shared screen, ours too, is a video track
   * of its own next to the camera. Peer to peer when absent.
   */
  sfu?: boolean;
  script: ScenarioStep[];
}

export const SITE_NAMES = [
  "NIH Islamabad",
  "WHO Pakistan",
  "PEOC Lahore",
  "PEOC Karachi",
  "PEOC Peshawar",
  "PEOC Quetta",
  "GB Gilgit",
  "AJK Muzaffarabad",
  "Dr. Imran Qureshi",
  "Nurse Bilal Ahmed",
  "ڈاکٹر عائشہ خان",
  "Sr. Nurse Rubina",
  "DHQ Abbottabad",
  "DHQ Sukkur",
  "THQ Chitral",
  "Ministry Control Room",
  "Dr. Sana Malik",
  "Dr. Omar Farooq",
  "Civil Hospital Turbat",
  "Services Hospital",
];

function rotateSpeaker(every: number, times: number): ScenarioStep[] {
  return Array.from({ length: times }, (_, i) => ({
    at: every * (i + 1),
    run: (m: MockControls) => {
      const talking = m.remotes().filter((p) => p.media.audio);
      m.setActiveSpeaker(talking.length ? (talking[i % talking.length]?.id ?? null) : null);
    },
  }));
}

function shareBy(m: MockControls, name: string, on: boolean): void {
  const p = m.remotes().find((x) => x.displayName === name);
  if (p) m.shareScreen(p.id, on);
}

export const SCENARIOS: Scenario[] = [
  {
    name: "default",
    description: "Host; two colleagues join, one speaks, one writes in the chat; stats tick.",
    role: "host",
    script: [
      { at: 1200, run: (m) => void m.addParticipant("Dr. Ayesha Khan") },
      { at: 2500, run: (m) => void m.addParticipant("Nurse Bilal Ahmed", { audio: false }) },
      {
        at: 5000,
        run: (m) => {
          const first = m.remotes()[0];
          if (first) m.chatFrom(first.id, "Good morning. The ward round notes are ready.");
        },
      },
      ...rotateSpeaker(3000, 40),
    ],
  },
  {
    name: "empty",
    description: "Host, alone in the room; nothing happens by itself (tests drive it).",
    role: "host",
    script: [],
  },
  {
    name: "noscreen",
    description: "As empty, on a desktop where the screen cannot be shared.",
    role: "host",
    screenShare: false,
    script: [],
  },
  {
    name: "screen-dialog-closed",
    description:
      "As empty; the desktop asks which screen to share and the person closes its dialog.",
    role: "host",
    screenShare: "cancelled",
    script: [],
  },
  {
    name: "lobby",
    description: "Host; a family member knocks after 1.5 s, a second one after 8 s.",
    role: "host",
    present: ["Dr. Ayesha Khan"],
    script: [
      { at: 1500, run: (m) => void m.knock("Fatima Bibi") },
      { at: 8000, run: (m) => void m.knock("Muhammad Aslam (son)") },
    ],
  },
  {
    name: "guest",
    description: "Guest; the host is not there yet, arrives after 2 s and admits us after 4 s.",
    role: "guest",
    lobby: "hostNotPresent",
    present: ["Dr. Ayesha Khan"],
    script: [
      { at: 2000, run: (m) => m.hostArrives() },
      { at: 4000, run: (m) => m.admitSelf() },
    ],
  },
  {
    name: "denied",
    description: "Guest; the host refuses entry after 3 s.",
    role: "guest",
    lobby: "awaitingAdmission",
    script: [{ at: 3000, run: (m) => m.denySelf() }],
  },
  {
    name: "grid20",
    description: "Command meeting: 19 sites in the room, the speaker changes every 3 s.",
    role: "host",
    present: SITE_NAMES.slice(0, 19),
    script: rotateSpeaker(3000, 60),
  },
  {
    name: "sfu",
    description:
      "An SFU room: Dr. Amina Siddiqui shares her screen at 1.5 s, a tile of its own next to her camera; she stops at 20 s.",
    role: "host",
    sfu: true,
    present: ["Dr. Amina Siddiqui", "PEOC Lahore", "Nurse Bilal Ahmed"],
    script: [
      { at: 1500, run: (m) => shareBy(m, "Dr. Amina Siddiqui", true) },
      { at: 20000, run: (m) => shareBy(m, "Dr. Amina Siddiqui", false) },
    ],
  },
  {
    name: "sfu-empty",
    description:
      "As empty, in an SFU room: shared screens are tracks of their own (tests drive it).",
    role: "host",
    sfu: true,
    script: [],
  },
  {
    name: "reconnecting",
    description: "In a call; the link drops at 3 s, two attempts, back at 9 s.",
    role: "host",
    present: ["Dr. Ayesha Khan"],
    script: [
      { at: 3000, run: (m) => m.reconnecting(1) },
      { at: 5000, run: (m) => m.reconnecting(2) },
      { at: 9000, run: (m) => m.recovered() },
    ],
  },
  {
    name: "poor",
    description:
      "A weak provincial link: high loss and RTT, audio-only fallback at 5 s, back at 15 s.",
    role: "guest",
    network: "poor",
    present: ["PEOC Quetta", "NIH Islamabad"],
    script: [
      { at: 5000, run: (m) => m.setAudioOnly(true) },
      {
        at: 15000,
        run: (m) => {
          m.setNetwork("good");
          m.setAudioOnly(false);
        },
      },
    ],
  },
  {
    name: "lost",
    description: "The link drops at 2 s and never comes back: the call ends as connection lost.",
    role: "host",
    present: ["Dr. Ayesha Khan"],
    script: [
      { at: 2000, run: (m) => m.reconnecting(1) },
      { at: 4000, run: (m) => m.reconnecting(2) },
      { at: 6000, run: (m) => m.loseConnection() },
    ],
  },
  {
    name: "expired",
    description: "The server refuses the link: its token has expired.",
    role: "guest",
    refuse: { code: "tokenExpired", message: "the join token expired at 09:00" },
    script: [],
  },
  {
    name: "ended",
    description: "The host ends the meeting for everyone after 4 s.",
    role: "guest",
    present: ["Dr. Ayesha Khan"],
    script: [{ at: 4000, run: (m) => m.endByHost() }],
  },
  {
    name: "locked",
    description: "Machine policy sets the server, the encoder and launch at login.",
    role: "host",
    locked: {
      serverUrl: "wss://meet.health.gov.pk",
      encoderPreference: "vah264enc",
      launchAtLogin: true,
    },
    script: [],
  },
  {
    name: "chat",
    description: "Someone sends chat that looks like HTML; it must show as text.",
    role: "host",
    present: ["Mallory"],
    script: [
      {
        at: 800,
        run: (m) => {
          const p = m.remotes()[0];
          if (p) m.chatFrom(p.id, "<img src=x onerror=alert(1)> <b>bold?</b>");
        },
      },
    ],
  },
];

export function findScenario(name: string | null | undefined): Scenario {
  return SCENARIOS.find((s) => s.name === name) ?? (SCENARIOS[0] as Scenario);
}
