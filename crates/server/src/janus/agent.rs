//! One participant's Janus session: a task that owns the session, a handle
//! per publication and per subscription, and relays the client's requests
//! in order. Janus's events for the session come back here and go to the
//! client (candidates) or the pool (feeds, talking).

use std::collections::HashMap;
use std::time::Duration;

use mulaqat_protocol::{
    IceCandidate, ParticipantId, RoomId, ServerMsg, SfuFeed, SfuPublication, SfuTarget,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::conn::JanusConn;
use super::error::JanusError;
use super::events::{Mapped, candidate_json, map_event};
use super::messages::{PoolMsg, SfuEvent};

/// A member's request, for their agent.
#[derive(Debug)]
pub(super) enum AgentCmd {
    Publish {
        pin: String,
        publication: SfuPublication,
        sdp: String,
        feed_id: u64,
    },
    Unpublish {
        publication: SfuPublication,
    },
    Subscribe {
        pin: String,
        feed_id: u64,
        feed: SfuFeed,
    },
    Answer {
        subscription: u64,
        sdp: String,
    },
    Unsubscribe {
        subscription: u64,
    },
    Trickle {
        target: SfuTarget,
        candidate: IceCandidate,
    },
    Leave,
}

impl AgentCmd {
    /// The publication or subscription the request is about, named in a
    /// refusal (a subscribe has none until Janus offers one).
    pub fn target(&self) -> Option<SfuTarget> {
        match self {
            Self::Publish { publication, .. } | Self::Unpublish { publication } => {
                Some(SfuTarget::Publication(*publication))
            }
            Self::Answer { subscription, .. } | Self::Unsubscribe { subscription } => {
                Some(SfuTarget::Subscription(*subscription))
            }
            Self::Trickle { target, .. } => Some(*target),
            Self::Subscribe { .. } | Self::Leave => None,
        }
    }
}

/// What an agent needs to know.
#[derive(Debug)]
pub(super) struct AgentCtx {
    pub conn: JanusConn,
    pub node: usize,
    pub epoch: u64,
    pub room: RoomId,
    pub generation: u32,
    pub janus_room: u64,
    pub participant: ParticipantId,
    pub pool: mpsc::UnboundedSender<PoolMsg>,
    pub events: mpsc::UnboundedSender<SfuEvent>,
    pub keepalive: Duration,
}

/// The pool's handle on an agent task.
#[derive(Debug)]
pub(super) struct Agent {
    tx: mpsc::UnboundedSender<AgentCmd>,
    task: JoinHandle<()>,
}

impl Agent {
    pub fn spawn(ctx: AgentCtx) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(
            AgentState {
                ctx,
                session: None,
                publications: HashMap::new(),
                subscriptions: HashMap::new(),
                next_subscription: 1,
            }
            .run(rx),
        );
        Self { tx, task }
    }

    pub fn send(&self, cmd: AgentCmd) {
        let _ = self.tx.send(cmd);
    }

    /// Stops the task at once (its node is gone; nothing to tell Janus).
    pub fn abort(self) {
        self.task.abort();
    }
}

struct AgentState {
    ctx: AgentCtx,
    session: Option<u64>,
    publications: HashMap<SfuPublication, (u64, u64)>,
    subscriptions: HashMap<u64, (u64, SfuFeed)>,
    next_subscription: u64,
}

