//! Making and driving one encoder element from its [`EncoderProfile`]:
//! low-latency settings, bitrate in the element's own unit and type, and
//! the caps around it. Nothing here panics on a property an element lacks
//! or a value it rejects (GLib's setters would): every value is checked
//! against the property's spec first.

use gst::glib;
use gst::prelude::*;

use super::profile::{BitrateUnit, EncoderProfile, Setting};
use crate::MediaError;
use crate::types::{Resolution, VideoCodec};

/// Makes the encoder element, named `name` (`mulaqat-h264-enc`),
/// configured for real-time sending at `bitrate_kbps`.
pub(crate) fn make_encoder(
    profile: &EncoderProfile,
    name: &str,
    bitrate_kbps: u32,
) -> Result<gst::Element, MediaError> {
    let encoder = crate::make_element(profile.element, name)?;
    for setting in settings(profile) {
        match apply_setting(&encoder, setting) {
            Ok(()) => {}
            Err(why) if setting.optional => {
                tracing::warn!(
                    encoder = profile.element,
                    property = setting.property,
                    value = setting.value,
                    "skipping an encoder setting: {why}"
                );
            }
            Err(why) => {
                return Err(MediaError::build(
                    format!("the {} encoder", profile.element),
                    why,
                ));
            }
        }
    }
    set_bitrate(&encoder, profile, bitrate_kbps)?;
    tracing::debug!(
        encoder = profile.element,
        name,
        bitrate_kbps,
        "made video encoder"
    );
    Ok(encoder)
}

/// Every setting of a profile: keyframe interval, rate control, low latency.
pub(crate) fn settings(profile: &EncoderProfile) -> impl Iterator<Item = &Setting> {
    std::iter::once(&profile.keyframe_interval)
        .chain(profile.rate_control.as_ref())
        .chain(profile.low_latency.iter())
}

/// Sets one property from text, or says why it cannot be set.
pub(crate) fn apply_setting(element: &gst::Element, setting: &Setting) -> Result<(), String> {
    let value = checked_value(element, setting.property, setting.value)?;
    element.set_property_from_value(setting.property, &value);
    Ok(())
}

/// Parses `text` as a value for `property`, checking that the property
/// exists, is writable after construction, and that the value is in range
/// (so that GLib's setter, which panics otherwise, accepts it).
fn checked_value(
    element: &gst::Element,
    property: &str,
    text: &str,
) -> Result<glib::Value, String> {
    let pspec = writable_pspec(element, property)?;
    let value = glib::Value::deserialize_with_pspec(text, &pspec)
        .map_err(|_| format!("property {property:?} does not accept {text:?}"))?;
    if !in_range(&pspec, &value) {
        return Err(format!(
            "{text:?} is out of range for property {property:?}"
        ));
    }
    Ok(value)
}

fn writable_pspec(element: &gst::Element, property: &str) -> Result<glib::ParamSpec, String> {
    let pspec = element
        .find_property(property)
        .ok_or_else(|| format!("{} has no property {property:?}", element_factory(element)))?;
    let flags = pspec.flags();
    if !flags.contains(glib::ParamFlags::WRITABLE)
        || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY)
    {
        return Err(format!("property {property:?} cannot be set"));
    }
    Ok(pspec)
}

fn element_factory(element: &gst::Element) -> String {
    element
        .factory()
        .map_or_else(|| element.name().to_string(), |f| f.name().to_string())
}

/// Whether a numeric value lies within its property's range. Other types
/// are range-checked by the deserializer (enum nicks, flags, booleans).
fn in_range(pspec: &glib::ParamSpec, value: &glib::Value) -> bool {
    macro_rules! check {
        ($($spec:ty => $t:ty),*) => {
            $(if let Some(p) = pspec.downcast_ref::<$spec>() {
                return value.get::<$t>().is_ok_and(|v| p.minimum() <= v && v <= p.maximum());
            })*
        };
    }
    check!(
        glib::ParamSpecInt => i32,
        glib::ParamSpecUInt => u32,
        glib::ParamSpecInt64 => i64,
        glib::ParamSpecUInt64 => u64,
        glib::ParamSpecDouble => f64
    );
    true
}

