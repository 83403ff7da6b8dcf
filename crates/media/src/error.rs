//! The media engine's errors.

/// What went wrong in the media engine. GStreamer's own errors are turned
/// into text here: no GStreamer type crosses the crate's API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// GStreamer could not be initialised (missing libraries or plugins).
    #[error(
        "GStreamer could not start: {0}. Install the GStreamer 1.22 runtime (packaging/linux/install-deps.sh)."
    )]
    Init(String),
    /// A GStreamer element is not installed.
    #[error(
        "the GStreamer element {element:?} is missing; install the package that provides it ({hint})"
    )]
    MissingElement {
        /// The element factory name.
        element: String,
        /// Which package usually has it.
        hint: &'static str,
    },
    /// Building or linking part of a pipeline failed.
    #[error("could not build {what}: {detail}")]
    Build {
        /// Which part.
        what: String,
        /// GStreamer's explanation.
        detail: String,
    },
    /// A pipeline refused to change state, or failed while running.
    #[error("the media pipeline failed: {0}")]
    Pipeline(String),
    /// No device matches the request.
    #[error("no {kind} named {id:?}; choose another device or use the test source")]
    NoSuchDevice {
        /// Camera, microphone or speaker.
        kind: &'static str,
        /// What was asked for.
        id: String,
    },
    /// No encoder can produce the codec.
    #[error("no working encoder for {0}")]
    NoEncoder(String),
    /// An SDP could not be parsed or applied.
    #[error("invalid session description: {0}")]
    Sdp(String),
    /// No peer by that id.
    #[error("no peer {0}")]
    NoSuchPeer(String),
    /// The screen cannot be shared here; the text says why and what to do.
    #[error("{0}")]
    ScreenUnavailable(String),
    /// The engine has stopped.
    #[error("the media engine has stopped")]
    Stopped,
    /// Reading or writing a file or socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl MediaError {
    /// A [`MediaError::Build`] with context.
    pub(crate) fn build(what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        MediaError::Build {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}
