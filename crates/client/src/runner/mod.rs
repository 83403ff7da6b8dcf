//! The IO runner: connects a [`Session`] to the signalling WebSocket and to
//! the media engine, and reports to the caller. All decisions stay in the
//! session; this file only moves messages.

use std::collections::HashMap;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use mulaqat_media::{MediaEngine, MediaEvent, PeerConfig, PeerId, PeerState, StatsReport};
use mulaqat_protocol::{
    IceCandidate, IceServer, ParticipantId, SdpKind, SfuPublication, SfuTarget, decode_server,
    encode,
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::session::{
    CallEvent, CallState, EndReason, Input, MediaCommand, MediaInput, Output, Session, SfuNotice,
    UserAction,
};
use crate::transport::{SignallingTarget, Socket, connect};

mod media_names;

pub use media_names::decodable_codecs;
use media_names::{
    engine_candidate, media_codec, media_ice, peer_id, publication_peer, subscription_peer,
};

/// The largest message accepted from the server.
const MAX_SERVER_MESSAGE: usize = 1024 * 1024;

/// What the runner tells its caller.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RunnerEvent {
    /// The call changed (state, participants, chat, knocks...).
    Call(CallEvent),
    /// Once a second: how the media is doing.
    Stats(StatsReport),
    /// Something from the media engine worth showing (tracks, encoder, camera lost, errors).
    Media(MediaEvent),
    /// In SFU rooms: who talks (for the active speaker), and problems.
    Sfu(SfuNotice),
}

/// What an engine peer is to the session: a peer of the mesh, or one of
/// our SFU connections (a subscription's engine peer is named after the
/// feed's participant, so that its tracks are `<participant>:video`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Mesh,
    Sfu(SfuTarget),
}

/// The engine peers the runner made, and what each is.
type Routes = HashMap<PeerId, Route>;

fn sfu_peer(routes: &Routes, target: SfuTarget) -> Option<PeerId> {
    routes
        .iter()
        .find(|(_, route)| **route == Route::Sfu(target))
        .map(|(peer, _)| peer.clone())
}

/// Media-engine settings for peers the session asks for.
#[derive(Debug, Clone, Default)]
pub struct MediaPolicy {
    /// Only relayed ICE candidates (TURN).
    pub relay_only: bool,
}

/// Runs the call until it ends and returns why. `user` carries the person's
/// actions (leave, chat, mute...); the call joins at once.
pub async fn run(
    session: Session,
    engine: MediaEngine,
    engine_events: mulaqat_media::EventReceiver,
    signalling: SignallingTarget,
    media_policy: MediaPolicy,
    events: mpsc::UnboundedSender<RunnerEvent>,
    user: mpsc::UnboundedReceiver<UserAction>,
) -> EndReason {
    let mut runner = Runner {
        session,
        engine,
        signalling,
        media_policy,
        events,
        socket: None,
        last_heard: Instant::now(),
        peers: HashMap::new(),
    };
    runner.run(engine_events, user).await
}

/// The IO around one session: its WebSocket, the engine peers it made, and
/// where its events go.
struct Runner {
    session: Session,
    engine: MediaEngine,
    signalling: SignallingTarget,
    media_policy: MediaPolicy,
    events: mpsc::UnboundedSender<RunnerEvent>,
    socket: Option<Socket>,
    /// When the server was last heard (a link that dies without a word, a
    /// cable pulled, sends no close: we ping, and silence means it is gone).
    last_heard: Instant,
    peers: Routes,
}

impl Runner {
    async fn run(
        &mut self,
        mut engine_events: mulaqat_media::EventReceiver,
        mut user: mpsc::UnboundedReceiver<UserAction>,
    ) -> EndReason {
        let mut keepalive = tokio::time::interval(KEEPALIVE_EVERY);
        keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut user_open = true;
        self.handle(Input::User(UserAction::Join));
        loop {
            if let Some(reason) = self.carry_out().await {
                return reason;
            }
            let deadline = self.session.poll_timeout();
            let input = tokio::select! {
                frame = next_frame(&mut self.socket) => match self.server_frame(frame) {
                    Some(input) => input,
                    None => continue,
                },
                _ = keepalive.tick(), if self.socket.is_some() => match self.keep_alive().await {
                    Some(input) => input,
                    None => continue,
                },
                event = engine_events.recv() => match event {
                    Some(event) => match media_input(event, &self.peers, &self.events) {
                        Some(input) => input,
                        None => continue,
                    },
                    None => {
                        tracing::warn!("the media engine stopped");
                        continue;
                    }
                },
                action = user.recv(), if user_open => match action {
                    Some(action) => Input::User(action),
                    None => {
                        user_open = false;
                        continue;
                    }
                },
                _ = sleep_until(deadline) => Input::Timeout,
            };
            self.handle(input);
        }
    }

