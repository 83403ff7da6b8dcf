//! The WebSocket connections: the upgrade route, and one task per
//! connection doing frames, limits and timeouts. No room logic here: the
//! messages go to the handler task ([`crate::handler_task`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{self, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use mulaqat_protocol::{ClientMsg, ErrorCode, ServerMsg, decode_client, encode};
use tokio::sync::{Semaphore, mpsc};

use crate::config::Limits;
use crate::handler_task::{Outbound, ToHandler};
use crate::rate::TokenBucket;
use crate::rooms::{CloseFrame, ConnId, Input};

/// Frames above this are not even read: the connection is closed with 1009.
/// Between `limits.max_message_bytes` and this, the client gets an error
/// reply and keeps its connection.
const HARD_FRAME_LIMIT: usize = 1024 * 1024;
/// Initial read buffer per connection; it grows for larger frames.
const READ_BUFFER_BYTES: usize = 4 * 1024;
/// How long a closing connection waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

const TOO_SLOW: CloseFrame = CloseFrame {
    code: 1013,
    reason: "not reading messages fast enough",
};
const IDLE: CloseFrame = CloseFrame {
    code: 1001,
    reason: "no answer to pings",
};
const NO_HELLO: CloseFrame = CloseFrame {
    code: 1008,
    reason: "no hello in time",
};
const FLOODING: CloseFrame = CloseFrame {
    code: 1008,
    reason: "too many messages",
};
const TOO_BIG: CloseFrame = CloseFrame {
    code: 1009,
    reason: "frame too large",
};

/// What every connection task shares: the way to the handler, the limits,
/// and one permit per open connection.
#[derive(Debug)]
pub(crate) struct Connections {
    to_handler: mpsc::Sender<ToHandler>,
    limits: Limits,
    permits: Arc<Semaphore>,
    next_conn: AtomicU64,
}

impl Connections {
    /// Connections up to as many as `permits` holds, each taking one.
    pub fn new(
        to_handler: mpsc::Sender<ToHandler>,
        limits: Limits,
        permits: Arc<Semaphore>,
    ) -> Self {
        Self {
            to_handler,
            limits,
            permits,
            next_conn: AtomicU64::new(1),
        }
    }
}

/// `GET /` and `GET /ws`: the signalling WebSocket, or 503 at the
/// connection limit.
pub(crate) async fn upgrade(
    State(connections): State<Arc<Connections>>,
    ws: WebSocketUpgrade,
) -> Response {
    let Ok(permit) = connections.permits.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is at its connection limit; try again later\n",
        )
            .into_response();
    };
    // Small buffers: most messages are a few hundred bytes, and thousands of
    // connections with the 128 KiB default would cost hundreds of MiB.
    ws.max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            serve_connection(socket, connections).await;
            drop(permit);
        })
}

/// Per-connection state for limits.
struct Guard {
    bucket: TokenBucket,
    dropped_in_window: u32,
    window_start: Instant,
    last_rate_error: Option<Instant>,
    burst: u32,
}

enum Verdict {
    Pass,
    Drop { reply: bool },
    Flooding,
}

impl Guard {
    fn new(limits: &Limits, now: Instant) -> Self {
        Self {
            bucket: TokenBucket::new(limits.messages_per_second, limits.message_burst, now),
            dropped_in_window: 0,
            window_start: now,
            last_rate_error: None,
            burst: limits.message_burst,
        }
    }

    fn check(&mut self, now: Instant) -> Verdict {
        if self.bucket.try_take(now) {
            return Verdict::Pass;
        }
        if now.duration_since(self.window_start) > Duration::from_secs(10) {
            self.window_start = now;
            self.dropped_in_window = 0;
        }
        self.dropped_in_window += 1;
        if self.dropped_in_window > self.burst {
            return Verdict::Flooding;
        }
        let reply = self
            .last_rate_error
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if reply {
            self.last_rate_error = Some(now);
        }
        Verdict::Drop { reply }
    }
}

type Sink = SplitSink<WebSocket, Message>;
type Stream = SplitStream<WebSocket>;

async fn serve_connection(socket: WebSocket, connections: Arc<Connections>) {
    let conn = ConnId(connections.next_conn.fetch_add(1, Ordering::Relaxed));
    let (tx, outbox) = mpsc::channel(connections.limits.outbound_queue);
    if connections
        .to_handler
        .send(ToHandler::Connected(conn, tx))
        .await
        .is_err()
    {
        return;
    }
    tracing::debug!(conn = conn.0, "connection opened");
    let (mut sink, mut stream) = socket.split();
    let mut reader = Reader {
        conn,
        connections: &connections,
        guard: Guard::new(&connections.limits, Instant::now()),
        greeted: false,
    };
    if let Some(frame) = reader.relay(&mut sink, &mut stream, outbox).await {
        close(conn, frame, &mut sink, &mut stream).await;
    }
    let _ = connections
        .to_handler
        .send(ToHandler::Input(Input::Disconnected(conn)))
        .await;
    tracing::debug!(conn = conn.0, "connection closed");
}