/// A bitrate in the property's unit: kbit/s stays, bit/s is ×1000.
/// Zero is raised to 1 kbit/s: zero means "automatic" to some encoders.
pub(crate) fn to_property_units(unit: BitrateUnit, kbps: u32) -> u64 {
    let kbps = u64::from(kbps.max(1));
    match unit {
        BitrateUnit::KbitPerSec => kbps,
        BitrateUnit::BitPerSec => kbps * 1000,
    }
}

/// A property value back in kbit/s (bit/s are rounded to the nearest kbit/s).
pub(crate) fn from_property_units(unit: BitrateUnit, value: u64) -> u64 {
    match unit {
        BitrateUnit::KbitPerSec => value,
        BitrateUnit::BitPerSec => (value + 500) / 1000,
    }
}

/// Sets the target bitrate, converting kbit/s to the element's unit and
/// integer type and clamping to the property's range. Congestion control
/// calls this at run time.
pub(crate) fn set_bitrate(
    encoder: &gst::Element,
    profile: &EncoderProfile,
    kbps: u32,
) -> Result<(), MediaError> {
    let name = profile.bitrate.name;
    let fail = |why: String| MediaError::build(format!("the {} bitrate", profile.element), why);
    let pspec = writable_pspec(encoder, name).map_err(fail)?;
    let want = to_property_units(profile.bitrate.unit, kbps);
    let value = clamped_value(&pspec, want).ok_or_else(|| {
        fail(format!(
            "property {name:?} has type {}, not an integer",
            pspec.value_type()
        ))
    })?;
    encoder.set_property_from_value(name, &value);
    Ok(())
}

/// `want` as a value of the property's integer type, clamped to its range.
fn clamped_value(pspec: &glib::ParamSpec, want: u64) -> Option<glib::Value> {
    let want = i128::from(want);
    macro_rules! clamp {
        ($($spec:ty => $t:ty),*) => {
            $(if let Some(p) = pspec.downcast_ref::<$spec>() {
                let v = want.clamp(i128::from(p.minimum()), i128::from(p.maximum()));
                // In range of $t by the clamp above, so the conversion cannot fail.
                return <$t>::try_from(v).ok().map(|v| v.to_value());
            })*
        };
    }
    clamp!(
        glib::ParamSpecUInt => u32,
        glib::ParamSpecInt => i32,
        glib::ParamSpecUInt64 => u64,
        glib::ParamSpecInt64 => i64
    );
    None
}

/// The encoder's current target bitrate in kbit/s, read back from the
/// element (`None` if the property is missing or not an integer).
pub(crate) fn bitrate_kbps(encoder: &gst::Element, profile: &EncoderProfile) -> Option<u64> {
    let name = profile.bitrate.name;
    let pspec = encoder.find_property(name)?;
    let value = encoder.property_value(name);
    let raw: u64 = match pspec.value_type() {
        t if t == u32::static_type() => value.get::<u32>().ok()?.into(),
        t if t == i32::static_type() => value.get::<i32>().ok()?.try_into().ok()?,
        t if t == u64::static_type() => value.get::<u64>().ok()?,
        t if t == i64::static_type() => value.get::<i64>().ok()?.try_into().ok()?,
        _ => return None,
    };
    Some(from_property_units(profile.bitrate.unit, raw))
}

/// The raw caps to put in front of the encoder.
pub(crate) fn input_caps(profile: &EncoderProfile, size: Resolution, fps: i32) -> gst::Caps {
    gst::Caps::builder("video/x-raw")
        .field("format", profile.input_format)
        .field("width", i32::try_from(size.width).unwrap_or(i32::MAX))
        .field("height", i32::try_from(size.height).unwrap_or(i32::MAX))
        .field("framerate", gst::Fraction::new(fps, 1))
        .build()
}

