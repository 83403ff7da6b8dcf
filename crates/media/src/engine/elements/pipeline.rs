//! Taking parts of the call's pipeline apart, and saying why it did not start.

use gst::prelude::*;

/// Sets `element` to NULL, then every element that was inside it. A bin
/// skips children whose state is locked, and `webrtcbin` (1.22) locks its
/// DTLS sending bin until the connection is up, and takes its transports
/// out of itself while it stops: a connection taken down on a dead link
/// left that bin running, and its DTLS encoder's thread with it, for the
/// life of the process. The children are listed before the stop, so the
/// ones taken out are reached too.
pub(crate) fn set_null_with_children(element: &gst::Element) {
    let children: Vec<gst::Element> = element
        .downcast_ref::<gst::Bin>()
        .map(|bin| bin.iterate_recurse().into_iter().flatten().collect())
        .unwrap_or_default();
    let _ = element.set_state(gst::State::Null);
    for child in children {
        if child.current_state() != gst::State::Null {
            let _ = child.set_state(gst::State::Null);
        }
    }
}

/// Removes from `pipeline` every element named `<tag>-...`: what one owner
/// put there (a peer's `webrtcbin` and its sending and receiving branches,
/// the screen stream's capture, encoder and preview).
pub(crate) fn remove_named(pipeline: &gst::Pipeline, mixer: &gst::Element, tag: &str) {
    let prefix = format!("{tag}-");
    let mut elements: Vec<gst::Element> = pipeline
        .children()
        .into_iter()
        .filter(|e| e.name().starts_with(&prefix))
        .collect();
    // Cut the branches off the shared mixer first, so stopping them never
    // waits on the mixer (nor the mixer on them).
    for element in &elements {
        if let Some(src) = element.static_pad("src")
            && let Some(mixer_pad) = src.peer()
            && mixer_pad.parent_element().as_ref() == Some(mixer)
        {
            let _ = src.unlink(&mixer_pad);
            mixer.release_request_pad(&mixer_pad);
        }
    }
    // Stop the webrtcbin (the source of everything received) before the
    // branches it feeds.
    elements.sort_by_key(|e| !e.name().ends_with("-webrtc"));
    for element in &elements {
        set_null_with_children(element);
    }
    for element in &elements {
        let _ = pipeline.remove(element);
    }
}

/// The element of `pipeline` itself that `element` is in (or is).
pub(crate) fn top_level(pipeline: &gst::Pipeline, element: &gst::Object) -> Option<gst::Element> {
    let pipeline = pipeline.upcast_ref::<gst::Object>();
    let mut current = element.clone();
    loop {
        let parent = current.parent()?;
        if &parent == pipeline {
            return current.downcast().ok();
        }
        current = parent;
    }
}

/// Why `pipeline` did not start, from its first error message.
pub(crate) fn pipeline_error(pipeline: &gst::Pipeline) -> String {
    let bus = pipeline.bus();
    let found = bus.and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]));
    match found.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Error(e)) => format!("{} ({:?})", e.error(), e.debug()),
        _ => "it refused to start".into(),
    }
}
