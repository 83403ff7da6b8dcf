//! The task that owns the room [`Handler`]: it feeds the handler what the
//! connections, the clock, the rooms file and the SFU pool report, and
//! delivers the handler's outputs to the connections' outboxes and the pool.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use mulaqat_protocol::{ServerMsg, UnixMillis, encode};
use tokio::sync::{mpsc, oneshot};

use crate::directory::RoomDirectory;
use crate::janus::{SfuConfig, SfuPool};
use crate::rooms::{CloseFrame, ConnId, Handler, Input, Output};

/// How often the room handler's clock ticks.
const TICK: Duration = Duration::from_secs(1);
/// How often the rooms file is checked for changes.
const DIRECTORY_POLL: Duration = Duration::from_secs(2);

/// What the handler task is sent.
pub(crate) enum ToHandler {
    /// A connection opened; its outbox.
    Connected(ConnId, mpsc::Sender<Outbound>),
    /// An input for the handler.
    Input(Input),
    /// Reply once every connection has been told and closed (or at once if none).
    Drain(oneshot::Sender<()>),
}

impl std::fmt::Debug for ToHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ToHandler")
    }
}

/// What the handler task puts in a connection's outbox.
pub(crate) enum Outbound {
    /// Encoded once and shared by every recipient of a broadcast.
    Text(Utf8Bytes),
    /// Close with this frame.
    Close(CloseFrame),
}

/// Feeds the handler its inputs and delivers its outputs until every
/// sender of `inbox` is gone.
pub(crate) async fn run_handler(
    mut handler: Handler,
    mut inbox: mpsc::Receiver<ToHandler>,
    pool: Option<SfuPool>,
) {
    let mut outboxes = Outboxes::default();
    let mut drains: Vec<oneshot::Sender<()>> = Vec::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let input = tokio::select! {
            msg = inbox.recv() => match msg {
                Some(ToHandler::Connected(conn, tx)) => {
                    outboxes.senders.insert(conn, tx);
                    Input::Connected(conn)
                }
                Some(ToHandler::Input(input)) => input,
                Some(ToHandler::Drain(done)) => {
                    drains.push(done);
                    Input::Tick
                }
                None => return,
            },
            _ = tick.tick() => Input::Tick,
        };
        if let Input::Disconnected(conn) = &input {
            outboxes.senders.remove(conn);
        }
        handler.handle(now_millis(), input);
        for conn in outboxes.deliver(&mut handler, pool.as_ref()) {
            // Dropping the sender makes the connection close itself.
            if outboxes.senders.remove(&conn).is_some() {
                tracing::warn!(
                    conn = conn.0,
                    "disconnecting a client that is not keeping up"
                );
                handler.handle(now_millis(), Input::Disconnected(conn));
            }
        }
        if outboxes.senders.is_empty() {
            for done in drains.drain(..) {
                let _ = done.send(());
            }
        }
    }
}

/// The outboxes of the open connections.
#[derive(Default)]
struct Outboxes {
    senders: HashMap<ConnId, mpsc::Sender<Outbound>>,
}

impl Outboxes {
    /// Delivers every output the handler has; returns the connections whose
    /// outbox was full.
    fn deliver(&mut self, handler: &mut Handler, pool: Option<&SfuPool>) -> Vec<ConnId> {
        let mut too_slow = Vec::new();
        // A broadcast is one message to many connections in a row: encode it once.
        let mut last_encoded: Option<(ServerMsg, Utf8Bytes)> = None;
        while let Some(output) = handler.poll_output() {
            let (conn, outbound) = match output {
                Output::Send(conn, msg) => (conn, Outbound::Text(encoded(&mut last_encoded, msg))),
                Output::Close(conn, frame) => (conn, Outbound::Close(frame)),
                Output::Sfu(command) => {
                    if let Some(pool) = pool {
                        pool.command(command);
                    }
                    continue;
                }
            };
            let Some(tx) = self.senders.get(&conn) else {
                continue;
            };
            let closing = matches!(outbound, Outbound::Close(_));
            match tx.try_send(outbound) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => too_slow.push(conn),
                // The connection task has ended; its Disconnected is on the way.
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.senders.remove(&conn);
                }
            }
            if closing {
                self.senders.remove(&conn);
            }
        }
        too_slow
    }
}

/// `msg` as text, reusing the last encoding when it is the same message.
fn encoded(last: &mut Option<(ServerMsg, Utf8Bytes)>, msg: ServerMsg) -> Utf8Bytes {
    match last {
        Some((previous, text)) if *previous == msg => text.clone(),
        _ => {
            let text = Utf8Bytes::from(encode(&msg));
            *last = Some((msg, text.clone()));
            text
        }
    }
}

fn now_millis() -> UnixMillis {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UnixMillis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// Feeds the handler the rooms set up ahead of time, and again when the file changes.
pub(crate) async fn watch_directory(directory: RoomDirectory, to_handler: mpsc::Sender<ToHandler>) {
    let mut seen = None;
    let mut first = true;
    loop {
        let modified = directory.modified();
        if first || modified != seen {
            first = false;
            seen = modified;
            match directory.load() {
                Ok(rooms) => {
                    tracing::debug!(count = rooms.len(), "rooms set up ahead of time loaded");
                    if to_handler
                        .send(ToHandler::Input(Input::DefineRooms(rooms)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => tracing::warn!("{e}; keeping the rooms loaded before"),
            }
        }
        tokio::time::sleep(DIRECTORY_POLL).await;
        if to_handler.is_closed() {
            return;
        }
    }
}

/// Starts the SFU pool with its events fed to the handler.
pub(crate) fn start_pool(
    config: &SfuConfig,
    secrets: Vec<(String, Option<String>)>,
    to_handler: &mpsc::Sender<ToHandler>,
) -> SfuPool {
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let pool = SfuPool::start(config, secrets, events_tx);
    let forward = to_handler.clone();
    tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            if forward
                .send(ToHandler::Input(Input::Sfu(Box::new(event))))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    tracing::info!(nodes = config.nodes.len(), "SFU rooms on Janus");
    pool
}