    /// Gives the session one input; a refusal is shown as the call's errors are.
    fn handle(&mut self, input: Input) {
        if let Err(e) = self.session.handle(Instant::now(), input) {
            let _ = self.events.send(RunnerEvent::Call(CallEvent::Error {
                code: mulaqat_protocol::ErrorCode::InvalidField,
                message: e.to_string(),
            }));
        }
    }

    /// Carries out everything the session asked for; `Some` once the call
    /// has ended (its peers and link closed).
    async fn carry_out(&mut self) -> Option<EndReason> {
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::OpenTransport => self.open().await,
                Output::CloseTransport => self.close().await,
                Output::Send(msg) => self.send(msg).await,
                Output::Media(command) => self.apply(command),
                Output::Sfu(notice) => {
                    let _ = self.events.send(RunnerEvent::Sfu(notice));
                }
                Output::ScreenShareFailed { reason } => {
                    let ended = MediaEvent::ScreenShareEnded {
                        cause: mulaqat_media::ScreenShareEnd::Failed,
                        reason,
                    };
                    let _ = self.events.send(RunnerEvent::Media(ended));
                }
                Output::Event(event) => {
                    let ended = match &event {
                        CallEvent::StateChanged(CallState::Ended(reason)) => Some(reason.clone()),
                        _ => None,
                    };
                    let _ = self.events.send(RunnerEvent::Call(event));
                    if let Some(reason) = ended {
                        for (peer, _) in self.peers.drain() {
                            self.engine.remove_peer(&peer);
                        }
                        self.close().await;
                        return Some(reason);
                    }
                }
            }
        }
        None
    }

    async fn open(&mut self) {
        let input = match connect(&self.signalling).await {
            Ok(ws) => {
                self.socket = Some(ws);
                self.last_heard = Instant::now();
                Input::TransportOpened
            }
            Err(e) => {
                tracing::warn!("signalling: {e}");
                Input::TransportClosed {
                    reason: e.to_string(),
                }
            }
        };
        self.handle(input);
    }

    async fn close(&mut self) {
        if let Some(mut ws) = self.socket.take() {
            let _ = ws.close(None).await;
        }
    }

    async fn send(&mut self, msg: mulaqat_protocol::ClientMsg) {
        tracing::debug!(kind = msg.type_name(), "sending");
        let sent = match self.socket.as_mut() {
            Some(ws) => ws.send(Message::Text(encode(&msg).into())).await.is_ok(),
            None => false,
        };
        if !sent && self.socket.take().is_some() {
            self.handle(Input::TransportClosed {
                reason: "sending failed".into(),
            });
        }
    }

    /// Carries out one media command; a failure goes back to the session,
    /// which decides what it means.
    fn apply(&mut self, command: MediaCommand) {
        let given = command.clone();
        let applied = apply_media(&self.engine, &self.media_policy, &mut self.peers, command);
        if let Err(e) = applied {
            self.handle(Input::Media(MediaInput::CommandFailed {
                command: given,
                error: e.to_string(),
            }));
        }
    }

    /// A frame from the server as a session input (`None`: nothing to do).
    fn server_frame(
        &mut self,
        frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Option<Input> {
        if matches!(frame, Some(Ok(_))) {
            self.last_heard = Instant::now();
        }
        let reason = match frame {
            Some(Ok(Message::Text(text))) => {
                return match decode_server(text.as_str(), MAX_SERVER_MESSAGE) {
                    Ok(msg) => Some(Input::Server(msg)),
                    Err(e) => {
                        tracing::warn!("ignoring a message the server should not send: {e}");
                        None
                    }
                };
            }
            Some(Ok(Message::Close(frame))) => format!("closed by the server ({frame:?})"),
            Some(Ok(_)) => return None,
            Some(Err(e)) => e.to_string(),
            None => "the connection ended".into(),
        };
        self.socket = None;
        Some(Input::TransportClosed { reason })
    }

    /// Pings the server, or reports the link gone after too long a silence.
    async fn keep_alive(&mut self) -> Option<Input> {
        if self.last_heard.elapsed() >= SILENCE_LIMIT {
            self.socket = None;
            let secs = SILENCE_LIMIT.as_secs();
            return Some(Input::TransportClosed {
                reason: format!("no answer from the server for {secs} s"),
            });
        }
        let pinged = match self.socket.as_mut() {
            Some(ws) => ws.send(Message::Ping(Default::default())).await.is_ok(),
            None => true,
        };
        if pinged {
            return None;
        }
        self.socket = None;
        Some(Input::TransportClosed {
            reason: "sending a ping failed".into(),
        })
    }
}

