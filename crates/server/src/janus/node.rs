//! One Janus node as the pool sees it: where it is, whether it is up (with
//! the admin session and VideoRoom handle that create and destroy rooms),
//! and the rooms it still owes a destroy. Also the admin requests
//! themselves: opening that session and destroying a room.

use std::future::Future;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::config::JanusNodeConfig;
use super::conn::JanusConn;
use super::error::JanusError;
use super::messages::PoolMsg;
use super::placement::Backoff;

/// Whether a node answers.
#[derive(Debug)]
pub(super) enum NodeState {
    /// Being reached (again), with backoff.
    Connecting,
    /// Connected, with the admin session and its VideoRoom handle.
    Up {
        conn: JanusConn,
        session: u64,
        handle: u64,
    },
}

/// One configured node.
#[derive(Debug)]
pub(super) struct Node {
    /// The name used in logs.
    pub label: String,
    /// The WebSocket API.
    pub url: String,
    /// The API secret.
    pub secret: String,
    /// The VideoRoom admin key, when the node sets one.
    pub admin_key: Option<String>,
    /// Counts losses of the node; messages about an older connection are ignored.
    pub epoch: u64,
    /// Whether it is up.
    pub state: NodeState,
    /// Rooms left behind on the node when it was lost, destroyed when it is back.
    pub orphans: Vec<(u64, String)>,
}

impl Node {
    /// A node not reached yet.
    pub fn new(config: &JanusNodeConfig, secret: String, admin_key: Option<String>) -> Self {
        Self {
            label: config.label().to_owned(),
            url: config.url.clone(),
            secret,
            admin_key,
            epoch: 0,
            state: NodeState::Connecting,
            orphans: Vec::new(),
        }
    }

    /// Whether the node answers.
    pub fn is_up(&self) -> bool {
        matches!(self.state, NodeState::Up { .. })
    }

    /// The task that reaches this node (`index` in the pool) after `delay`:
    /// it retries with backoff (up to `retry_max` apart) until the node
    /// answers or the pool is gone, reports [`PoolMsg::NodeUp`], then
    /// [`PoolMsg::NodeDown`] when the connection closes.
    pub fn reach(
        &self,
        index: usize,
        delay: Duration,
        timeout: Duration,
        retry_max: Duration,
        pool: mpsc::UnboundedSender<PoolMsg>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (url, secret, epoch, label) = (
            self.url.clone(),
            self.secret.clone(),
            self.epoch,
            self.label.clone(),
        );
        async move {
            tokio::time::sleep(delay).await;
            let mut backoff = Backoff::new(retry_max);
            loop {
                match open_admin(&url, &secret, timeout).await {
                    Ok((conn, session, handle)) => {
                        let watched = conn.clone();
                        let up = PoolMsg::NodeUp {
                            node: index,
                            epoch,
                            conn,
                            session,
                            handle,
                        };
                        let _ = pool.send(up);
                        watched.closed().await;
                        let _ = pool.send(PoolMsg::NodeDown {
                            node: index,
                            epoch,
                            why: "connection closed".into(),
                        });
                        return;
                    }
                    Err(e) => {
                        let wait = backoff.next_delay();
                        tracing::debug!(node = %label, "Janus not reachable ({e}); retrying in {wait:?}");
                        if pool.is_closed() {
                            return;
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
    }
}

/// Connects to a node and opens its admin session and VideoRoom handle.
async fn open_admin(
    url: &str,
    secret: &str,
    timeout: Duration,
) -> Result<(JanusConn, u64, u64), JanusError> {
    let (conn, mut unrouted) = JanusConn::connect(url, secret, timeout).await?;
    tokio::spawn(async move {
        while let Some(event) = unrouted.recv().await {
            tracing::trace!(kind = ?event.get("janus"), "Janus event for no session");
        }
    });
    let session = conn.create_session().await?;
    let handle = conn.attach_videoroom(session).await?;
    Ok((conn, session, handle))
}

/// Destroys a room on its node through the admin session.
pub(super) async fn destroy_room(
    conn: &JanusConn,
    session: u64,
    handle: u64,
    janus_id: u64,
    secret: &str,
) -> Result<(), JanusError> {
    let body =
        json!({"request": "destroy", "room": janus_id, "secret": secret, "permanent": false});
    conn.message(session, handle, body, None).await.map(drop)
}
