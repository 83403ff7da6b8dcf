//! Building blocks with no state of the engine's: elements and branches
//! made, linked and taken apart for whoever owns them.

pub(crate) mod capture;
pub(crate) mod decoders;
pub(crate) mod encoding;
pub(crate) mod frames;
pub(crate) mod live_caps;
pub(crate) mod pipeline;
pub(crate) mod screen_capture;
pub(crate) mod screen_feed;
pub(crate) mod snapshot;
pub(crate) mod tiles;
