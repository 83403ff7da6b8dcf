//! The frame socket's wire format (`docs/frames.md`): the binary frame
//! header and the JSON text messages.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Bytes;

use super::VideoFrame;
use crate::types::TrackId;

/// The first four bytes of every frame message.
pub(crate) const MAGIC: [u8; 4] = *b"MQF1";
/// Bytes before the track id.
pub(crate) const FIXED_HEADER_LEN: usize = 24;
/// The header (fixed part and track id) is padded to a multiple of this.
pub(crate) const HEADER_ALIGN: usize = 8;
/// The longest track id a client may subscribe to, in bytes.
pub(crate) const MAX_TRACK_LEN: usize = 256;

/// The header length for a track id of `track_len` bytes, padding included.
pub(crate) fn header_len(track_len: usize) -> usize {
    (FIXED_HEADER_LEN + track_len).next_multiple_of(HEADER_ALIGN)
}

/// One binary message: header, then the NV12 bytes. `None` if the frame is
/// invalid or the track id too long for the header (such tracks cannot be
/// subscribed to, so this does not happen in practice).
pub(crate) fn encode_frame(track: &TrackId, frame: &VideoFrame) -> Option<Bytes> {
    if !frame.is_valid() {
        return None;
    }
    let id = track.as_str().as_bytes();
    let hlen = header_len(id.len());
    let hlen16 = u16::try_from(hlen).ok()?;
    let tlen16 = u16::try_from(id.len()).ok()?;
    let mut out = Vec::with_capacity(hlen + frame.data.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&hlen16.to_le_bytes());
    out.extend_from_slice(&tlen16.to_le_bytes());
    out.extend_from_slice(&frame.width.to_le_bytes());
    out.extend_from_slice(&frame.height.to_le_bytes());
    out.extend_from_slice(&frame.timestamp_us.to_le_bytes());
    out.extend_from_slice(id);
    out.resize(hlen, 0);
    out.extend_from_slice(&frame.data);
    Some(Bytes::from(out))
}

/// Reads one binary message back (the reference for the UI's parser).
pub(crate) fn decode_frame(msg: &[u8]) -> Result<(TrackId, VideoFrame), String> {
    if msg.len() < FIXED_HEADER_LEN {
        return Err(format!(
            "a frame message of {} bytes is too short",
            msg.len()
        ));
    }
    if msg[0..4] != MAGIC {
        return Err("the frame message does not start with MQF1".to_owned());
    }
    let u16_at = |at: usize| u16::from_le_bytes([msg[at], msg[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes([msg[at], msg[at + 1], msg[at + 2], msg[at + 3]]);
    let hlen = usize::from(u16_at(4));
    let tlen = usize::from(u16_at(6));
    let width = u32_at(8);
    let height = u32_at(12);
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&msg[16..24]);
    let timestamp_us = u64::from_le_bytes(ts);
    if hlen < FIXED_HEADER_LEN + tlen || hlen > msg.len() {
        return Err(format!(
            "bad header length {hlen} (track id {tlen} bytes, message {} bytes)",
            msg.len()
        ));
    }
    let track = std::str::from_utf8(&msg[FIXED_HEADER_LEN..FIXED_HEADER_LEN + tlen])
        .map_err(|_| "the track id is not UTF-8".to_owned())?;
    let data = &msg[hlen..];
    if VideoFrame::nv12_len(width, height) != Some(data.len()) {
        return Err(format!(
            "{width}x{height} NV12 does not take {} bytes",
            data.len()
        ));
    }
    let frame = VideoFrame {
        width,
        height,
        timestamp_us,
        data: Arc::from(data),
    };
    Ok((TrackId(track.to_owned()), frame))
}

/// A text message from the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum ClientMessage {
    /// Send me this track's frames, scaled to fit `width` x `height`
    /// (0 or absent: native size). Again for the same track: new size.
    Subscribe {
        track: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
        /// At most this many of the track's frames unacknowledged at once
        /// (see `Ack`); 0 or absent: no limit. Set by the first subscribe of
        /// the track; later ones (resizes) leave it as it is.
        #[serde(
            default,
            rename = "maxInFlight",
            skip_serializing_if = "Option::is_none"
        )]
        max_in_flight: Option<u32>,
    },
    /// Stop sending this track.
    Unsubscribe { track: String },
    /// One frame of this track has been dealt with (drawn or skipped): with
    /// `max_in_flight`, the server may send one more. Ignored for tracks
    /// without a limit or no longer subscribed.
    Ack { track: String },
}

/// A text message to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum ServerMessage {
    /// The subscription (or its new size) is in place; 0 x 0 is native.
    Subscribed {
        track: String,
        width: u32,
        height: u32,
    },
    /// No frame of this track follows this message.
    Unsubscribed { track: String },
    /// A client message was refused; the connection stays usable.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        track: Option<String>,
    },
}

impl ServerMessage {
    /// An error reply.
    pub(crate) fn error(code: ErrorCode, message: impl Into<String>, track: Option<&str>) -> Self {
        ServerMessage::Error {
            code,
            message: message.into(),
            track: track.map(str::to_owned),
        }
    }

    /// The JSON text.
    pub(crate) fn to_json(&self) -> String {
        // Serialising these plain enums cannot fail; the fallback keeps the
        // code free of panics anyway.
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"reply could not be encoded"}"#
                .to_owned()
        })
    }
}