impl AgentState {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<AgentCmd>) {
        let mut events: Option<mpsc::UnboundedReceiver<Value>> = None;
        let mut keepalive = tokio::time::interval(self.ctx.keepalive);
        keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    if matches!(cmd, AgentCmd::Leave) {
                        break;
                    }
                    if self.session.is_none() {
                        match self.ctx.conn.create_session().await {
                            Ok(s) => {
                                events = Some(self.ctx.conn.route_session(s));
                                self.session = Some(s);
                            }
                            Err(e) => {
                                self.failed(&cmd.target(), &e);
                                continue;
                            }
                        }
                    }
                    if let Err(e) = self.on_cmd(cmd).await
                        && e.session_lost()
                    {
                        self.lost();
                        return;
                    }
                }
                Some(event) = recv(&mut events) => {
                    if !self.on_event(&event) {
                        self.lost();
                        return;
                    }
                }
                _ = keepalive.tick() => {
                    if let Some(s) = self.session
                        && let Err(e) = self.ctx.conn.keepalive(s).await
                    {
                        self.node_trouble(&e);
                        if e.session_lost() {
                            self.lost();
                            return;
                        }
                    }
                }
            }
        }
        if let Some(s) = self.session {
            let _ = self.ctx.conn.destroy_session(s).await;
        }
    }

    fn lost(&self) {
        if let Some(s) = self.session {
            self.ctx.conn.unroute_session(s);
        }
        let _ = self.ctx.pool.send(PoolMsg::AgentLost {
            room: self.ctx.room.clone(),
            generation: self.ctx.generation,
            participant: self.ctx.participant.clone(),
        });
    }

    fn to_client(&self, msg: ServerMsg) {
        let _ = self.ctx.events.send(SfuEvent::ToParticipant {
            room: self.ctx.room.clone(),
            participant: self.ctx.participant.clone(),
            msg,
        });
    }

    fn node_trouble(&self, e: &JanusError) {
        if matches!(e, JanusError::Timeout(_)) {
            let _ = self.ctx.pool.send(PoolMsg::NodeDown {
                node: self.ctx.node,
                epoch: self.ctx.epoch,
                why: e.to_string(),
            });
        }
    }

    fn failed(&self, target: &Option<SfuTarget>, e: &JanusError) {
        tracing::debug!(participant = %self.ctx.participant, "SFU request failed: {e}");
        self.node_trouble(e);
        let (code, message) = e.for_client();
        self.to_client(ServerMsg::sfu_refused(*target, code, message));
    }

    fn handle_of(&self, target: SfuTarget) -> Option<u64> {
        match target {
            SfuTarget::Publication(p) => self.publications.get(&p).map(|(h, _)| *h),
            SfuTarget::Subscription(s) => self.subscriptions.get(&s).map(|(h, _)| *h),
        }
    }

    async fn on_cmd(&mut self, cmd: AgentCmd) -> Result<(), JanusError> {
        let target = cmd.target();
        let result = self.run_cmd(cmd).await;
        if let Err(e) = &result {
            self.failed(&target, e);
        }
        result
    }

    async fn run_cmd(&mut self, cmd: AgentCmd) -> Result<(), JanusError> {
        let Some(session) = self.session else {
            return Err(JanusError::Closed);
        };
        let conn = self.ctx.conn.clone();
        match cmd {
            AgentCmd::Publish {
                pin,
                publication,
                sdp,
                feed_id,
            } => self.publish(session, pin, publication, sdp, feed_id).await,
            AgentCmd::Unpublish { publication } => {
                let (handle, feed_id) = self
                    .publications
                    .remove(&publication)
                    .ok_or_else(unknown_target)?;
                self.feed_gone(feed_id);
                conn.detach(session, handle).await
            }
            AgentCmd::Subscribe { pin, feed_id, feed } => {
                self.subscribe(session, pin, feed_id, feed).await
            }
            AgentCmd::Answer { subscription, sdp } => {
                let handle = self
                    .handle_of(SfuTarget::Subscription(subscription))
                    .ok_or_else(unknown_target)?;
                let answer = json!({"type": "answer", "sdp": sdp});
                conn.message(session, handle, json!({"request": "start"}), Some(answer))
                    .await
                    .map(drop)
            }
            AgentCmd::Unsubscribe { subscription } => {
                let (handle, _) = self
                    .subscriptions
                    .remove(&subscription)
                    .ok_or_else(unknown_target)?;
                conn.detach(session, handle).await
            }
            AgentCmd::Trickle { target, candidate } => {
                let handle = self.handle_of(target).ok_or_else(unknown_target)?;
                conn.trickle(session, handle, candidate_json(&candidate))
                    .await
            }
            AgentCmd::Leave => Ok(()),
        }
    }

    /// Publishes on a handle of its own (replacing an older publication of
    /// the same kind), answers the client and tells the pool of the feed.
    async fn publish(
        &mut self,
        session: u64,
        pin: String,
        publication: SfuPublication,
        sdp: String,
        feed_id: u64,
    ) -> Result<(), JanusError> {
        let conn = self.ctx.conn.clone();
        if let Some((old, old_feed)) = self.publications.remove(&publication) {
            let _ = conn.detach(session, old).await;
            self.feed_gone(old_feed);
        }
        let handle = conn.attach_videoroom(session).await?;
        let join = json!({
            "request": "join",
            "ptype": "publisher",
            "room": self.ctx.janus_room,
            "id": feed_id,
            "display": format!("{}/{}", self.ctx.participant, publication.as_str()),
            "pin": pin,
        });
        let publish = json!({"request": "publish"});
        let offer = json!({"type": "offer", "sdp": sdp});
        let answer = async {
            conn.message(session, handle, join, None).await?;
            let (_, jsep) = conn.message(session, handle, publish, Some(offer)).await?;
            sdp_of(jsep)
        }
        .await;
        let sdp = match answer {
            Ok(sdp) => sdp,
            Err(e) => {
                let _ = conn.detach(session, handle).await;
                return Err(e);
            }
        };
        self.publications.insert(publication, (handle, feed_id));
        self.to_client(ServerMsg::SfuPublished { publication, sdp });
        let _ = self.ctx.pool.send(PoolMsg::FeedUp {
            room: self.ctx.room.clone(),
            generation: self.ctx.generation,
            feed_id,
            feed: SfuFeed {
                participant: self.ctx.participant.clone(),
                publication,
            },
        });
        Ok(())
    }

    /// Subscribes to a feed on a handle of its own and forwards Janus's
    /// offer to the client under a new subscription number.
    async fn subscribe(
        &mut self,
        session: u64,
        pin: String,
        feed_id: u64,
        feed: SfuFeed,
    ) -> Result<(), JanusError> {
        let conn = self.ctx.conn.clone();
        let handle = conn.attach_videoroom(session).await?;
        let join = json!({
            "request": "join",
            "ptype": "subscriber",
            "room": self.ctx.janus_room,
            "streams": [{"feed": feed_id}],
            "use_msid": false,
            "pin": pin,
        });
        let offer = conn
            .message(session, handle, join, None)
            .await
            .and_then(|(_, jsep)| sdp_of(jsep));
        let sdp = match offer {
            Ok(sdp) => sdp,
            Err(e) => {
                let _ = conn.detach(session, handle).await;
                return Err(e);
            }
        };
        let subscription = self.next_subscription;
        self.next_subscription += 1;
        self.subscriptions
            .insert(subscription, (handle, feed.clone()));
        self.to_client(ServerMsg::SfuOffer {
            subscription,
            feed: feed.participant,
            publication: feed.publication,
            sdp,
        });
        Ok(())
    }

    fn feed_gone(&self, feed_id: u64) {
        let _ = self.ctx.pool.send(PoolMsg::FeedGone {
            room: self.ctx.room.clone(),
            generation: self.ctx.generation,
            feed_id,
        });
    }

    /// Returns false when the session is gone.
    fn on_event(&mut self, event: &Value) -> bool {
        let mapped = map_event(
            event,
            |handle| {
                self.publications
                    .iter()
                    .find(|(_, (h, _))| *h == handle)
                    .map(|(p, _)| SfuTarget::Publication(*p))
                    .or_else(|| {
                        self.subscriptions
                            .iter()
                            .find(|(_, (h, _))| *h == handle)
                            .map(|(s, _)| SfuTarget::Subscription(*s))
                    })
            },
            |handle| {
                self.publications
                    .values()
                    .find(|(h, _)| *h == handle)
                    .map(|(_, f)| *f)
            },
        );
        for m in mapped {
            match m {
                Mapped::Candidate(target, candidate) => {
                    self.to_client(ServerMsg::SfuCandidate { target, candidate });
                }
                Mapped::FeedGone(feed_id) => self.feed_gone(feed_id),
                Mapped::Talking(feed_id, talking) => {
                    let _ = self.ctx.pool.send(PoolMsg::Talking {
                        room: self.ctx.room.clone(),
                        generation: self.ctx.generation,
                        feed_id,
                        talking,
                    });
                }
                Mapped::SessionGone => return false,
                Mapped::Ignore => {}
            }
        }
        true
    }
}

async fn recv(events: &mut Option<mpsc::UnboundedReceiver<Value>>) -> Option<Value> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn unknown_target() -> JanusError {
    JanusError::VideoRoom {
        code: 0,
        reason: "no such publication or subscription of yours".into(),
    }
}

fn sdp_of(jsep: Option<Value>) -> Result<String, JanusError> {
    jsep.as_ref()
        .and_then(|j| j.get("sdp"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| JanusError::Protocol("Janus answered without an SDP".into()))
}