/// How often we ping the server (it answers with a pong).
const KEEPALIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Nothing from the server for this long: the link is gone, reconnect.
/// Media keeps flowing meanwhile, so a false alarm costs only a rejoin.
const SILENCE_LIMIT: std::time::Duration = std::time::Duration::from_secs(15);

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn next_frame(
    socket: &mut Option<Socket>,
) -> Option<Result<Message, tokio_tungstenite::tungstenite::Error>> {
    match socket.as_mut() {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

/// Carries out one media command on the engine.
fn apply_media(
    engine: &MediaEngine,
    policy: &MediaPolicy,
    peers: &mut Routes,
    command: MediaCommand,
) -> Result<(), mulaqat_media::MediaError> {
    let config = |initiator: bool, ice_servers: &[IceServer]| PeerConfig {
        initiator,
        ice_servers: media_ice(ice_servers),
        ice_policy: if policy.relay_only {
            mulaqat_media::IcePolicy::RelayOnly
        } else {
            mulaqat_media::IcePolicy::All
        },
        video_codec: None,
    };
    match command {
        MediaCommand::AddPeer {
            peer,
            initiator,
            ice_servers,
        } => {
            let id = peer_id(&peer);
            peers.insert(id.clone(), Route::Mesh);
            engine.add_peer(id, config(initiator, &ice_servers))
        }
        MediaCommand::RemovePeer { peer } => {
            let id = peer_id(&peer);
            if peers.get(&id) == Some(&Route::Mesh) {
                peers.remove(&id);
                engine.remove_peer(&id);
            }
            Ok(())
        }
        MediaCommand::RemoteDescription { peer, kind, sdp } => {
            let kind = match kind {
                SdpKind::Offer => mulaqat_media::SdpKind::Offer,
                SdpKind::Answer => mulaqat_media::SdpKind::Answer,
                other => {
                    tracing::warn!(?other, "ignoring an SDP kind the engine does not use");
                    return Ok(());
                }
            };
            engine.set_remote_description(
                &peer_id(&peer),
                mulaqat_media::SessionDescription { kind, sdp },
            )
        }
        MediaCommand::RemoteCandidate { peer, candidate } => {
            engine.add_ice_candidate(&peer_id(&peer), engine_candidate(candidate))
        }
        MediaCommand::RestartIce { peer } => engine.restart_peer(&peer_id(&peer)),
        MediaCommand::RemoveAllPeers => {
            for (peer, _) in peers.drain() {
                engine.remove_peer(&peer);
            }
            Ok(())
        }
        MediaCommand::Publish {
            publication,
            video_codec,
            ice_servers,
        } => {
            let id = publication_peer(publication);
            let target = SfuTarget::Publication(publication);
            peers.insert(id.clone(), Route::Sfu(target));
            let config = PeerConfig {
                video_codec: Some(media_codec(video_codec)),
                ..config(true, &ice_servers)
            };
            let added = match publication {
                SfuPublication::Camera => engine.add_publication(id.clone(), config),
                SfuPublication::Screen => engine.add_screen_publication(id.clone(), config),
            };
            if added.is_err() {
                peers.remove(&id);
            }
            added
        }
        MediaCommand::ScreenInCamera { on: true } => engine.start_screen_share(),
        MediaCommand::ScreenInCamera { on: false } => {
            engine.stop_screen_share();
            Ok(())
        }
        MediaCommand::Subscribe {
            subscription,
            feed,
            publication,
            offer,
            ice_servers,
        } => {
            let id = subscription_peer(&feed, publication);
            let target = SfuTarget::Subscription(subscription);
            peers.insert(id.clone(), Route::Sfu(target));
            engine.add_subscription(id, config(false, &ice_servers), offer)
        }
        MediaCommand::PublicationAnswer { publication, sdp } => engine.set_remote_description(
            &publication_peer(publication),
            mulaqat_media::SessionDescription {
                kind: mulaqat_media::SdpKind::Answer,
                sdp,
            },
        ),
        MediaCommand::SfuCandidate { target, candidate } => match sfu_peer(peers, target) {
            Some(peer) => engine.add_ice_candidate(&peer, engine_candidate(candidate)),
            None => Ok(()),
        },
        MediaCommand::CloseSfu { target } => {
            if let Some(peer) = sfu_peer(peers, target) {
                peers.remove(&peer);
                engine.remove_peer(&peer);
            }
            Ok(())
        }
    }
}

/// Turns an engine event into a session input, or passes it to the caller
/// (peer connection states go to both).
fn media_input(
    event: MediaEvent,
    routes: &Routes,
    events: &mpsc::UnboundedSender<RunnerEvent>,
) -> Option<Input> {
    if let Some(input) = sfu_input(&event, routes) {
        if matches!(event, MediaEvent::PeerState { .. }) {
            let _ = events.send(RunnerEvent::Media(event));
        }
        return Some(Input::Media(input));
    }
    let participant = |p: &PeerId| ParticipantId::new(p.as_str()).ok();
    let input = match &event {
        MediaEvent::LocalDescription { peer, description } => MediaInput::LocalDescription {
            peer: participant(peer)?,
            kind: match description.kind {
                mulaqat_media::SdpKind::Offer => SdpKind::Offer,
                mulaqat_media::SdpKind::Answer => SdpKind::Answer,
            },
            sdp: description.sdp.clone(),
        },
        MediaEvent::LocalCandidate { peer, candidate } => MediaInput::LocalCandidate {
            peer: participant(peer)?,
            candidate: IceCandidate {
                candidate: candidate.candidate.clone(),
                sdp_mid: None,
                sdp_m_line_index: Some(candidate.sdp_m_line_index),
            },
        },
        MediaEvent::PeerState {
            peer,
            state: PeerState::Connected,
        } => {
            let _ = events.send(RunnerEvent::Media(event.clone()));
            MediaInput::PeerConnected {
                peer: participant(peer)?,
            }
        }
        MediaEvent::PeerState {
            peer,
            state: PeerState::Failed,
        } => {
            let _ = events.send(RunnerEvent::Media(event.clone()));
            MediaInput::PeerFailed {
                peer: participant(peer)?,
            }
        }
        MediaEvent::Stats { report } => {
            let _ = events.send(RunnerEvent::Stats(report.clone()));
            return None;
        }
        MediaEvent::ScreenShareEnded { .. } => {
            let _ = events.send(RunnerEvent::Media(event.clone()));
            MediaInput::ScreenShareEnded
        }
        _ => {
            let _ = events.send(RunnerEvent::Media(event));
            return None;
        }
    };
    Some(Input::Media(input))
}

/// An engine report about one of our SFU connections, as a session input.
fn sfu_input(event: &MediaEvent, routes: &Routes) -> Option<MediaInput> {
    let target = |peer: &PeerId| match routes.get(peer) {
        Some(Route::Sfu(target)) => Some(*target),
        _ => None,
    };
    Some(match event {
        MediaEvent::LocalDescription { peer, description } => MediaInput::SfuLocalDescription {
            target: target(peer)?,
            sdp: description.sdp.clone(),
        },
        MediaEvent::LocalCandidate { peer, candidate } => MediaInput::SfuLocalCandidate {
            target: target(peer)?,
            candidate: IceCandidate {
                candidate: candidate.candidate.clone(),
                sdp_mid: None,
                sdp_m_line_index: Some(candidate.sdp_m_line_index),
            },
        },
        MediaEvent::PeerState {
            peer,
            state: PeerState::Connected,
        } => MediaInput::SfuConnected {
            target: target(peer)?,
        },
        MediaEvent::PeerState {
            peer,
            state: PeerState::Failed,
        } => MediaInput::SfuFailed {
            target: target(peer)?,
        },
        _ => return None,
    })
}
