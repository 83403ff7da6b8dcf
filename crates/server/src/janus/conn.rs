//! One WebSocket connection to a Janus node's API (`ws://host:8188`,
//! sub-protocol `janus-protocol`): requests matched to replies by
//! transaction, and events routed to the session they belong to.
//!
//! All sessions on a node share the connection. The API secret is added to
//! every request here and is never logged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::error::JanusError;

/// The WebSocket sub-protocol of Janus's API.
pub const SUBPROTOCOL: &str = "janus-protocol";

/// When a request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// The first reply, `ack` included (`trickle`, `keepalive`).
    Ack,
    /// The first reply that is not an `ack` (plugin messages answer `ack`
    /// first and the result later as an `event`).
    Result,
}

struct Pending {
    until: Until,
    reply: oneshot::Sender<Value>,
}

type Routes = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Value>>>>;

struct Inner {
    url: String,
    secret: String,
    timeout: Duration,
    out: mpsc::UnboundedSender<Message>,
    pending: Mutex<HashMap<String, Pending>>,
    routes: Routes,
    next_transaction: AtomicU64,
    closed: watch::Receiver<bool>,
}

/// A connection to one Janus node. Cheap to clone; closes when every clone
/// and its reader are gone, or when Janus goes away.
#[derive(Clone)]
pub struct JanusConn {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for JanusConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JanusConn")
            .field("url", &self.inner.url)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain maps behind, still usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl JanusConn {
    /// Opens the WebSocket. Events for sessions nobody registered go to the
    /// returned receiver (e.g. `timeout` of an unknown session).
    pub async fn connect(
        url: &str,
        secret: &str,
        timeout: Duration,
    ) -> Result<(Self, mpsc::UnboundedReceiver<Value>), JanusError> {
        let connect_err = |reason: String| JanusError::Connect {
            url: url.to_owned(),
            reason,
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| connect_err(e.to_string()))?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(SUBPROTOCOL),
        );
        let (ws, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| connect_err("timed out".into()))?
            .map_err(|e| connect_err(e.to_string()))?;
        let (mut sink, mut stream) = ws.split();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (closed_tx, closed_rx) = watch::channel(false);
        let (unrouted_tx, unrouted_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            url: url.to_owned(),
            secret: secret.to_owned(),
            timeout,
            out: out_tx,
            pending: Mutex::new(HashMap::new()),
            routes: Arc::new(Mutex::new(HashMap::new())),
            next_transaction: AtomicU64::new(1),
            closed: closed_rx,
        });
        // Writer: ends when every sender is gone or the socket fails.
        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                if sink.send(msg).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        // Reader: holds only a weak reference so that dropping every
        // `JanusConn` closes the connection.
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                    tracing::debug!("Janus sent something that is not JSON");
                    continue;
                };
                let Some(inner) = weak.upgrade() else {
                    break;
                };
                inner.dispatch(value, &unrouted_tx);
            }
            let _ = closed_tx.send(true);
            if let Some(inner) = weak.upgrade() {
                // Dropping the reply senders fails every waiting request.
                lock(&inner.pending).clear();
                lock(&inner.routes).clear();
            }
        });
        Ok((Self { inner }, unrouted_rx))
    }

    /// The node's API URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Whether the connection has closed.
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// Resolves when the connection closes.
    pub async fn closed(&self) {
        let mut rx = self.inner.closed.clone();
        let _ = rx.wait_for(|closed| *closed).await;
    }

    /// Sends events of `session` to the returned receiver from now on.
    pub fn route_session(&self, session: u64) -> mpsc::UnboundedReceiver<Value> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.inner.routes).insert(session, tx);
        rx
    }

    /// Stops routing events of `session`.
    pub fn unroute_session(&self, session: u64) {
        lock(&self.inner.routes).remove(&session);
    }

    /// `create`: a new session.
    pub async fn create_session(&self) -> Result<u64, JanusError> {
        let reply = self.call(json!({"janus": "create"}), Until::Result).await?;
        data_id(&reply)
    }

    /// `attach`: a VideoRoom handle in `session`.
    pub async fn attach_videoroom(&self, session: u64) -> Result<u64, JanusError> {
        let reply = self
            .call(
                json!({"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"}),
                Until::Result,
            )
            .await?;
        data_id(&reply)
    }

    /// A VideoRoom request, with an SDP when `jsep` is given. Returns the
    /// plugin's data and the JSEP of the reply, if any.
    pub async fn message(
        &self,
        session: u64,
        handle: u64,
        body: Value,
        jsep: Option<Value>,
    ) -> Result<(Value, Option<Value>), JanusError> {
        let mut request =
            json!({"janus": "message", "session_id": session, "handle_id": handle, "body": body});
        if let Some(jsep) = jsep {
            request["jsep"] = jsep;
        }
        let reply = self.call(request, Until::Result).await?;
        let data = reply
            .pointer("/plugindata/data")
            .cloned()
            .ok_or_else(|| JanusError::Protocol("a plugin reply without plugindata".into()))?;
        if let Some(code) = data.get("error_code").and_then(Value::as_u64) {
            return Err(JanusError::VideoRoom {
                code: u32::try_from(code).unwrap_or(u32::MAX),
                reason: data
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        Ok((data, reply.get("jsep").cloned()))
    }

    /// `trickle`: one candidate (or `{"completed": true}`) for a handle.
    pub async fn trickle(
        &self,
        session: u64,
        handle: u64,
        candidate: Value,
    ) -> Result<(), JanusError> {
        self.call(
            json!({"janus": "trickle", "session_id": session, "handle_id": handle, "candidate": candidate}),
            Until::Ack,
        )
        .await
        .map(drop)
    }

    /// `keepalive` for a session (Janus drops sessions idle for 60 s).
    pub async fn keepalive(&self, session: u64) -> Result<(), JanusError> {
        self.call(
            json!({"janus": "keepalive", "session_id": session}),
            Until::Ack,
        )
        .await
        .map(drop)
    }

    /// `detach`: drops a handle (a publisher's feed ends with it).
    pub async fn detach(&self, session: u64, handle: u64) -> Result<(), JanusError> {
        self.call(
            json!({"janus": "detach", "session_id": session, "handle_id": handle}),
            Until::Result,
        )
        .await
        .map(drop)
    }

    /// `destroy`: ends a session and its handles.
    pub async fn destroy_session(&self, session: u64) -> Result<(), JanusError> {
        self.unroute_session(session);
        self.call(
            json!({"janus": "destroy", "session_id": session}),
            Until::Result,
        )
        .await
        .map(drop)
    }

    async fn call(&self, mut request: Value, until: Until) -> Result<Value, JanusError> {
        if self.is_closed() {
            return Err(JanusError::Closed);
        }
        let transaction = format!(
            "mq{}",
            self.inner.next_transaction.fetch_add(1, Ordering::Relaxed)
        );
        request["transaction"] = Value::String(transaction.clone());
        request["apisecret"] = Value::String(self.inner.secret.clone());
        let (tx, rx) = oneshot::channel();
        lock(&self.inner.pending).insert(transaction.clone(), Pending { until, reply: tx });
        if self
            .inner
            .out
            .send(Message::Text(request.to_string().into()))
            .is_err()
        {
            lock(&self.inner.pending).remove(&transaction);
            return Err(JanusError::Closed);
        }
        let timeout = self.inner.timeout;
        let reply = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => return Err(JanusError::Closed),
            Err(_) => {
                lock(&self.inner.pending).remove(&transaction);
                return Err(JanusError::Timeout(
                    u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                ));
            }
        };
        if reply.get("janus").and_then(Value::as_str) == Some("error") {
            let error = reply.get("error");
            return Err(JanusError::Janus {
                code: error
                    .and_then(|e| e.get("code"))
                    .and_then(Value::as_u64)
                    .and_then(|c| u32::try_from(c).ok())
                    .unwrap_or(0),
                reason: error
                    .and_then(|e| e.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        Ok(reply)
    }
}

impl Inner {
    fn dispatch(&self, value: Value, unrouted: &mpsc::UnboundedSender<Value>) {
        let kind = value.get("janus").and_then(Value::as_str).unwrap_or("");
        if let Some(transaction) = value.get("transaction").and_then(Value::as_str) {
            let mut pending = lock(&self.pending);
            let wanted = pending
                .get(transaction)
                .is_some_and(|p| kind != "ack" || p.until == Until::Ack);
            if wanted {
                if let Some(p) = pending.remove(transaction) {
                    let _ = p.reply.send(value);
                }
                return;
            }
            if kind == "ack" {
                return;
            }
        }
        let session = value.get("session_id").and_then(Value::as_u64);
        let route = session.and_then(|s| lock(&self.routes).get(&s).cloned());
        match route {
            Some(tx) => {
                let _ = tx.send(value);
            }
            None => {
                let _ = unrouted.send(value);
            }
        }
    }
}

fn data_id(reply: &Value) -> Result<u64, JanusError> {
    reply
        .pointer("/data/id")
        .and_then(Value::as_u64)
        .ok_or_else(|| JanusError::Protocol("a success reply without data.id".into()))
}