/// Why a client message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ErrorCode {
    /// Not JSON, an unknown `type`, a missing or mistyped field, or binary.
    BadMessage,
    /// Track id empty, longer than 256 bytes, or with control characters.
    BadTrack,
    /// Width or height above the maximum.
    BadSize,
    /// Unsubscribe from a track that is not subscribed.
    NotSubscribed,
    /// This connection already has the most subscriptions allowed.
    TooManySubscriptions,
    /// The server could not encode its reply.
    Internal,
}

/// Why a track id is refused, if it is.
pub(crate) fn check_track(track: &str) -> Result<(), &'static str> {
    if track.is_empty() {
        Err("the track id is empty")
    } else if track.len() > MAX_TRACK_LEN {
        Err("the track id is longer than 256 bytes")
    } else if track.chars().any(char::is_control) {
        Err("the track id contains control characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: u32, height: u32) -> VideoFrame {
        let len = VideoFrame::nv12_len(width, height).unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        VideoFrame::new(width, height, 0x0102_0304_0506_0708, data)
    }

    #[test]
    fn header_layout_is_fixed_little_endian() {
        let f = frame(4, 2);
        let msg = encode_frame(&TrackId::from("local:camera"), &f).unwrap();
        // 24 fixed + 12 track bytes = 36, padded to 40.
        assert_eq!(&msg[0..4], b"MQF1");
        assert_eq!(&msg[4..6], &40u16.to_le_bytes());
        assert_eq!(&msg[6..8], &12u16.to_le_bytes());
        assert_eq!(&msg[8..12], &4u32.to_le_bytes());
        assert_eq!(&msg[12..16], &2u32.to_le_bytes());
        assert_eq!(&msg[16..24], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&msg[24..36], b"local:camera");
        assert_eq!(&msg[36..40], &[0, 0, 0, 0]);
        assert_eq!(&msg[40..], &f.data[..]);
    }

    #[test]
    fn frames_round_trip() {
        for track in ["a", "local:camera", "peer-7:video", "ü:video"] {
            let f = frame(640, 360);
            let msg = encode_frame(&TrackId::from(track), &f).unwrap();
            assert_eq!(header_len(track.len()) % HEADER_ALIGN, 0);
            let (t, back) = decode_frame(&msg).unwrap();
            assert_eq!(t.as_str(), track);
            assert_eq!(back, f);
        }
    }

    #[test]
    fn invalid_frames_are_not_encoded() {
        let bad = VideoFrame::new(4, 2, 0, vec![0; 5]);
        assert!(encode_frame(&TrackId::from("t"), &bad).is_none());
        let long = TrackId("x".repeat(70_000));
        assert!(encode_frame(&long, &frame(2, 2)).is_none());
    }

    #[test]
    fn broken_messages_are_errors_not_panics() {
        let good = encode_frame(&TrackId::from("t"), &frame(2, 2)).unwrap();
        for cut in 0..good.len() {
            assert!(decode_frame(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = good.to_vec();
        bad[0] = b'X';
        assert!(decode_frame(&bad).is_err());
        let mut bad = good.to_vec();
        bad[4..6].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(decode_frame(&bad).is_err());
        let mut bad = good.to_vec();
        bad[6..8].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(decode_frame(&bad).is_err());
    }

    #[test]
    fn client_messages_parse_with_optional_sizes() {
        let m: ClientMessage = serde_json::from_str(
            r#"{"type":"subscribe","track":"a:video","width":320,"height":180}"#,
        )
        .unwrap();
        assert_eq!(
            m,
            ClientMessage::Subscribe {
                track: "a:video".into(),
                width: Some(320),
                height: Some(180),
                max_in_flight: None,
            }
        );
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","track":"a:video","extra":1}"#).unwrap();
        assert!(matches!(m, ClientMessage::Subscribe { width: None, .. }));
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","track":"a:video","maxInFlight":2}"#)
                .unwrap();
        assert!(matches!(
            m,
            ClientMessage::Subscribe {
                max_in_flight: Some(2),
                ..
            }
        ));
        let m: ClientMessage = serde_json::from_str(r#"{"type":"ack","track":"a:video"}"#).unwrap();
        assert_eq!(
            m,
            ClientMessage::Ack {
                track: "a:video".into()
            }
        );
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"unsubscribe","track":"a:video"}"#).unwrap();
        assert_eq!(
            m,
            ClientMessage::Unsubscribe {
                track: "a:video".into()
            }
        );
        for bad in [
            "",
            "null",
            r#"{"type":"subscribe"}"#,
            r#"{"type":"dance","track":"a"}"#,
            r#"{"type":"subscribe","track":"a","width":-1}"#,
            r#"{"type":"subscribe","track":"a","width":1.5}"#,
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_messages_are_camel_case_json() {
        let e = ServerMessage::error(ErrorCode::NotSubscribed, "no", Some("t")).to_json();
        assert_eq!(
            e,
            r#"{"type":"error","code":"notSubscribed","message":"no","track":"t"}"#
        );
        let s = ServerMessage::Subscribed {
            track: "t".into(),
            width: 0,
            height: 0,
        }
        .to_json();
        assert_eq!(
            s,
            r#"{"type":"subscribed","track":"t","width":0,"height":0}"#
        );
    }

    #[test]
    fn track_ids_are_checked() {
        assert!(check_track("local:camera").is_ok());
        assert!(check_track("").is_err());
        assert!(check_track(&"x".repeat(257)).is_err());
        assert!(check_track("a\nb").is_err());
    }
}