/// The caps to put right after the encoder: the codec, its pinned profile,
/// and for H.264/H.265 `stream-format` and `alignment=au`.
pub(crate) fn output_caps(profile: &EncoderProfile) -> gst::Caps {
    let media_type = match profile.codec {
        VideoCodec::H264 => "video/x-h264",
        VideoCodec::H265 => "video/x-h265",
        VideoCodec::Vp8 => "video/x-vp8",
    };
    let mut caps = gst::Caps::builder(media_type);
    if let Some(format) = profile.stream_format {
        caps = caps.field("stream-format", format).field("alignment", "au");
    }
    if let Some(p) = profile.caps_profile {
        caps = caps.field("profile", p);
    }
    caps.build()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::encode::profile::{IntType, profile, profiles};
    use crate::encode::trial::test_encode;

    const TEST_NAME: &str = "mulaqat-video-enc";

    const SOFTWARE: [&str; 4] = ["x264enc", "openh264enc", "x265enc", "vp8enc"];

    /// The profiles whose element is installed here (after checking that
    /// the software ones are: this machine and CI have them).
    fn installed() -> Vec<&'static EncoderProfile> {
        crate::init().unwrap();
        for e in SOFTWARE {
            assert!(crate::has_element(e), "{e} is not installed");
        }
        profiles()
            .iter()
            .filter(|p| crate::has_element(p.element))
            .collect()
    }

    #[test]
    fn encoder_properties_exist_with_declared_types_and_accept_settings() {
        for p in installed() {
            let element = gst::ElementFactory::make(p.element).build().unwrap();
            let pspec = element.find_property(p.bitrate.name).unwrap();
            let declared = match p.bitrate.int_type {
                IntType::U32 => u32::static_type(),
                IntType::I32 => i32::static_type(),
                IntType::U64 => u64::static_type(),
                IntType::I64 => i64::static_type(),
            };
            assert_eq!(pspec.value_type(), declared, "{} bitrate type", p.element);
            for s in settings(p) {
                let applied = apply_setting(&element, s);
                assert!(
                    applied.is_ok() || s.optional,
                    "{} {}={}: {applied:?}",
                    p.element,
                    s.property,
                    s.value
                );
                if applied.is_ok() {
                    let now = element.property_value(s.property);
                    let wanted = checked_value(&element, s.property, s.value).unwrap();
                    assert_eq!(
                        format!("{now:?}"),
                        format!("{wanted:?}"),
                        "{} {}",
                        p.element,
                        s.property
                    );
                }
            }
        }
    }

    #[test]
    fn encoder_settings_reject_bad_values_without_panicking() {
        crate::init().unwrap();
        let x264 = gst::ElementFactory::make("x264enc").build().unwrap();
        let bad = |property, value| {
            let s = Setting {
                property,
                value,
                optional: false,
            };
            apply_setting(&x264, &s).unwrap_err()
        };
        assert!(bad("bframes", "99").contains("out of range"));
        assert!(bad("bframes", "many").contains("does not accept"));
        assert!(bad("speed-preset", "warp").contains("does not accept"));
        assert!(bad("no-such-thing", "1").contains("has no property"));
    }

    #[test]
    fn make_encoder_applies_name_and_bitrate_or_reports_missing_element() {
        let _ = installed();
        let x264 = profile("x264enc").unwrap();
        let encoder = make_encoder(x264, TEST_NAME, 900).unwrap();
        assert_eq!(encoder.name(), TEST_NAME);
        assert_eq!(encoder.property::<u32>("bitrate"), 900);
        assert_eq!(encoder.property::<u32>("key-int-max"), 2560);
        let missing = profiles()
            .iter()
            .find(|p| !crate::has_element(p.element))
            .unwrap();
        let err = make_encoder(missing, TEST_NAME, 900).unwrap_err();
        assert!(
            matches!(err, MediaError::MissingElement { ref element, .. } if element == missing.element),
            "{err}"
        );
    }

    #[test]
    fn set_bitrate_round_trips_in_each_encoders_unit_and_type() {
        for p in installed() {
            let encoder = make_encoder(p, TEST_NAME, 800).unwrap();
            assert_eq!(bitrate_kbps(&encoder, p), Some(800), "{}", p.element);
            set_bitrate(&encoder, p, 1234).unwrap();
            assert_eq!(bitrate_kbps(&encoder, p), Some(1234), "{}", p.element);
        }
        let raw = |element: &str| {
            let p = profile(element).unwrap();
            let encoder = make_encoder(p, TEST_NAME, 1234).unwrap();
            encoder.property_value(p.bitrate.name)
        };
        assert_eq!(raw("x264enc").get::<u32>().unwrap(), 1234);
        assert_eq!(raw("x265enc").get::<u32>().unwrap(), 1234);
        assert_eq!(raw("openh264enc").get::<u32>().unwrap(), 1_234_000);
        assert_eq!(raw("vp8enc").get::<i32>().unwrap(), 1_234_000);
    }

    #[test]
    fn set_bitrate_clamps_to_the_property_range() {
        let _ = installed();
        let x265 = profile("x265enc").unwrap();
        let encoder = make_encoder(x265, TEST_NAME, 800).unwrap();
        set_bitrate(&encoder, x265, 500_000).unwrap();
        assert_eq!(encoder.property::<u32>("bitrate"), 102_400);
        let vp8 = profile("vp8enc").unwrap();
        let encoder = make_encoder(vp8, TEST_NAME, 800).unwrap();
        set_bitrate(&encoder, vp8, u32::MAX).unwrap();
        // Clamped to i32::MAX; vp8enc keeps whole kbit/s.
        assert_eq!(
            encoder.property::<i32>("target-bitrate"),
            i32::MAX / 1000 * 1000
        );
        set_bitrate(&encoder, vp8, 0).unwrap();
        assert_eq!(encoder.property::<i32>("target-bitrate"), 1000);
    }

    #[test]
    fn encoder_bitrate_units_convert_both_ways() {
        assert_eq!(to_property_units(BitrateUnit::KbitPerSec, 800), 800);
        assert_eq!(to_property_units(BitrateUnit::BitPerSec, 800), 800_000);
        assert_eq!(to_property_units(BitrateUnit::KbitPerSec, 0), 1);
        assert_eq!(
            to_property_units(BitrateUnit::BitPerSec, u32::MAX),
            u64::from(u32::MAX) * 1000
        );
        assert_eq!(from_property_units(BitrateUnit::BitPerSec, 1_234_499), 1234);
        assert_eq!(from_property_units(BitrateUnit::BitPerSec, 1_234_500), 1235);
        assert_eq!(from_property_units(BitrateUnit::KbitPerSec, 77), 77);
    }

    #[test]
    fn encoder_output_caps_pin_profile_and_stream_format() {
        crate::init().unwrap();
        let caps = |e: &str| output_caps(profile(e).unwrap()).to_string();
        assert_eq!(
            caps("x264enc"),
            "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, \
             profile=(string)constrained-baseline"
        );
        assert_eq!(
            caps("nvh265enc"),
            "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au, \
             profile=(string)main"
        );
        assert!(caps("vtenc_h264").contains("stream-format=(string)avc"));
        assert_eq!(caps("vp8enc"), "video/x-vp8");
    }

    #[test]
    fn software_encoders_encode_test_frames_with_pinned_caps() {
        for p in installed() {
            // x265 is slow: a smaller frame keeps the test fast.
            let size = if p.element == "x265enc" {
                Resolution {
                    width: 320,
                    height: 180,
                }
            } else {
                Resolution {
                    width: 640,
                    height: 360,
                }
            };
            let done = test_encode(p, size, 10, Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("{}: {e}", p.element));
            assert_eq!(done.timing.frames, 10, "{}", p.element);
            let caps = done.caps.unwrap();
            let s = caps.structure(0).unwrap();
            let media_type = match p.codec {
                VideoCodec::H264 => "video/x-h264",
                VideoCodec::H265 => "video/x-h265",
                VideoCodec::Vp8 => "video/x-vp8",
            };
            assert_eq!(s.name(), media_type, "{}", p.element);
            assert_eq!(s.get::<i32>("width").unwrap(), size.width as i32);
            if let Some(profile) = p.caps_profile {
                assert_eq!(s.get::<&str>("profile").unwrap(), profile, "{}", p.element);
            }
            if let Some(format) = p.stream_format {
                assert_eq!(s.get::<&str>("stream-format").unwrap(), format);
            }
        }
    }
}
