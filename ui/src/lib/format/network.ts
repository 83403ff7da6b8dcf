// What each fixed quality needs from the network (the pre-join check grades the measured speed
// against it in features/prejoin/networkCheck.ts).

/** Bitrates (kbit/s) the engine starts each quality at (mulaqat_media::Quality::start_bitrate_kbps). */
export const NEEDED_KBPS = { p360: 800, p720: 2000, p1080: 4000, p2160: 12000 } as const;
