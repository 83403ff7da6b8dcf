//! The node pool: one task owning every node's state ([`super::node`]) and
//! every SFU room's placement ([`super::room`]). Janus requests run in
//! spawned tasks (a slow node never stalls the others); their results come
//! back as [`PoolMsg`]s.

use std::collections::HashMap;
use std::time::Duration;

use mulaqat_protocol::{ParticipantId, RoomId, ServerMsg, SfuErrorCode, SfuFeed, VideoCodec};
use tokio::sync::mpsc;

use super::agent::{Agent, AgentCmd, AgentCtx};
use super::config::SfuConfig;
use super::conn::JanusConn;
use super::error::JanusError;
use super::messages::{PoolMsg, SfuCommand, SfuEvent};
use super::node::{Node, NodeState, destroy_room};
use super::placement::{NodeLoad, pick_node};
use super::room::{PoolRoom, random_id};

/// A handle on the pool task; dropping every handle stops it.
#[derive(Debug, Clone)]
pub struct SfuPool {
    tx: mpsc::UnboundedSender<PoolMsg>,
}

impl SfuPool {
    /// Starts the pool: connects to every node in the background and sends
    /// what happens to `events`. `secrets` are the nodes' API secrets, in
    /// the order of `config.nodes`, each with its VideoRoom admin key if any.
    pub fn start(
        config: &SfuConfig,
        secrets: Vec<(String, Option<String>)>,
        events: mpsc::UnboundedSender<SfuEvent>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let nodes = config
            .nodes
            .iter()
            .zip(secrets)
            .map(|(n, (secret, admin_key))| Node::new(n, secret, admin_key))
            .collect();
        let pool = Pool {
            config: config.clone(),
            nodes,
            rooms: HashMap::new(),
            tx: tx.downgrade(),
            events,
            last_up: usize::MAX,
        };
        tokio::spawn(pool.run(rx));
        Self { tx }
    }

    /// Hands the pool a command from the room handler.
    pub fn command(&self, command: SfuCommand) {
        let _ = self.tx.send(PoolMsg::Command(command));
    }
}

struct Pool {
    config: SfuConfig,
    nodes: Vec<Node>,
    rooms: HashMap<RoomId, PoolRoom>,
    tx: mpsc::WeakUnboundedSender<PoolMsg>,
    events: mpsc::UnboundedSender<SfuEvent>,
    last_up: usize,
}

