//! Video encoders: which one to use on this machine, and how to drive it.
//!
//! The design (DESIGN.md §5):
//! - **A profile table as data** ([`profiles`]): every known encoder
//!   element with its bitrate property (name, unit, GLib type), keyframe
//!   interval, rate control, low-latency settings, input format and the
//!   caps that pin its output profile. Order is preference: platform
//!   hardware first (NVENC, VA, Quick Sync, Media Foundation, AMF,
//!   VideoToolbox), then software (x264, openh264, x265, vp8).
//! - **A background probe** ([`EncoderRegistry::probe_in_background`]): at
//!   start-up every installed candidate test-encodes a few frames at the
//!   resolution the user will send, each with a timeout, because hardware
//!   encoders can be listed yet broken or hang. A missing element is just
//!   "not installed", never an error.
//! - **Failures are remembered** and skipped, whether found by the probe or
//!   later in a call ([`EncoderRegistry::mark_failed`]).
//! - **Pinning**: the user or machine policy may pin an element; if it is
//!   unusable the best usable one is taken and the reason reported
//!   ([`Reason::PinnedUnavailableFellBack`]). Selection itself ([`select`])
//!   is a pure function over the table and what is known.
//!
//! The engine builds encoders with `make_encoder`, changes bitrate at run
//! time with `set_bitrate`, and puts `output_caps` after the encoder.

mod build;
mod probe;
mod profile;
mod select;
mod trial;

pub(crate) use build::{bitrate_kbps, input_caps, make_encoder, output_caps, set_bitrate};
pub use probe::{EncoderRegistry, ProbeOutcome, ProbeResult, ProbeSettings, ProbeTiming};
pub use profile::{
    Backend, BitrateProperty, BitrateUnit, EncoderProfile, IntType, Provenance, Setting, profile,
    profiles,
};
pub use select::{Reason, SelectError, Selection, Unusable, select, sendable_codecs, usable_from};
