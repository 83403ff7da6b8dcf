//! One authenticated UI connection: a reader that handles subscribe and
//! unsubscribe messages, and a writer that sends the newest frame of each
//! subscribed track whenever the socket can take one (and, for a track
//! subscribed with `maxInFlight`, the client has acknowledged enough of the
//! frames before it).
//!
//! The socket alone does not hold a slow client back: a webview reads the
//! socket in another process, as fast as it comes, and queues every
//! message for its page without a bound. Acknowledgements are what make
//! "newest frame wins" hold for such a client.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt, future};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::MAX_DIMENSION;
use super::track::{Latest, Registry, Subscription, Track};
use super::wire::{self, ClientMessage, ErrorCode, ServerMessage};
use crate::types::{Resolution, TrackId};

/// The most tracks one connection may subscribe to.
pub(crate) const MAX_SUBSCRIPTIONS: usize = 64;
/// Reader-to-writer queue length; a full queue stops reading from the
/// client (back-pressure), it never grows memory.
const CONTROL_QUEUE: usize = 16;
/// How long a closing connection may take to say goodbye.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// The largest `maxInFlight` honoured; larger values are lowered to it.
const MAX_IN_FLIGHT: u32 = 16;

type Ws = WebSocketStream<TcpStream>;

/// What the reader asks the writer to do, in order.
enum Control {
    /// Start sending this track.
    Feed(TrackId, Feed),
    /// Stop sending this track.
    Unfeed(TrackId),
    /// Send a text message.
    Text(String),
    /// The client has dealt with one frame of this track.
    Ack(TrackId),
}

/// The writer's end of a subscription.
struct Feed {
    /// Keeps the frame channel's sender alive while the writer listens.
    track: Arc<Track>,
    frames: watch::Receiver<Option<Arc<Latest>>>,
    /// `changed()` returned since the last send (it marks the frame seen).
    fresh: bool,
    /// With `maxInFlight`: (frames that may still be sent before the client
    /// acknowledges one, the limit). `None`: no limit.
    credits: Option<(u32, u32)>,
}

impl Feed {
    /// Whether a frame may be sent now.
    fn open(&self) -> bool {
        self.credits.is_none_or(|(left, _)| left > 0)
    }
}

/// Serves one connection until the client leaves or `stop` turns true.
pub(crate) async fn serve(ws: Ws, registry: Arc<Registry>, stop: watch::Receiver<bool>) {
    let (sink, stream) = ws.split();
    let (control, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let writer = write_loop(sink, control_rx, stop);
    tokio::pin!(writer);
    tokio::select! {
        () = read_loop(stream, &registry, control) => {
            // The reader dropped its subscriptions and the control sender;
            // let the writer flush the close reply, then give up on it.
            let _ = tokio::time::timeout(CLOSE_GRACE, writer).await;
        }
        () = &mut writer => {}
    }
}

async fn read_loop(
    mut stream: SplitStream<Ws>,
    registry: &Registry,
    control: mpsc::Sender<Control>,
) {
    let mut subscriptions: HashMap<TrackId, Subscription> = HashMap::new();
    while let Some(message) = stream.next().await {
        let steps = match message {
            Ok(Message::Text(text)) => handle_text(&text, registry, &mut subscriptions),
            Ok(Message::Binary(_)) => vec![error(
                ErrorCode::BadMessage,
                "binary messages are not accepted; send JSON text",
                None,
            )],
            Ok(Message::Close(_)) => break,
            Ok(_) => Vec::new(),
            Err(e) => {
                tracing::debug!(error = %e, "frame socket client read failed");
                break;
            }
        };
        for step in steps {
            if control.send(step).await.is_err() {
                return;
            }
        }
    }
}

fn error(code: ErrorCode, message: impl Into<String>, track: Option<&str>) -> Control {
    Control::Text(ServerMessage::error(code, message, track).to_json())
}

/// Applies one text message; returns what the writer must do.
fn handle_text(
    text: &str,
    registry: &Registry,
    subscriptions: &mut HashMap<TrackId, Subscription>,
) -> Vec<Control> {
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(m) => m,
        Err(e) => return vec![error(ErrorCode::BadMessage, e.to_string(), None)],
    };
    match message {
        ClientMessage::Subscribe {
            track,
            width,
            height,
            max_in_flight,
        } => {
            if let Err(why) = wire::check_track(&track) {
                return vec![error(ErrorCode::BadTrack, why, None)];
            }
            let (width, height) = (width.unwrap_or(0), height.unwrap_or(0));
            if width > MAX_DIMENSION || height > MAX_DIMENSION {
                let why = format!("width and height must be at most {MAX_DIMENSION}");
                return vec![error(ErrorCode::BadSize, why, Some(&track))];
            }
            let size = (width > 0 && height > 0).then_some(Resolution { width, height });
            let (width, height) = size.map_or((0, 0), |s| (s.width, s.height));
            let ack = Control::Text(
                ServerMessage::Subscribed {
                    track: track.clone(),
                    width,
                    height,
                }
                .to_json(),
            );
            let id = TrackId(track);
            if let Some(existing) = subscriptions.get(&id) {
                existing.set_size(size);
                return vec![ack];
            }
            if subscriptions.len() >= MAX_SUBSCRIPTIONS {
                let why = format!("at most {MAX_SUBSCRIPTIONS} tracks per connection");
                return vec![error(
                    ErrorCode::TooManySubscriptions,
                    why,
                    Some(id.as_str()),
                )];
            }
            let subscription = registry.subscribe(&id, size);
            let feed = Feed {
                track: subscription.track().clone(),
                frames: subscription.frames(),
                fresh: false,
                credits: max_in_flight
                    .filter(|n| *n > 0)
                    .map(|n| n.min(MAX_IN_FLIGHT))
                    .map(|n| (n, n)),
            };
            subscriptions.insert(id.clone(), subscription);
            vec![Control::Feed(id, feed), ack]
        }
        ClientMessage::Unsubscribe { track } => {
            let id = TrackId(track);
            if subscriptions.remove(&id).is_none() {
                return vec![error(
                    ErrorCode::NotSubscribed,
                    "this track is not subscribed",
                    Some(id.as_str()),
                )];
            }
            let ack = Control::Text(
                ServerMessage::Unsubscribed {
                    track: id.0.clone(),
                }
                .to_json(),
            );
            vec![Control::Unfeed(id), ack]
        }
        ClientMessage::Ack { track } => vec![Control::Ack(TrackId(track))],
    }
}

