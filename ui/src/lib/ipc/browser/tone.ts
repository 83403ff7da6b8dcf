// The speaker test of the browser client: a short chime through WebAudio, on the chosen
// speaker where the browser lets a page choose (`AudioContext.setSinkId`).

import type { CommandError } from "../contract";

type SinkContext = AudioContext & { setSinkId?: (id: string) => Promise<void> };

export async function playTone(win: Window, speakerId: string | null): Promise<null> {
  const Ctx = (win as Window & { AudioContext?: new () => AudioContext }).AudioContext;
  if (!Ctx)
    throw {
      code: "deviceUnavailable",
      message: "this browser cannot play sound",
    } satisfies CommandError;
  const ctx: SinkContext = new Ctx();
  try {
    if (speakerId && typeof ctx.setSinkId === "function") await ctx.setSinkId(speakerId);
    await ctx.resume();
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    for (const [i, freq] of [660, 880].entries()) {
      const osc = ctx.createOscillator();
      const start = ctx.currentTime + i * 0.3;
      osc.frequency.value = freq;
      osc.connect(gain);
      gain.gain.setValueAtTime(0.2, start);
      osc.start(start);
      osc.stop(start + 0.28);
    }
    await new Promise((resolve) => setTimeout(resolve, 650));
    return null;
  } catch (e) {
    throw {
      code: "deviceUnavailable",
      message: `no sound could be played (${String(e)})`,
    } satisfies CommandError;
  } finally {
    void ctx.close().catch(() => undefined);
  }
}