impl Pool {
    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.request_timeout_ms)
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<PoolMsg>) {
        for node in 0..self.nodes.len() {
            self.connect(node, Duration::ZERO);
        }
        self.report_nodes();
        let mut keepalive = tokio::time::interval(Duration::from_secs(self.config.keepalive_secs));
        keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => self.on_msg(msg),
                    None => break,
                },
                _ = keepalive.tick() => self.keepalive(),
            }
        }
        // The server is stopping: leave nothing behind on the nodes.
        for (room_id, room) in std::mem::take(&mut self.rooms) {
            self.destroy_on_node(&room_id, room);
        }
    }

    fn emit(&self, event: SfuEvent) {
        let _ = self.events.send(event);
    }

    fn emit_all(&self, events: impl IntoIterator<Item = SfuEvent>) {
        for event in events {
            self.emit(event);
        }
    }

    fn up_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_up()).count()
    }

    fn report_nodes(&mut self) {
        let up = self.up_count();
        if up != self.last_up {
            self.last_up = up;
            self.emit(SfuEvent::NodesUp(up));
        }
    }

    /// Connects to `node` after `delay`, retrying with backoff until it answers.
    fn connect(&mut self, node: usize, delay: Duration) {
        let (Some(n), Some(pool)) = (self.nodes.get(node), self.tx.upgrade()) else {
            return;
        };
        let retry_max = Duration::from_millis(self.config.retry_max_ms);
        tokio::spawn(n.reach(node, delay, self.timeout(), retry_max, pool));
    }

    fn on_msg(&mut self, msg: PoolMsg) {
        match msg {
            PoolMsg::Command(command) => self.on_command(command),
            PoolMsg::NodeUp {
                node,
                epoch,
                conn,
                session,
                handle,
            } => self.node_up(node, epoch, conn, session, handle),
            PoolMsg::NodeDown { node, epoch, why } => self.node_down(node, epoch, &why),
            PoolMsg::Created {
                room,
                generation,
                node,
                epoch,
                result,
            } => self.created(room, generation, node, epoch, result),
            PoolMsg::FeedUp {
                room,
                generation,
                feed_id,
                feed,
            } => {
                let events = self
                    .current(&room, generation)
                    .map(|r| r.feed_up(&room, feed_id, feed));
                self.emit_all(events.unwrap_or_default());
            }
            PoolMsg::FeedGone {
                room,
                generation,
                feed_id,
            } => {
                let event = self
                    .current(&room, generation)
                    .and_then(|r| r.feed_gone(&room, feed_id));
                self.emit_all(event);
            }
            PoolMsg::Talking {
                room,
                generation,
                feed_id,
                talking,
            } => {
                let event = self
                    .current(&room, generation)
                    .and_then(|r| r.talking(&room, feed_id, talking));
                self.emit_all(event);
            }
            PoolMsg::AgentLost {
                room,
                generation,
                participant,
            } => {
                if let Some(r) = self.current(&room, generation) {
                    r.agents.remove(&participant);
                    self.drop_feeds_of(&room, &participant);
                    self.emit(SfuEvent::SessionLost { room, participant });
                }
            }
        }
    }

    fn node_up(&mut self, node: usize, epoch: u64, conn: JanusConn, session: u64, handle: u64) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if n.epoch != epoch {
            return;
        }
        tracing::info!(node = %n.label, "Janus node up");
        for (janus_id, secret) in std::mem::take(&mut n.orphans) {
            let conn = conn.clone();
            tokio::spawn(async move {
                let _ = destroy_room(&conn, session, handle, janus_id, &secret).await;
            });
        }
        n.state = NodeState::Up {
            conn,
            session,
            handle,
        };
        self.report_nodes();
    }

    fn node_down(&mut self, node: usize, epoch: u64, why: &str) {
        let Some(n) = self.nodes.get_mut(node) else {
            return;
        };
        if n.epoch != epoch || !n.is_up() {
            return;
        }
        tracing::warn!(node = %n.label, "Janus node down ({why}); new rooms go elsewhere");
        n.epoch += 1;
        n.state = NodeState::Connecting;
        let lost: Vec<RoomId> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.node == node)
            .map(|(id, _)| id.clone())
            .collect();
        let mut orphans = Vec::new();
        for id in &lost {
            if let Some(room) = self.rooms.remove(id) {
                for agent in room.agents.into_values() {
                    agent.abort();
                }
                orphans.push((room.janus_id, room.secret));
            }
        }
        if let Some(n) = self.nodes.get_mut(node) {
            n.orphans.extend(orphans);
        }
        // First the count, so that the handler places the lost rooms on a
        // node that is still up.
        self.report_nodes();
        for room in lost {
            self.emit(SfuEvent::RoomLost { room });
        }
        self.connect(node, Duration::ZERO);
    }

    fn keepalive(&self) {
        for (node, n) in self.nodes.iter().enumerate() {
            let NodeState::Up { conn, session, .. } = &n.state else {
                continue;
            };
            let (conn, session, epoch) = (conn.clone(), *session, n.epoch);
            let Some(tx) = self.tx.upgrade() else {
                return;
            };
            tokio::spawn(async move {
                if let Err(e) = conn.keepalive(session).await
                    && (e.node_lost() || e.session_lost())
                {
                    let _ = tx.send(PoolMsg::NodeDown {
                        node,
                        epoch,
                        why: e.to_string(),
                    });
                }
            });
        }
    }

    fn loads(&self) -> Vec<NodeLoad> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeLoad {
                up: n.is_up(),
                rooms: self.rooms.values().filter(|r| r.node == i).count(),
            })
            .collect()
    }

    fn on_command(&mut self, command: SfuCommand) {
        match command {
            SfuCommand::CreateRoom {
                room,
                generation,
                publishers,
                codec,
            } => self.create(room, generation, publishers, codec),
            SfuCommand::DestroyRoom { room } => {
                if let Some(r) = self.rooms.remove(&room) {
                    self.destroy_on_node(&room, r);
                }
            }
            SfuCommand::Leave { room, participant } => self.leave(&room, &participant),
            SfuCommand::Subscribe {
                room,
                participant,
                pin,
                feed,
            } => self.subscribe(room, participant, pin, feed),
            SfuCommand::Publish {
                room,
                participant,
                pin,
                publication,
                sdp,
            } => {
                let feed_id = random_id();
                let publish = AgentCmd::Publish {
                    pin,
                    publication,
                    sdp,
                    feed_id,
                };
                self.dispatch_to_agent(room, participant, publish);
            }
            SfuCommand::Unpublish {
                room,
                participant,
                publication,
            } => self.dispatch_to_agent(room, participant, AgentCmd::Unpublish { publication }),
            SfuCommand::Answer {
                room,
                participant,
                subscription,
                sdp,
            } => self.dispatch_to_agent(room, participant, AgentCmd::Answer { subscription, sdp }),
            SfuCommand::Unsubscribe {
                room,
                participant,
                subscription,
            } => self.dispatch_to_agent(room, participant, AgentCmd::Unsubscribe { subscription }),
            SfuCommand::Trickle {
                room,
                participant,
                target,
                candidate,
            } => self.dispatch_to_agent(room, participant, AgentCmd::Trickle { target, candidate }),
        }
    }

    /// Ends a member's Janus session and the feeds they published.
    fn leave(&mut self, room: &RoomId, participant: &ParticipantId) {
        if let Some(r) = self.rooms.get_mut(room)
            && let Some(agent) = r.agents.remove(participant)
        {
            agent.send(AgentCmd::Leave);
            self.drop_feeds_of(room, participant);
        }
    }

    /// Subscribes a member to a published feed, or refuses a feed that is
    /// not (or no longer) published.
    fn subscribe(&mut self, room: RoomId, participant: ParticipantId, pin: String, feed: SfuFeed) {
        let feed_id = self.rooms.get(&room).and_then(|r| r.feed_id(&feed));
        let Some(feed_id) = feed_id else {
            let message = format!(
                "{} has no {} feed; follow sfuFeeds",
                feed.participant,
                feed.publication.as_str()
            );
            self.emit(SfuEvent::ToParticipant {
                room,
                participant,
                msg: ServerMsg::sfu_refused(None, SfuErrorCode::UnknownFeed, message),
            });
            return;
        };
        let subscribe = AgentCmd::Subscribe { pin, feed_id, feed };
        self.dispatch_to_agent(room, participant, subscribe);
    }

    /// Hands a member's request to their agent, starting one if needed.
    fn dispatch_to_agent(&mut self, room_id: RoomId, participant: ParticipantId, cmd: AgentCmd) {
        let keepalive = Duration::from_secs(self.config.keepalive_secs);
        let ready = self.rooms.get(&room_id).filter(|r| r.ready).map(|r| r.node);
        let conn = ready.and_then(|node| match &self.nodes.get(node)?.state {
            NodeState::Up { conn, .. } => Some((node, conn.clone(), self.nodes[node].epoch)),
            NodeState::Connecting => None,
        });
        let (Some((node, conn, epoch)), Some(tx)) = (conn, self.tx.upgrade()) else {
            self.emit(SfuEvent::ToParticipant {
                room: room_id,
                participant,
                msg: ServerMsg::sfu_refused(
                    cmd.target(),
                    SfuErrorCode::NotReady,
                    "the SFU room is not set up (yet); wait for modeChanged",
                ),
            });
            return;
        };
        let events = self.events.clone();
        let Some(room) = self.rooms.get_mut(&room_id) else {
            return;
        };
        let agent = room.agents.entry(participant.clone()).or_insert_with(|| {
            Agent::spawn(AgentCtx {
                conn,
                node,
                epoch,
                room: room_id.clone(),
                generation: room.generation,
                janus_room: room.janus_id,
                participant: participant.clone(),
                pool: tx,
                events,
                keepalive,
            })
        });
        agent.send(cmd);
    }

    fn create(&mut self, room: RoomId, generation: u32, publishers: u32, codec: VideoCodec) {
        if let Some(old) = self.rooms.remove(&room) {
            self.destroy_on_node(&room, old);
        }
        let Some(node) = pick_node(&self.loads()) else {
            self.emit(SfuEvent::RoomFailed {
                room,
                generation,
                code: SfuErrorCode::Unavailable,
                message: "no SFU node is up; the meeting's video starts when one is back".into(),
            });
            return;
        };
        let NodeState::Up {
            conn,
            session,
            handle,
        } = &self.nodes[node].state
        else {
            return;
        };
        let (conn, session, handle, epoch) =
            (conn.clone(), *session, *handle, self.nodes[node].epoch);
        let placed = PoolRoom::new(generation, node, codec);
        tracing::info!(node = %self.nodes[node].label, generation, %codec, "placing an SFU room");
        let admin_key = self.nodes[node].admin_key.as_deref();
        let body = placed.create_request(publishers, self.config.bitrate, admin_key);
        self.rooms.insert(room.clone(), placed);
        let Some(tx) = self.tx.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            let result = conn.message(session, handle, body, None).await.map(drop);
            let _ = tx.send(PoolMsg::Created {
                room,
                generation,
                node,
                epoch,
                result,
            });
        });
    }

    fn created(
        &mut self,
        room_id: RoomId,
        generation: u32,
        node: usize,
        epoch: u64,
        result: Result<(), JanusError>,
    ) {
        let current = self
            .rooms
            .get(&room_id)
            .is_some_and(|r| r.generation == generation && r.node == node);
        if !current {
            return; // Destroyed or re-created meanwhile (destroy_on_node handled it).
        }
        match result {
            Ok(()) => {
                if let Some(room) = self.rooms.get_mut(&room_id) {
                    room.ready = true;
                    let pin = room.pin.clone();
                    self.emit(SfuEvent::RoomReady {
                        room: room_id,
                        generation,
                        pin,
                    });
                }
            }
            Err(e) if e.node_lost() => {
                let codec = self.rooms.remove(&room_id).map(|r| r.codec);
                self.node_down(node, epoch, &e.to_string());
                // Try the next node, or report that none is up.
                let publishers = self.config.max_participants;
                self.create(room_id, generation, publishers, codec.unwrap_or_default());
            }
            Err(e) => {
                tracing::warn!("Janus refused to create a room: {e}");
                self.rooms.remove(&room_id);
                self.emit(SfuEvent::RoomFailed {
                    room: room_id,
                    generation,
                    code: SfuErrorCode::Refused,
                    message: format!("the SFU refused to set up the room ({e})"),
                });
            }
        }
    }

    fn destroy_on_node(&self, room_id: &RoomId, room: PoolRoom) {
        for agent in room.agents.into_values() {
            agent.send(AgentCmd::Leave);
        }
        let Some(n) = self.nodes.get(room.node) else {
            return;
        };
        let NodeState::Up {
            conn,
            session,
            handle,
        } = &n.state
        else {
            return;
        };
        tracing::info!(node = %n.label, "destroying an SFU room");
        let (conn, session, handle) = (conn.clone(), *session, *handle);
        let room_id = room_id.clone();
        tokio::spawn(async move {
            // Still being created? Janus answers 426 then; the create's own
            // reply finds the room gone from the pool and is ignored.
            if let Err(e) = destroy_room(&conn, session, handle, room.janus_id, &room.secret).await
            {
                tracing::debug!(room = %room_id, "destroying the Janus room failed: {e}");
            }
        });
    }

    /// The room, unless it was set up afresh since `generation` (news of an
    /// older set-up is ignored).
    fn current(&mut self, room_id: &RoomId, generation: u32) -> Option<&mut PoolRoom> {
        self.rooms
            .get_mut(room_id)
            .filter(|r| r.generation == generation)
    }

    fn drop_feeds_of(&mut self, room_id: &RoomId, participant: &ParticipantId) {
        let event = self
            .rooms
            .get_mut(room_id)
            .and_then(|r| r.drop_feeds_of(room_id, participant));
        self.emit_all(event);
    }
}
