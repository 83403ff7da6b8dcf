//! Choosing an encoder: pure functions over the profile table and what is
//! known about this machine, so they can be tested with faked availability.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::profile::EncoderProfile;
use crate::MediaError;
use crate::types::VideoCodec;

/// Why an encoder cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "reason")]
pub enum Unusable {
    /// The element is not installed (or its plugin found no device).
    NotInstalled,
    /// It failed its test encode or a real call; the reason.
    Failed(String),
    /// A hardware encoder the background probe has not reached yet.
    NotProbedYet,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::NotInstalled => f.write_str("not installed"),
            Unusable::Failed(why) => write!(f, "failed: {why}"),
            Unusable::NotProbedYet => f.write_str("not tested yet"),
        }
    }
}

/// Why this encoder was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Reason {
    /// The user or machine policy pinned it.
    Pinned,
    /// Nothing was pinned; it is the first usable one in preference order.
    BestAvailable,
    /// The pinned encoder cannot be used, so the best usable one was taken.
    PinnedUnavailableFellBack {
        /// The element that was pinned.
        pinned: String,
        /// Why it cannot be used.
        why: Unusable,
    },
}

/// The chosen encoder and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection<'a> {
    /// The encoder to use.
    pub profile: &'a EncoderProfile,
    /// Why it.
    pub reason: Reason,
    /// Preferred encoders of the same codec that were passed over, best first.
    pub skipped: Vec<(&'static str, Unusable)>,
}

/// No encoder could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// The pinned element is not in the profile table.
    #[error("the pinned encoder {0:?} is not one Mulaqat knows how to configure")]
    UnknownEncoder(String),
    /// The pinned element makes another codec.
    #[error("the pinned encoder {pinned:?} makes {pinned_codec}, not {wanted}")]
    PinnedOtherCodec {
        /// The element that was pinned.
        pinned: String,
        /// What it makes.
        pinned_codec: VideoCodec,
        /// What was asked for.
        wanted: VideoCodec,
    },
    /// Every candidate is unusable.
    #[error("no working {codec} encoder (tried {})", describe(.tried))]
    NoEncoder {
        /// The codec asked for.
        codec: VideoCodec,
        /// Every candidate and why it is unusable, in preference order.
        tried: Vec<(&'static str, Unusable)>,
    },
}

fn describe(tried: &[(&'static str, Unusable)]) -> String {
    if tried.is_empty() {
        return "nothing: no encoder in the table makes it".to_owned();
    }
    let parts: Vec<String> = tried.iter().map(|(e, why)| format!("{e}: {why}")).collect();
    parts.join("; ")
}

impl From<SelectError> for MediaError {
    fn from(err: SelectError) -> Self {
        match err {
            SelectError::NoEncoder { codec, tried } => {
                MediaError::NoEncoder(format!("{codec} (tried {})", describe(&tried)))
            }
            pin => MediaError::build("the video encoder", pin),
        }
    }
}

/// Chooses the encoder for `codec`: the pinned one if it is usable, else the
/// first usable one in table order (hardware first). `usable` says whether
/// an encoder can be used on this machine now.
///
/// Pinning an element that is unknown or makes another codec is an error:
/// that is a configuration mistake, not a missing device.
pub fn select<'a>(
    codec: VideoCodec,
    profiles: &'a [EncoderProfile],
    pinned: Option<&str>,
    usable: impl Fn(&EncoderProfile) -> Result<(), Unusable>,
) -> Result<Selection<'a>, SelectError> {
    let mut pin_failure = None;
    if let Some(pinned) = pinned {
        let profile = profiles
            .iter()
            .find(|p| p.element == pinned)
            .ok_or_else(|| SelectError::UnknownEncoder(pinned.to_owned()))?;
        if profile.codec != codec {
            return Err(SelectError::PinnedOtherCodec {
                pinned: pinned.to_owned(),
                pinned_codec: profile.codec,
                wanted: codec,
            });
        }
        match usable(profile) {
            Ok(()) => {
                return Ok(Selection {
                    profile,
                    reason: Reason::Pinned,
                    skipped: Vec::new(),
                });
            }
            Err(why) => pin_failure = Some((profile.element, why)),
        }
    }

    let mut skipped = Vec::new();
    for profile in profiles.iter().filter(|p| p.codec == codec) {
        if let Some((pinned, why)) = pin_failure.as_ref().filter(|(e, _)| *e == profile.element) {
            skipped.push((*pinned, why.clone()));
            continue;
        }
        match usable(profile) {
            Ok(()) => {
                let reason = match pin_failure {
                    Some((pinned, why)) => Reason::PinnedUnavailableFellBack {
                        pinned: pinned.to_owned(),
                        why,
                    },
                    None => Reason::BestAvailable,
                };
                return Ok(Selection {
                    profile,
                    reason,
                    skipped,
                });
            }
            Err(why) => skipped.push((profile.element, why)),
        }
    }
    Err(SelectError::NoEncoder {
        codec,
        tried: skipped,
    })
}

