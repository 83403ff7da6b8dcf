//! The shared Opus encoder, and its in-band FEC following the loss.
//!
//! Opus can carry a low-rate copy of each frame in the next packet
//! (in-band FEC, LBRR), which a receiver decodes when a packet is lost.
//! The copy costs bits taken from the frame itself, so it is only worth
//! sending where packets are lost: the encoder is told the loss the peers'
//! congestion feedback measured (`packet-loss-percentage`, which also sets
//! how strong the copy is), the highest of the last few seconds so that one
//! lucky second does not switch it off. Every Opus decoder understands the
//! copies (they are part of the Opus bitstream; the offer's `useinbandfec=1`
//! says the peer uses them), and audio has no retransmission, so for audio
//! this is the only repair.

use std::collections::VecDeque;

use gst::prelude::*;

use crate::MediaError;

/// The loss the encoder is told before any feedback came, percent.
const START_PERCENT: i32 = 10;
/// Seconds of feedback the encoder follows the worst of.
const REMEMBERED_SECONDS: usize = 5;
/// The loss figures the encoder is told, percent: the measured loss is
/// rounded up to one of them (fewer changes of the encoder's settings).
const STEPS: [i32; 5] = [0, 5, 10, 20, 30];

pub(crate) struct AudioEncoder {
    pub tee: gst::Element,
    encoder: gst::Element,
    /// The loss of each of the last seconds (0 to 1), newest last.
    recent: VecDeque<f64>,
    percent: i32,
}

impl AudioEncoder {
    /// Once a second: the worst loss (0 to 1) among the connections this
    /// encoder feeds, `None` when no feedback came.
    pub(crate) fn follow_loss(&mut self, loss: Option<f64>) {
        let Some(loss) = loss else { return };
        self.recent.push_back(loss);
        while self.recent.len() > REMEMBERED_SECONDS {
            self.recent.pop_front();
        }
        let percent = fec_percent(&self.recent);
        if percent != self.percent {
            tracing::debug!(
                from = self.percent,
                to = percent,
                "Opus FEC follows the loss"
            );
            self.percent = percent;
            self.encoder.set_property("packet-loss-percentage", percent);
        }
    }
}

/// The loss to tell the encoder for the last seconds' `recent` loss.
fn fec_percent(recent: &VecDeque<f64>) -> i32 {
    let worst = recent.iter().copied().fold(0.0_f64, f64::max) * 100.0;
    STEPS
        .into_iter()
        .find(|&step| f64::from(step) >= worst)
        .unwrap_or(STEPS[STEPS.len() - 1])
}

/// Builds `queue ! opusenc ! tee` off the microphone tee: 48 kHz, 20 ms
/// frames, in-band FEC, voice tuning.
pub(crate) fn build_audio(
    pipeline: &gst::Pipeline,
    mic_tee: &gst::Element,
) -> Result<AudioEncoder, MediaError> {
    let what = "the Opus encoder";
    let queue = crate::make_element("queue", "mulaqat-opus-queue")?;
    let enc = crate::make_element("opusenc", "mulaqat-opus-enc")?;
    enc.set_property("bitrate", 32_000i32);
    enc.set_property("inband-fec", true);
    enc.set_property("packet-loss-percentage", START_PERCENT);
    enc.set_property_from_str("audio-type", "voice");
    enc.set_property_from_str("frame-size", "20");
    let tee = crate::make_element("tee", "mulaqat-opus-tee")?;
    tee.set_property("allow-not-linked", true);
    let chain = [&queue, &enc, &tee];
    pipeline
        .add_many(chain)
        .map_err(|e| MediaError::build(what, e))?;
    gst::Element::link_many(chain).map_err(|e| MediaError::build(what, e))?;
    super::start_then_attach(mic_tee, &[queue, enc.clone(), tee.clone()], what)?;
    Ok(AudioEncoder {
        tee,
        encoder: enc,
        recent: VecDeque::new(),
        percent: START_PERCENT,
    })
}

#[cfg(test)]
mod tests;
