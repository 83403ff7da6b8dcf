//! A small async client of the frame socket, for tests, the engine's
//! loopback example and benchmarks. It is also the reference for the UI's
//! TypeScript client: connect with the token in the query string, send
//! subscribe/unsubscribe JSON, read binary frames and JSON replies.

use std::collections::VecDeque;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::VideoFrame;
use super::wire::{self, ClientMessage, ServerMessage};
use crate::types::TrackId;

/// Room for the largest frame (8192 x 8192 NV12) and its header.
const MAX_FRAME_MESSAGE: usize = 128 * 1024 * 1024;

/// What went wrong in a [`FrameClient`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameClientError {
    /// The server refused the upgrade (401: missing or wrong token).
    #[error("the frame server refused the connection with HTTP {status}")]
    Refused {
        /// The HTTP status.
        status: u16,
    },
    /// The connection could not be made or broke.
    #[error("frame socket: {0}")]
    Connection(String),
    /// The server sent something that does not follow `docs/frames.md`.
    #[error("frame socket protocol: {0}")]
    Protocol(String),
    /// The server refused a message.
    #[error("the frame server refused a message ({code}): {message}")]
    Server {
        /// The error code (`badMessage`, `badTrack`, `badSize`,
        /// `notSubscribed`, `tooManySubscriptions`).
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The server closed the connection.
    #[error("the frame server closed the connection")]
    Closed,
}

/// One message from the frame server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameEvent {
    /// A frame of a subscribed track.
    Frame {
        /// Which track.
        track: TrackId,
        /// The picture.
        frame: VideoFrame,
    },
    /// A subscription (or its new size) is in place; 0 x 0 is native.
    Subscribed {
        /// Which track.
        track: TrackId,
        /// Requested width, 0 for native.
        width: u32,
        /// Requested height, 0 for native.
        height: u32,
    },
    /// No more frames of this track follow.
    Unsubscribed {
        /// Which track.
        track: TrackId,
    },
    /// A message was refused; the connection stays usable.
    Error {
        /// The error code.
        code: String,
        /// The explanation.
        message: String,
        /// The track concerned, if any.
        track: Option<TrackId>,
    },
}

/// A frame socket client.
#[derive(Debug)]
pub struct FrameClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames that arrived while waiting for an acknowledgement.
    pending: VecDeque<(TrackId, VideoFrame)>,
}

impl FrameClient {
    /// Connects to `url` (as from `FrameServer::url`) with the token.
    pub async fn connect(url: &str, token: &str) -> Result<Self, FrameClientError> {
        let url = format!("{}/?token={token}", url.trim_end_matches('/'));
        Self::connect_url(&url).await
    }