/// The codecs this machine can send, in [`VideoCodec`] order: those with at
/// least one usable encoder. H.265 is offered only when this says so.
pub fn sendable_codecs(
    profiles: &[EncoderProfile],
    usable: impl Fn(&EncoderProfile) -> Result<(), Unusable>,
) -> Vec<VideoCodec> {
    let mut codecs: Vec<VideoCodec> = profiles
        .iter()
        .filter(|p| usable(p).is_ok())
        .map(|p| p.codec)
        .collect();
    codecs.sort();
    codecs.dedup();
    codecs
}

/// A `usable` function from the two facts the engine keeps: whether an
/// element is installed, and which elements failed (element → reason).
pub fn usable_from<'a>(
    installed: impl Fn(&str) -> bool + 'a,
    failed: &'a BTreeMap<String, String>,
) -> impl Fn(&EncoderProfile) -> Result<(), Unusable> + 'a {
    move |profile| {
        if let Some(why) = failed.get(profile.element) {
            Err(Unusable::Failed(why.clone()))
        } else if !installed(profile.element) {
            Err(Unusable::NotInstalled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::profile::profiles;

    fn failed(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(e, why)| ((*e).to_owned(), (*why).to_owned()))
            .collect()
    }

    /// A machine with these elements installed.
    fn machine(installed: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |e| installed.contains(&e)
    }

    const LAPTOP: &[&str] = &["vah264enc", "vah265enc", "x264enc", "openh264enc", "vp8enc"];

    #[test]
    fn selection_prefers_hardware_encoder_when_present() {
        let none = failed(&[]);
        let s = select(
            VideoCodec::H264,
            profiles(),
            None,
            usable_from(machine(LAPTOP), &none),
        )
        .unwrap();
        assert_eq!(s.profile.element, "vah264enc");
        assert_eq!(s.reason, Reason::BestAvailable);
        assert!(
            s.skipped
                .iter()
                .all(|(_, why)| *why == Unusable::NotInstalled)
        );
        assert_eq!(s.skipped.first().map(|s| s.0), Some("nvh264enc"));
    }

    #[test]
    fn selection_falls_back_to_software_encoder_when_hardware_failed_probe() {
        let bad = failed(&[("vah264enc", "no output in 5 s")]);
        let s = select(
            VideoCodec::H264,
            profiles(),
            None,
            usable_from(machine(LAPTOP), &bad),
        )
        .unwrap();
        assert_eq!(s.profile.element, "x264enc");
        assert_eq!(s.reason, Reason::BestAvailable);
        assert!(
            s.skipped
                .contains(&("vah264enc", Unusable::Failed("no output in 5 s".into())))
        );
        // x264 failing too leaves openh264.
        let bad = failed(&[("vah264enc", "hang"), ("x264enc", "crash")]);
        let s = select(
            VideoCodec::H264,
            profiles(),
            None,
            usable_from(machine(LAPTOP), &bad),
        )
        .unwrap();
        assert_eq!(s.profile.element, "openh264enc");
    }

    #[test]
    fn selection_honours_pinned_encoder() {
        let none = failed(&[]);
        let usable = usable_from(machine(LAPTOP), &none);
        let s = select(VideoCodec::H264, profiles(), Some("openh264enc"), &usable).unwrap();
        assert_eq!(s.profile.element, "openh264enc");
        assert_eq!(s.reason, Reason::Pinned);
        assert!(s.skipped.is_empty());
    }

    #[test]
    fn selection_with_unavailable_pinned_encoder_falls_back_with_reason() {
        let bad = failed(&[("vah264enc", "driver error")]);
        let usable = usable_from(machine(LAPTOP), &bad);
        let s = select(VideoCodec::H264, profiles(), Some("nvh264enc"), &usable).unwrap();
        assert_eq!(s.profile.element, "x264enc");
        assert_eq!(
            s.reason,
            Reason::PinnedUnavailableFellBack {
                pinned: "nvh264enc".into(),
                why: Unusable::NotInstalled
            }
        );
        let s = select(VideoCodec::H264, profiles(), Some("vah264enc"), &usable).unwrap();
        assert_eq!(s.profile.element, "x264enc");
        assert_eq!(
            s.reason,
            Reason::PinnedUnavailableFellBack {
                pinned: "vah264enc".into(),
                why: Unusable::Failed("driver error".into())
            }
        );
        // The pinned encoder is listed once among the skipped.
        let count = s.skipped.iter().filter(|(e, _)| *e == "vah264enc").count();
        assert_eq!(count, 1);
    }

    #[test]
    fn selection_rejects_pinned_encoder_of_another_codec_or_unknown() {
        let none = failed(&[]);
        let usable = usable_from(machine(LAPTOP), &none);
        let err = select(VideoCodec::H264, profiles(), Some("vp8enc"), &usable).unwrap_err();
        assert_eq!(
            err,
            SelectError::PinnedOtherCodec {
                pinned: "vp8enc".into(),
                pinned_codec: VideoCodec::Vp8,
                wanted: VideoCodec::H264
            }
        );
        let err = select(VideoCodec::H264, profiles(), Some("nvv4l2h264enc"), &usable).unwrap_err();
        assert_eq!(err, SelectError::UnknownEncoder("nvv4l2h264enc".into()));
    }

    #[test]
    fn selection_without_any_encoder_names_everything_tried() {
        let bad = failed(&[("x265enc", "segfault")]);
        let err = select(
            VideoCodec::H265,
            profiles(),
            None,
            usable_from(machine(&[]), &bad),
        )
        .unwrap_err();
        let SelectError::NoEncoder { codec, tried } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(*codec, VideoCodec::H265);
        let h265 = profiles()
            .iter()
            .filter(|p| p.codec == VideoCodec::H265)
            .count();
        assert_eq!(tried.len(), h265);
        assert_eq!(
            tried.last(),
            Some(&("x265enc", Unusable::Failed("segfault".into())))
        );
        let message = MediaError::from(err).to_string();
        assert!(
            message.starts_with("no working encoder for H265 (tried nvh265enc: not installed;"),
            "{message}"
        );
        assert!(message.contains("x265enc: failed: segfault"), "{message}");
    }

    #[test]
    fn sendable_codecs_offer_h265_only_with_a_working_h265_encoder() {
        let none = failed(&[]);
        let codecs = sendable_codecs(
            profiles(),
            usable_from(machine(&["x264enc", "vp8enc"]), &none),
        );
        assert_eq!(codecs, [VideoCodec::H264, VideoCodec::Vp8]);
        let codecs = sendable_codecs(profiles(), usable_from(machine(LAPTOP), &none));
        assert_eq!(
            codecs,
            [VideoCodec::H264, VideoCodec::H265, VideoCodec::Vp8]
        );
        let bad = failed(&[("vah265enc", "unsupported profile")]);
        let codecs = sendable_codecs(profiles(), usable_from(machine(LAPTOP), &bad));
        assert_eq!(codecs, [VideoCodec::H264, VideoCodec::Vp8]);
    }
}
