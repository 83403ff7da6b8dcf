// Settings and devices as the browser client has them. There is no settings file and no machine
// policy in a browser: settings live in memory (and in sessionStorage, so a reload keeps them);
// the desktop-only ones are shown as locked to their browser values. Devices are the browser's
// `enumerateDevices()` (names only once the page may use the camera and microphone).

import type { CommandError, DeviceChange, DeviceInfo, DeviceKind, Settings } from "../contract";
import type { UpdateSettingArgs } from "../../bindings";

const SETTINGS_KEY = "mulaqat.browser.settings";

/** Keys that mean something only on the desktop (a server, an encoder, start at login). */
const DESKTOP_ONLY = ["serverUrl", "encoderPreference", "launchAtLogin"] as const;

export function defaultSettings(origin: string): Settings {
  return {
    serverUrl: { value: origin, locked: true },
    displayName: { value: "", locked: false },
    cameraId: { value: null, locked: false },
    microphoneId: { value: null, locked: false },
    speakerId: { value: null, locked: false },
    quality: { value: "auto", locked: false },
    encoderPreference: { value: "auto", locked: true },
    clinicalAudio: { value: false, locked: false },
    language: { value: "system", locked: false },
    launchAtLogin: { value: false, locked: true },
    knockSound: { value: true, locked: false },
  };
}

/** The tab's settings: the defaults, with what was changed earlier in this tab. */
export function loadSettings(origin: string, storage: Storage | null): Settings {
  const settings = defaultSettings(origin);
  try {
    const saved = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? "{}") as Record<string, unknown>;
    for (const [key, value] of Object.entries(saved)) {
      const field = (settings as Record<string, { value: unknown; locked: boolean }>)[key];
      if (field && !field.locked) field.value = value;
    }
  } catch {
    // A damaged entry: the defaults.
  }
  return settings;
}

/** Changes one setting (in memory and for the tab); desktop-only keys are locked. */
export function updateSetting(
  settings: Settings,
  change: UpdateSettingArgs,
  storage: Storage | null,
): Settings | CommandError {
  const field = settings[change.key] as { value: unknown; locked: boolean };
  if (field.locked || (DESKTOP_ONLY as readonly string[]).includes(change.key))
    return {
      code: "settingLocked",
      message: `${change.key} is not a setting of the browser client`,
    };
  field.value = change.value;
  const changed: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(settings) as [
    string,
    { value: unknown; locked: boolean },
  ][])
    if (!f.locked) changed[key] = f.value;
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(changed));
  } catch {
    // Kept in memory only.
  }
  return structuredClone(settings);
}

const KINDS: Partial<Record<MediaDeviceKind, DeviceKind>> = {
  videoinput: "camera",
  audioinput: "microphone",
  audiooutput: "speaker",
};

const NAMES: Record<DeviceKind, string> = {
  camera: "Camera",
  microphone: "Microphone",
  speaker: "Speaker",
};

/** The browser's devices as the contract lists them. */
export async function listDevices(media: MediaDevices | undefined): Promise<DeviceInfo[]> {
  const found = await media?.enumerateDevices().catch(() => []);
  const counts = new Map<DeviceKind, number>();
  const out: DeviceInfo[] = [];
  for (const d of found ?? []) {
    const kind = KINDS[d.kind];
    if (!kind) continue;
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    out.push({
      // Before permission browsers give no ids: one placeholder per kind.
      id: d.deviceId || `browser:${kind}:${n}`,
      name: d.label || (n > 1 ? `${NAMES[kind]} ${n}` : NAMES[kind]),
      kind,
      modes: [],
      isTest: false,
    });
  }
  return out;
}

/** A device id the browser can be asked for (null for the placeholders). */
export function realDeviceId(id: string | null): string | null {
  return id && !id.startsWith("browser:") ? id : null;
}

/** What changed between two listings, as `deviceChanged` events. */
export function deviceChanges(before: DeviceInfo[], after: DeviceInfo[]): DeviceChange[] {
  const key = (d: DeviceInfo) => `${d.kind}/${d.id}/${d.name}`;
  const was = new Set(before.map(key));
  const is = new Set(after.map(key));
  return [
    ...before
      .filter((d) => !is.has(key(d)))
      .map((device) => ({ type: "removed" as const, device })),
    ...after.filter((d) => !was.has(key(d))).map((device) => ({ type: "added" as const, device })),
  ];
}