async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut control: mpsc::Receiver<Control>,
    mut stop: watch::Receiver<bool>,
) {
    let mut feeds: HashMap<TrackId, Feed> = HashMap::new();
    loop {
        // Send the newest frame of every track that has a new one. While a
        // send waits for a slow client, newer frames replace older ones.
        for feed in feeds.values_mut() {
            if !feed.open() {
                // The client has not caught up: the frame waits (and is
                // replaced by newer ones) until it acknowledges one.
                continue;
            }
            let fresh = std::mem::take(&mut feed.fresh);
            if !fresh && !feed.frames.has_changed().unwrap_or(false) {
                continue;
            }
            let latest = feed.frames.borrow_and_update().clone();
            let Some(message) = latest.and_then(|l| l.message(&feed.track.id)) else {
                continue;
            };
            if let Some((left, _)) = &mut feed.credits {
                *left -= 1;
            }
            if let Err(e) = sink.send(Message::Binary(message)).await {
                tracing::debug!(error = %e, "frame socket client write failed");
                return;
            }
        }
        tokio::select! {
            step = control.recv() => match step {
                Some(Control::Feed(id, feed)) => {
                    feeds.insert(id, feed);
                }
                Some(Control::Unfeed(id)) => {
                    feeds.remove(&id);
                }
                Some(Control::Text(text)) => {
                    if sink.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Some(Control::Ack(id)) => {
                    if let Some((left, limit)) = feeds.get_mut(&id).and_then(|f| f.credits.as_mut()) {
                        *left = (*left + 1).min(*limit);
                    }
                }
                None => {
                    // The reader has finished: flush the close reply.
                    let _ = sink.close().await;
                    return;
                }
            },
            () = any_new_frame(&mut feeds) => {}
            () = stopped(&mut stop) => {
                let close = CloseFrame {
                    code: CloseCode::Away,
                    reason: "frame server stopped".into(),
                };
                let _ = sink.send(Message::Close(Some(close))).await;
                return;
            }
        }
    }
}

/// Resolves when the server stops (or is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // `Err` means the server was dropped: stopped as well.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Resolves when any fed track that may be sent a frame has one newer
/// than the last one sent.
async fn any_new_frame(feeds: &mut HashMap<TrackId, Feed>) {
    // Tracks waiting for an acknowledgement are left out: their new frames
    // are picked up after it comes (`has_changed` still says so).
    let open: Vec<&mut Feed> = feeds.values_mut().filter(|f| f.open()).collect();
    if open.is_empty() {
        return future::pending().await;
    }
    let waits = open.into_iter().map(|feed| {
        Box::pin(async move {
            let alive = feed.frames.changed().await.is_ok();
            feed.fresh = alive;
            alive
        })
    });
    let (alive, _, _) = future::select_all(waits).await;
    if !alive {
        // Cannot happen while `Feed::track` holds the sender; never spin.
        future::pending::<()>().await;
    }
}