/// One connection's side of the relay: what it read so far.
struct Reader<'a> {
    conn: ConnId,
    connections: &'a Connections,
    guard: Guard,
    greeted: bool,
}

impl Reader<'_> {
    /// Relays frames both ways until the connection ends; returns the close
    /// frame to send, if any.
    async fn relay(
        &mut self,
        sink: &mut Sink,
        stream: &mut Stream,
        mut outbox: mpsc::Receiver<Outbound>,
    ) -> Option<CloseFrame> {
        let limits = &self.connections.limits;
        let mut last_heard = Instant::now();
        let mut ping = tokio::time::interval(Duration::from_secs(limits.ping_interval_secs));
        ping.tick().await;
        let hello_deadline = tokio::time::sleep(Duration::from_secs(limits.hello_timeout_secs));
        tokio::pin!(hello_deadline);
        loop {
            tokio::select! {
                frame = stream.next() => {
                    let now = Instant::now();
                    last_heard = now;
                    let reply = match self.read(frame, now).await {
                        Ok(reply) => reply,
                        Err(close) => return close,
                    };
                    if let Some(msg) = reply
                        && sink.send(Message::Text(encode(&msg).into())).await.is_err()
                    {
                        return None;
                    }
                }
                out = outbox.recv() => match out {
                    Some(Outbound::Text(text)) => {
                        if sink.send(Message::Text(text)).await.is_err() {
                            return None;
                        }
                    }
                    Some(Outbound::Close(frame)) => return Some(frame),
                    None => return Some(TOO_SLOW),
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > Duration::from_secs(limits.idle_timeout_secs) {
                        return Some(IDLE);
                    }
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        return None;
                    }
                }
                _ = &mut hello_deadline, if !self.greeted => return Some(NO_HELLO),
            }
        }
    }

    /// Takes one frame from the client: a message goes to the handler.
    /// Returns what to answer at once, or `Err` with the close frame to
    /// send (if any) when the connection ends.
    async fn read(
        &mut self,
        frame: Option<Result<Message, axum::Error>>,
        now: Instant,
    ) -> Result<Option<ServerMsg>, Option<CloseFrame>> {
        let limits = &self.connections.limits;
        match frame {
            Some(Ok(Message::Text(text))) => match self.guard.check(now) {
                Verdict::Flooding => Err(Some(FLOODING)),
                Verdict::Drop { reply } => Ok(reply.then(|| {
                    ServerMsg::error(
                        ErrorCode::RateLimited,
                        format!(
                            "more than {} messages a second; slow down",
                            limits.messages_per_second
                        ),
                    )
                })),
                Verdict::Pass => match decode_client(text.as_str(), limits.max_message_bytes) {
                    Ok(msg) => {
                        self.greeted |= matches!(msg, ClientMsg::Hello { .. });
                        let input = ToHandler::Input(Input::Message(self.conn, msg));
                        if self.connections.to_handler.send(input).await.is_err() {
                            return Err(Some(CloseFrame::GOING_AWAY));
                        }
                        Ok(None)
                    }
                    Err(e) => Ok(Some(ServerMsg::error(e.code(), e.to_string()))),
                },
            },
            Some(Ok(Message::Binary(_))) => Ok(Some(ServerMsg::error(
                ErrorCode::UnsupportedFrame,
                "binary frames are not part of the protocol; send JSON text",
            ))),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(None),
            Some(Ok(Message::Close(_))) | None => Err(None),
            Some(Err(e)) => {
                tracing::debug!(conn = self.conn.0, "read failed: {e}");
                Err(is_too_large(&e).then_some(TOO_BIG))
            }
        }
    }
}

/// Sends `frame` and finishes the closing handshake.
async fn close(conn: ConnId, frame: CloseFrame, sink: &mut Sink, stream: &mut Stream) {
    tracing::debug!(
        conn = conn.0,
        code = frame.code,
        reason = frame.reason,
        "closing connection"
    );
    let frame = ws::CloseFrame {
        code: frame.code,
        reason: frame.reason.into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    // Read (and drop) what the client still sends until its close frame.
    // Closing the socket with unread data makes the kernel reset it, and the
    // client could then lose our close frame and its reason.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(msg)) = stream.next().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    let _ = sink.close().await;
}

fn is_too_large(e: &axum::Error) -> bool {
    // axum wraps tungstenite's capacity error; match on its text rather than
    // depend on tungstenite's types directly.
    let text = e.to_string();
    text.contains("too long") || text.contains("too big") || text.contains("Space limit")
}
