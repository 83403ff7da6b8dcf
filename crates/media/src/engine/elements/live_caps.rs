//! Caps that change under running video: a tile resized, an encoder
//! stepping its size down. Both end a branch off a tee in
//! `... ! videoscale ! videoconvert ! capsfilter ! ...`, and both changes are
//! decided on another thread (the engine's control thread, once a second).
//!
//! Set straight on the `capsfilter` from that thread, a change races the
//! branch's streaming thread: a frame the scaler negotiated at the old size
//! a moment before reaches a filter that now refuses it. Upstream's own
//! caps queries race it too: asked through the branch while the size
//! changes, the filter can read two sizes in one query and answer nothing.
//! Either way the branch returns `not-negotiated`, the tee passes that
//! upstream, and the camera (or the decoder) stops for the whole call.
//! (A `capsfilter` in delayed mode narrows the first window but does not
//! close it, nor the second; measured: a resize every 3 ms under load
//! stopped the camera in one run of six.)
//!
//! So a [`LiveCapsFilter`] keeps the change waiting, and the branch's own
//! streaming thread sets it as the next frame enters the branch: between
//! frames, when nothing is being negotiated. And the branch is kept to
//! itself at its entry: it asks upstream to renegotiate for nothing (the
//! camera and every other branch of its tee would negotiate again on each
//! resize), and answers upstream's caps queries with what its first element
//! takes (any raw picture), without looking at the filter.

use std::sync::{Arc, Mutex, PoisonError};

use gst::prelude::*;

use crate::MediaError;

/// A `capsfilter` whose caps change while frames flow (see the module).
#[derive(Clone)]
pub(crate) struct LiveCapsFilter {
    element: gst::Element,
    pending: Arc<Mutex<Option<gst::Caps>>>,
}

impl LiveCapsFilter {
    /// A filter named `name` letting `caps` through, for the branch whose
    /// first element (after its queue, where its streaming thread starts)
    /// is `entry`.
    pub(crate) fn new(
        name: &str,
        caps: &gst::Caps,
        entry: &gst::Element,
    ) -> Result<Self, MediaError> {
        let element = crate::make_element("capsfilter", name)?;
        element.set_property("caps", caps);
        let pending = Arc::new(Mutex::new(None::<gst::Caps>));
        let pad = entry.static_pad("sink").ok_or_else(|| MediaError::Build {
            what: format!("the filter {name}"),
            detail: format!("{} has no sink pad", entry.name()),
        })?;
        let (filter, waiting) = (element.downgrade(), pending.clone());
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                let caps = waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let (Some(caps), Some(filter)) = (caps, filter.upgrade()) {
                    filter.set_property("caps", caps);
                }
                gst::PadProbeReturn::Ok
            },
        );
        keep_to_the_branch(&pad);
        Ok(Self { element, pending })
    }

    /// Lets `caps` through from the next frame on.
    pub(crate) fn set(&self, caps: gst::Caps) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(caps);
    }

    /// What the filter lets through once the next frame comes.
    #[cfg(test)]
    pub(crate) fn wanted(&self) -> gst::Caps {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| self.element.property("caps"))
    }

    /// The `capsfilter` itself, to add to the branch.
    pub(crate) fn element(&self) -> &gst::Element {
        &self.element
    }
}

/// Keeps what happens below the branch's entry `pad` to the branch: no
/// request to renegotiate goes upstream, and upstream's caps queries are
/// answered with the raw video (system memory) the entry element takes.
fn keep_to_the_branch(pad: &gst::Pad) {
    let raw = pad
        .pad_template_caps()
        .intersect(&gst::Caps::new_empty_simple("video/x-raw"));
    pad.add_probe(
        gst::PadProbeType::EVENT_UPSTREAM | gst::PadProbeType::QUERY_DOWNSTREAM,
        move |_, info| match &mut info.data {
            // Handled, not Drop: the bindings take the event for the probe
            // and free it, and a dropped event is freed again by GStreamer
            // 1.22's `gst_pad_push_event` (a CRITICAL: unref of NULL).
            Some(gst::PadProbeData::Event(event))
                if event.type_() == gst::EventType::Reconfigure =>
            {
                gst::PadProbeReturn::Handled
            }
            Some(gst::PadProbeData::Query(query)) => match query.view_mut() {
                gst::QueryViewMut::Caps(caps) => {
                    let answer = caps.filter().map_or_else(
                        || raw.clone(),
                        |filter| filter.intersect_with_mode(&raw, gst::CapsIntersectMode::First),
                    );
                    caps.set_result(&answer);
                    gst::PadProbeReturn::Handled
                }
                _ => gst::PadProbeReturn::Ok,
            },
            _ => gst::PadProbeReturn::Ok,
        },
    );
}

#[cfg(test)]
mod tests;
