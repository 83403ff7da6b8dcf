// Time stamps in the browser guest's video, for the bench's latency, laid out as
// crates/media/src/stamp.rs draws them (`mulaqat-cli --stamp-frames`): 40 bits (32-bit
// milliseconds, then an 8-bit check) in two rows of 20 square blocks at the top-left corner, a
// block 1/40 of the width (at least 4 pixels), luma 235 for a one and 16 for a zero.
//
// `installStamps` runs in the page before its scripts (addInitScript): the camera the web
// client gets is stamped (each frame copied out through WebCodecs, stamped, sent on), and
// `window.__stamps.read(track)` records the age of every stamped frame a track decodes.

export interface StampReadings {
  ages: number[];
  unreadable: number;
}

/** Self-contained: serialised into the page. */
export function installStamps(): void {
  const BITS = 40;
  const PER_ROW = 20;
  const PLANAR = ["I420", "I420A", "I422", "I444", "NV12"];
  const blockSize = (width: number) => Math.max(Math.floor(width / 40), 4);
  const checkOf = (value: number) => {
    let acc = 0xa5;
    for (let i = 0; i < 4; i++) {
      const byte = Math.floor(value / 2 ** (8 * i)) % 256;
      acc = (((acc << 3) | (acc >>> 5)) & 0xff) ^ byte;
    }
    return acc;
  };
  const bitOf = (value: number, check: number, i: number) =>
    i < 32 ? Math.floor(value / 2 ** i) % 2 === 1 : ((check >>> (i - 32)) & 1) === 1;

  function write(data: Uint8Array, offset: number, stride: number, width: number, value: number) {
    const block = blockSize(width);
    const check = checkOf(value);
    for (let i = 0; i < BITS; i++) {
      const shade = bitOf(value, check, i) ? 235 : 16;
      const bx = (i % PER_ROW) * block;
      const by = Math.floor(i / PER_ROW) * block;
      for (let y = by; y < by + block; y++)
        data.fill(shade, offset + y * stride + bx, offset + y * stride + bx + block);
    }
  }

  function read(data: Uint8Array, offset: number, stride: number, block: number): number | null {
    const from = Math.floor(block / 4);
    const to = block - from;
    let value = 0;
    let check = 0;
    for (let i = 0; i < BITS; i++) {
      const bx = (i % PER_ROW) * block;
      const by = Math.floor(i / PER_ROW) * block;
      let sum = 0;
      let count = 0;
      for (let y = by + from; y < by + to; y++)
        for (let x = bx + from; x < bx + to; x++) {
          sum += data[offset + y * stride + x] ?? 0;
          count++;
        }
      if (sum / Math.max(count, 1) > 128) {
        if (i < 32) value += 2 ** i;
        else check |= 1 << (i - 32);
      }
    }
    return check === checkOf(value) ? value : null;
  }

  type Gen = { writable: WritableStream<VideoFrame> } & MediaStreamTrack;
  const w = window as unknown as {
    MediaStreamTrackGenerator: new (o: { kind: string }) => Gen;
    MediaStreamTrackProcessor: new (o: { track: MediaStreamTrack }) => {
      readable: ReadableStream<VideoFrame>;
    };
    __stamps: { readings: StampReadings; read(track: MediaStreamTrack): void };
  };

  function stamped(camera: MediaStreamTrack): MediaStreamTrack {
    const out = new w.MediaStreamTrackGenerator({ kind: "video" });
    const writer = out.writable.getWriter();
    const reader = new w.MediaStreamTrackProcessor({ track: camera }).readable.getReader();
    void (async () => {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done || !frame) return;
        // copyTo gives the visible rectangle, which can be smaller than the coded size.
        const width = frame.visibleRect?.width ?? frame.codedWidth;
        const height = frame.visibleRect?.height ?? frame.codedHeight;
        const data = new Uint8Array(frame.allocationSize());
        const layout = await frame.copyTo(data);
        const plane = layout[0];
        if (PLANAR.includes(frame.format ?? "") && plane)
          write(data, plane.offset, plane.stride, width, Date.now() % 4294967296);
        const copy = new VideoFrame(data, {
          format: frame.format ?? "I420",
          codedWidth: width,
          codedHeight: height,
          timestamp: frame.timestamp,
          layout,
        });
        frame.close();
        await writer.write(copy);
      }
    })().catch((e: unknown) => console.error(`stamping the camera: ${String(e)}`));
    return out;
  }

  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    const camera = stream.getVideoTracks()[0];
    if (!camera) return stream;
    return new MediaStream([stamped(camera), ...stream.getAudioTracks()]);
  };

  const readings: StampReadings = { ages: [], unreadable: 0 };
  w.__stamps = {
    readings,
    read(track: MediaStreamTrack) {
      const reader = new w.MediaStreamTrackProcessor({ track }).readable.getReader();
      void (async () => {
        for (;;) {
          const { value: frame, done } = await reader.read();
          if (done || !frame) return;
          const arrived = Date.now();
          const block = blockSize(frame.codedWidth);
          const rect = {
            x: 0,
            y: 0,
            width: PER_ROW * block + (block % 2),
            height: 2 * block + (block % 2),
          };
          let stamp: number | null = null;
          if (PLANAR.includes(frame.format ?? "") && rect.width <= frame.codedWidth) {
            const data = new Uint8Array(frame.allocationSize({ rect }));
            const layout = await frame.copyTo(data, { rect });
            if (layout[0]) stamp = read(data, layout[0].offset, layout[0].stride, block);
          }
          frame.close();
          const age =
            stamp === null ? null : ((arrived % 4294967296) - stamp + 4294967296) % 4294967296;
          if (age === null || age > 60_000) readings.unreadable++;
          else readings.ages.push(age);
        }
      })().catch((e: unknown) => console.error(`reading stamps: ${String(e)}`));
    },
  };
}
