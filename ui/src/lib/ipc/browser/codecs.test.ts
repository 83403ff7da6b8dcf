// Which video codecs the browser offers, in which order, with and without setCodecPreferences.
import { describe, expect, it } from "vitest";
import { decodableCodecs, isBaselineH264, mungeVideoCodecs, orderCodecs } from "./codecs";

const SDP = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 35",
  "a=rtpmap:96 VP8/90000",
  "a=rtcp-fb:96 nack",
  "a=rtpmap:97 rtx/90000",
  "a=fmtp:97 apt=96",
  "a=rtpmap:98 VP9/90000",
  "a=rtpmap:99 rtx/90000",
  "a=fmtp:99 apt=98",
  "a=rtpmap:100 H264/90000",
  "a=rtcp-fb:100 nack",
  "a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  "a=rtpmap:101 rtx/90000",
  "a=fmtp:101 apt=100",
  "a=rtpmap:35 ulpfec/90000",
  "",
].join("\r\n");

const mline = (sdp: string) => sdp.split("\r\n").find((l) => l.startsWith("m=video"));

describe("video codecs", () => {
  it("knows H.264 constrained baseline with packetization mode 1", () => {
    const h264 = (fmtp: string) => isBaselineH264({ mimeType: "video/H264", sdpFmtpLine: fmtp });
    expect(h264("profile-level-id=42e01f;packetization-mode=1")).toBe(true);
    expect(h264("profile-level-id=42e01f;packetization-mode=0")).toBe(false);
    expect(h264("profile-level-id=640c1f;packetization-mode=1")).toBe(false);
  });

  it("orders H.264 baseline, VP8, then the rest; a forced codec alone with its helpers", () => {
    const codecs = ["video/VP9", "video/rtx", "video/VP8", "video/AV1"].map((mimeType) => ({
      mimeType,
    }));
    const h264 = {
      mimeType: "video/H264",
      sdpFmtpLine: "packetization-mode=1;profile-level-id=42e01f",
    };
    const all = [...codecs, h264];
    expect(orderCodecs(all, null).map((c) => c.mimeType)).toEqual([
      "video/H264",
      "video/VP8",
      "video/VP9",
      "video/AV1",
      "video/rtx",
    ]);
    expect(orderCodecs(all, "vp8").map((c) => c.mimeType)).toEqual(["video/VP8", "video/rtx"]);
    expect(orderCodecs(all, "h264")).toEqual([h264, { mimeType: "video/rtx" }]);
  });

  it("reorders the offer's video payload types when the browser cannot be told", () => {
    expect(mline(mungeVideoCodecs(SDP, null))).toBe(
      "m=video 9 UDP/TLS/RTP/SAVPF 100 101 96 97 98 99 35",
    );
    expect(mungeVideoCodecs(SDP, null)).toContain("a=rtpmap:111 opus/48000/2");
  });

  it("keeps only the forced codec, its retransmission and the helpers in the offer", () => {
    const vp8 = mungeVideoCodecs(SDP, "vp8");
    expect(mline(vp8)).toBe("m=video 9 UDP/TLS/RTP/SAVPF 96 97 35");
    expect(vp8).not.toContain("H264");
    expect(vp8).not.toContain("a=fmtp:101");
    expect(vp8).toContain("a=rtcp-fb:96 nack");
  });

  it("declares the codecs the receiver decodes, a forced one alone, nothing it cannot tell", () => {
    const caps =
      (...codecs: RTCRtpCodec[]) =>
      () => ({ codecs, headerExtensions: [] });
    const vp8 = { mimeType: "video/VP8", clockRate: 90000 };
    const high = {
      mimeType: "video/H264",
      clockRate: 90000,
      sdpFmtpLine: "profile-level-id=640c1f;packetization-mode=1",
    };
    const baseline = { ...high, sdpFmtpLine: "packetization-mode=1;profile-level-id=42e01f" };
    const vp9 = { mimeType: "video/VP9", clockRate: 90000 };
    expect(decodableCodecs(caps(vp9, vp8, high, baseline), null)).toEqual(["h264", "vp8"]);
    // H.264 without constrained baseline is not what an SFU room sends.
    expect(decodableCodecs(caps(vp9, high, vp8), null)).toEqual(["vp8"]);
    expect(decodableCodecs(caps(vp8, baseline), "vp8")).toEqual(["vp8"]);
    expect(decodableCodecs(null, "h264")).toEqual(["h264"]);
    expect(decodableCodecs(null, null)).toBeNull();
    expect(decodableCodecs(() => null, null)).toBeNull();
    expect(decodableCodecs(caps(vp9), null)).toBeNull();
  });
});