    /// Connects to a full URL, token included or not (for tests of refusal).
    pub async fn connect_url(url: &str) -> Result<Self, FrameClientError> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_MESSAGE))
            .max_frame_size(Some(MAX_FRAME_MESSAGE));
        match Box::pin(tokio_tungstenite::connect_async_with_config(
            url,
            Some(config),
            true,
        ))
        .await
        {
            Ok((ws, _)) => Ok(Self {
                ws,
                pending: VecDeque::new(),
            }),
            Err(tungstenite::Error::Http(response)) => Err(FrameClientError::Refused {
                status: response.status().as_u16(),
            }),
            // The error text may quote the URL; keep the token out of it.
            Err(e) => Err(FrameClientError::Connection(redact(e.to_string()))),
        }
    }

    /// Subscribes to a track with the tile's size in device pixels (0 x 0:
    /// native), or changes the size of a subscription, and waits for the
    /// server to confirm.
    pub async fn subscribe(
        &mut self,
        track: &TrackId,
        width: u32,
        height: u32,
    ) -> Result<(), FrameClientError> {
        let message = ClientMessage::Subscribe {
            track: track.0.clone(),
            width: Some(width),
            height: Some(height),
            max_in_flight: None,
        };
        self.send_json(&message).await?;
        self.wait_for_ack(track, true).await
    }

    /// Unsubscribes from a track and waits for the server to confirm; no
    /// frame of the track follows.
    pub async fn unsubscribe(&mut self, track: &TrackId) -> Result<(), FrameClientError> {
        let message = ClientMessage::Unsubscribe {
            track: track.0.clone(),
        };
        self.send_json(&message).await?;
        self.wait_for_ack(track, false).await
    }

    /// Sends any text as it is (tests send malformed messages with it).
    pub async fn send_text(&mut self, text: &str) -> Result<(), FrameClientError> {
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| FrameClientError::Connection(e.to_string()))
    }

    /// The next frame of any subscribed track. Acknowledgements are
    /// skipped; an error message from the server is returned as
    /// [`FrameClientError::Server`].
    pub async fn next_frame(&mut self) -> Result<(TrackId, VideoFrame), FrameClientError> {
        loop {
            match self.next_event().await? {
                FrameEvent::Frame { track, frame } => return Ok((track, frame)),
                FrameEvent::Error { code, message, .. } => {
                    return Err(FrameClientError::Server { code, message });
                }
                _ => {}
            }
        }
    }

    /// The next message from the server, frames included.
    pub async fn next_event(&mut self) -> Result<FrameEvent, FrameClientError> {
        if let Some((track, frame)) = self.pending.pop_front() {
            return Ok(FrameEvent::Frame { track, frame });
        }
        loop {
            let message = match self.ws.next().await {
                None => return Err(FrameClientError::Closed),
                Some(Err(e)) => return Err(FrameClientError::Connection(e.to_string())),
                Some(Ok(m)) => m,
            };
            match message {
                Message::Binary(bytes) => {
                    let (track, frame) =
                        wire::decode_frame(&bytes).map_err(FrameClientError::Protocol)?;
                    return Ok(FrameEvent::Frame { track, frame });
                }
                Message::Text(text) => return parse_reply(&text),
                Message::Close(_) => return Err(FrameClientError::Closed),
                _ => {}
            }
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) -> Result<(), FrameClientError> {
        self.ws
            .close(None)
            .await
            .map_err(|e| FrameClientError::Connection(e.to_string()))
    }

    async fn send_json(&mut self, message: &ClientMessage) -> Result<(), FrameClientError> {
        let text = serde_json::to_string(message)
            .map_err(|e| FrameClientError::Protocol(e.to_string()))?;
        self.send_text(&text).await
    }

    /// Reads until the server acknowledges (or refuses) a (un)subscribe of
    /// `track`, keeping frames for [`Self::next_frame`].
    async fn wait_for_ack(
        &mut self,
        track: &TrackId,
        subscribe: bool,
    ) -> Result<(), FrameClientError> {
        let mut buffered = std::mem::take(&mut self.pending);
        let result = loop {
            let event = match self.next_event().await {
                Ok(e) => e,
                Err(e) => break Err(e),
            };
            match event {
                FrameEvent::Frame { track, frame } => buffered.push_back((track, frame)),
                FrameEvent::Subscribed { track: t, .. } if subscribe && t == *track => break Ok(()),
                FrameEvent::Unsubscribed { track: t } if !subscribe && t == *track => break Ok(()),
                FrameEvent::Error { code, message, .. } => {
                    break Err(FrameClientError::Server { code, message });
                }
                _ => {}
            }
        };
        if !subscribe {
            buffered.retain(|(t, _)| t != track);
        }
        self.pending = buffered;
        result
    }
}

fn parse_reply(text: &str) -> Result<FrameEvent, FrameClientError> {
    let reply: ServerMessage = serde_json::from_str(text)
        .map_err(|e| FrameClientError::Protocol(format!("unexpected text message: {e}")))?;
    Ok(match reply {
        ServerMessage::Subscribed {
            track,
            width,
            height,
        } => FrameEvent::Subscribed {
            track: TrackId(track),
            width,
            height,
        },
        ServerMessage::Unsubscribed { track } => FrameEvent::Unsubscribed {
            track: TrackId(track),
        },
        ServerMessage::Error {
            code,
            message,
            track,
        } => {
            let code = serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            FrameEvent::Error {
                code,
                message,
                track: track.map(TrackId),
            }
        }
    })
}

/// Cuts anything after `token=` out of an error text.
fn redact(text: String) -> String {
    match text.find("token=") {
        Some(at) => format!("{}token=<redacted>", &text[..at]),
        None => text,
    }
}
