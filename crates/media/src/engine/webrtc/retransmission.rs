//! Retransmission (NACK and RTX) for received video, on every connection.
//!
//! GStreamer 1.22's `webrtcbin` gets this wrong twice, and either way a lost
//! video packet was never asked for again: the receiver could only wait for
//! the next keyframe, and a call on a lossy link froze over and over.
//! - A transceiver it makes for a remote offer's `m=` section (an answering
//!   mesh peer before its senders are linked, every SFU subscription) starts
//!   with `do-nack` off, and the answer then refuses NACK and RTX.
//! - With one bundled session, it sets each new receive buffer's
//!   `do-retransmission` from every transceiver of the session in turn, so
//!   the last one wins: the audio's, which is off.
//!
//! So video transceivers get `do-nack` as `webrtcbin` makes them, and each
//! receive buffer whose SSRC the remote description lists for video is set
//! to ask for retransmissions after `webrtcbin` has set it.

use gst::prelude::*;

/// The regular RTCP interval's floor (RFC 4585's `T_rr_interval`). An
/// early RTCP packet, the one a NACK rides in, is allowed once per regular
/// interval, and the 5 s GStreamer sets by default held three NACKs in four
/// back until the packets they asked for were past use. Zero leaves the
/// interval to RTCP's bandwidth share (5% of the media's), a fraction of a
/// second at video rates.
const RTCP_MIN_INTERVAL_NS: u64 = 0;

/// Turns retransmission on for the video `webrtcbin` receives.
pub(crate) fn enable_for_video(webrtcbin: &gst::Element) {
    webrtcbin.connect("on-new-transceiver", false, |values| {
        if let Ok(transceiver) = values[1].get::<gst_webrtc::WebRTCRTPTransceiver>()
            && transceiver.property::<gst_webrtc::WebRTCKind>("kind")
                == gst_webrtc::WebRTCKind::Video
        {
            transceiver.set_property("do-nack", true);
        }
        None
    });
    let Some(bin) = webrtcbin.downcast_ref::<gst::Bin>() else {
        return;
    };
    bin.connect_deep_element_added(|_, _, element| {
        if element.factory().is_some_and(|f| f.name() == "rtpsession") {
            element.set_property("rtcp-min-interval", RTCP_MIN_INTERVAL_NS);
        }
    });
    let Some(rtpbin) = bin.by_name("rtpbin") else {
        tracing::warn!("webrtcbin has no rtpbin: lost video packets cannot be asked for again");
        return;
    };
    let weak = webrtcbin.downgrade();
    // Connected after webrtcbin's own handler (made with the bin), so this
    // runs last and its setting stays.
    rtpbin.connect("new-jitterbuffer", false, move |values| {
        let (Ok(buffer), Ok(ssrc)) = (values[1].get::<gst::Element>(), values[3].get::<u32>())
        else {
            return None;
        };
        let is_video = weak.upgrade().is_some_and(|webrtcbin| {
            webrtcbin
                .property::<Option<gst_webrtc::WebRTCSessionDescription>>(
                    "current-remote-description",
                )
                .is_some_and(|remote| video_ssrcs(remote.sdp()).contains(&ssrc))
        });
        if is_video {
            buffer.set_property("do-retransmission", true);
            // Ask only for packets a gap shows missing, not for the next one
            // when it is later than guessed: on a link with jitter that guess
            // asks for packets on their way, and the duplicates read as loss.
            buffer.set_property("rtx-next-seqnum", false);
            tracing::debug!(ssrc, "video receive buffer asks for lost packets");
        }
        None
    });
}

/// The SSRCs the description's video sections announce (`a=ssrc:`).
pub(crate) fn video_ssrcs(sdp: &gst_sdp::SDPMessageRef) -> Vec<u32> {
    sdp.medias()
        .filter(|m| m.media() == Some("video"))
        .flat_map(|m| {
            m.attributes()
                .filter(|a| a.key() == "ssrc")
                .filter_map(|a| a.value()?.split_whitespace().next()?.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

#[cfg(test)]
mod tests;
