//! SFU rooms: publishing to and subscribing from the room's Janus
//! VideoRoom through the server (`docs/protocol.md`, "SFU rooms").
//!
//! **The flow.** A `modeChanged` with `sfu` (a pin and a generation) makes
//! us drop whatever SFU connections we had, publish (the media engine
//! offers; we send `sfuPublish`, apply `sfuPublished`) and subscribe to
//! every feed in `sfuFeeds` but our own (`sfuSubscribe`; the SFU offers in
//! `sfuOffer`, the engine answers, we send `sfuAnswer`). Feeds that are
//! `gone` are unsubscribed and their tracks end. ICE candidates trickle both
//! ways as `sfuCandidate`; ours are held until the offer or answer they
//! belong to has been sent.
//!
//! **Screen sharing.** While we share, the screen is a second publication
//! (`screen`) beside the camera's, made and ended as sharing starts and
//! stops; others' screens are feeds like their cameras, whose tracks are
//! `<participant>/screen:video`. In a peer-to-peer room the screen takes the
//! camera's place instead ([`MediaCommand::ScreenInCamera`]).
//!
//! **P2P to SFU.** A room that grows past the peer-to-peer limit changes
//! mode under us: peer connections stay until the SFU is ready. Then the
//! ones that never connected are closed at once, and each connected one
//! when the subscription to that participant's feed takes over (its
//! `sfuOffer`), or at the latest [`P2P_HANDOVER`] after the SFU was ready.
//!
//! **Trouble.** `sfuReset` drops every SFU connection; the next
//! `modeChanged` (new pin, higher generation) sets them up again. A
//! subscription that fails or times out is asked for again; a publication
//! that fails or times out is made again after [`REPUBLISH_DELAY`]. A new
//! `welcome` (after a reconnection) also drops them: the server's Janus
//! session for us ended with the old connection.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use mulaqat_protocol::{
    ClientMsg, IceCandidate, MediaMode, ParticipantId, ServerMsg, SfuAccess, SfuErrorCode, SfuFeed,
    SfuPublication, SfuTarget,
};

use SfuPublication::{Camera, Screen};
use tracing::{debug, info, warn};

mod media;
mod publish;
mod subscribe;

use super::output::SfuNotice;
use super::{MediaCommand, Output, Session};

/// How long peer-to-peer connections may carry media once the SFU is ready.
pub const P2P_HANDOVER: Duration = Duration::from_secs(10);
/// How long to wait for the SFU's offer before asking for a feed again
/// (Janus refuses a feed whose publisher is not quite up yet).
pub const SUBSCRIBE_RETRY: Duration = Duration::from_secs(3);
/// How long a publication may take to connect before it is made again.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait before publishing again after a failed publication.
pub const REPUBLISH_DELAY: Duration = Duration::from_secs(2);

/// One connection's signalling progress.
#[derive(Debug, Clone, Default)]
struct Signalling {
    /// Our offer (publication) or answer (subscription) was sent.
    described: bool,
    /// Media connected.
    connected: bool,
    /// Our candidates found before the description went out.
    held: Vec<IceCandidate>,
}

#[derive(Debug, Clone)]
struct Publication {
    signalling: Signalling,
    /// When to give up if its media has not connected.
    deadline: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Subscription {
    feed: SfuFeed,
    signalling: Signalling,
}

/// What the session knows about its SFU connections.
#[derive(Debug, Default)]
pub(crate) struct Sfu {
    /// The newest pin and generation, once the SFU room is ready.
    access: Option<SfuAccess>,
    /// Our publications (the camera's; the screen's while sharing), once
    /// asked for.
    publications: BTreeMap<SfuPublication, Publication>,
    /// When to publish again after a failure.
    republish_at: BTreeMap<SfuPublication, Instant>,
    /// Our subscriptions, by the server's number.
    subscriptions: BTreeMap<u64, Subscription>,
    /// Feeds asked for (`sfuSubscribe` sent) and when.
    requested: BTreeMap<SfuFeed, Instant>,
    /// Feeds of others that can be subscribed to.
    feeds: BTreeSet<SfuFeed>,
    /// Until when peer-to-peer connections may stay.
    handover_until: Option<Instant>,
}

impl Sfu {
    /// The next SFU timer.
    pub(crate) fn next_timer(&self) -> Option<Instant> {
        let retry = self
            .requested
            .values()
            .map(|at| *at + SUBSCRIBE_RETRY)
            .min();
        let deadline = self.publications.values().filter_map(|p| p.deadline).min();
        [
            retry,
            self.republish_at.values().copied().min(),
            deadline,
            self.handover_until,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The pin and generation in use, if the SFU room is ready.
    pub(crate) fn access(&self) -> Option<&SfuAccess> {
        self.access.as_ref()
    }

    /// Subscribed feeds: subscription number and feed.
    pub(crate) fn subscriptions(&self) -> impl Iterator<Item = (u64, &SfuFeed)> {
        self.subscriptions.iter().map(|(n, s)| (*n, &s.feed))
    }

    /// Whether `publication` exists and its media connected.
    pub(crate) fn published(&self, publication: SfuPublication) -> bool {
        self.publications
            .get(&publication)
            .is_some_and(|p| p.signalling.connected)
    }

    fn subscription_of(&self, feed: &SfuFeed) -> Option<u64> {
        self.subscriptions
            .iter()
            .find(|(_, s)| &s.feed == feed)
            .map(|(n, _)| *n)
    }
}

/// A refusal told in words a person understands.
fn explain(code: SfuErrorCode, message: &str) -> String {
    let what = match code {
        SfuErrorCode::WrongPin => {
            "The meeting's video server did not accept this meeting's access code, so video \
             cannot be sent or received. Leave and join the meeting again; if it keeps \
             happening, tell IT."
        }
        SfuErrorCode::Unavailable => {
            "The meeting's video server cannot be reached right now. You stay in the meeting; \
             video comes back on its own as soon as the server is back."
        }
        SfuErrorCode::Timeout => "The meeting's video server did not answer in time; trying again.",
        SfuErrorCode::Refused => "The meeting's video server refused this device's video.",
        SfuErrorCode::NotReady => "The meeting's video is still being set up.",
        SfuErrorCode::UnknownFeed => "That participant's video has just ended.",
        _ => "The meeting's video server refused a request.",
    };
    if message.is_empty() {
        what.to_owned()
    } else {
        format!("{what} ({message})")
    }
}

impl Session {
    /// Our SFU connections, as the server knows them.
    pub fn sfu_access(&self) -> Option<&SfuAccess> {
        self.sfu.access()
    }

    /// Our SFU subscriptions: the server's number and which feed.
    pub fn sfu_subscriptions(&self) -> impl Iterator<Item = (u64, &SfuFeed)> {
        self.sfu.subscriptions()
    }

    /// Whether our camera's publication to the SFU is connected.
    pub fn sfu_published(&self) -> bool {
        self.sfu.published(Camera)
    }

    /// Whether our screen's publication to the SFU is connected.
    pub fn sfu_screen_published(&self) -> bool {
        self.sfu.published(Screen)
    }

    /// SFU messages from the server, while in the call.
    pub(in crate::session) fn sfu_server(&mut self, now: Instant, msg: ServerMsg) {
        match msg {
            ServerMsg::ModeChanged { mode, sfu } => self.mode_changed(now, mode, sfu),
            ServerMsg::SfuPublished { publication, sdp } => {
                match self.sfu.publications.get(&publication) {
                    Some(p) if p.signalling.described => {
                        self.media_command(MediaCommand::PublicationAnswer { publication, sdp });
                    }
                    _ => debug!("sfuPublished for no offer of ours: ignored"),
                }
            }
            ServerMsg::SfuOffer {
                subscription,
                feed,
                publication,
                sdp,
            } => self.sfu_offer(subscription, feed, publication, sdp),
            ServerMsg::SfuCandidate { target, candidate } => {
                let known = match target {
                    SfuTarget::Publication(p) => self.sfu.publications.contains_key(&p),
                    SfuTarget::Subscription(n) => self.sfu.subscriptions.contains_key(&n),
                };
                if known {
                    self.media_command(MediaCommand::SfuCandidate { target, candidate });
                } else {
                    debug!(?target, "SFU candidate for no connection of ours: dropped");
                }
            }
            ServerMsg::SfuFeeds { available, gone } => self.sfu_feeds(now, available, gone),
            ServerMsg::SfuTalking {
                participant,
                talking,
            } => {
                if self.participant_id.as_ref() != Some(&participant) {
                    self.out.push_back(Output::Sfu(SfuNotice::Talking {
                        participant,
                        talking,
                    }));
                }
            }
            ServerMsg::SfuRefused {
                target,
                code,
                message,
            } => self.sfu_refused(now, target, code, message),
            ServerMsg::SfuReset { reason } => {
                info!(?reason, "SFU room lost: waiting for it to be set up again");
                self.drop_sfu();
                self.out.push_back(Output::Sfu(SfuNotice::Reset { reason }));
                self.sync_screen(now);
            }
            other => debug!(kind = other.type_name(), "not an SFU message: ignored"),
        }
    }

    fn mode_changed(&mut self, now: Instant, mode: MediaMode, sfu: Option<SfuAccess>) {
        let Some(room) = &mut self.room else { return };
        room.mode = mode;
        if mode == MediaMode::P2p {
            info!("room is peer-to-peer again");
            self.drop_sfu();
            if let Some(me) = self.participant_id.clone() {
                self.set_up_mesh(&me);
            }
            self.sync_screen(now);
            return;
        }
        let Some(access) = sfu else {
            debug!("SFU room being set up: keeping what we have");
            self.sync_screen(now);
            return;
        };
        info!(generation = access.generation, "SFU room ready: publishing");
        self.drop_sfu();
        self.sfu.access = Some(access);
        self.publish(now, Camera);
        self.sync_screen(now);
        // Peer connections that never came up carry nothing: close them now;
        // the others when their feed's subscription takes over.
        let unconnected: Vec<ParticipantId> = self
            .mesh
            .iter()
            .filter(|(_, link)| !link.connected)
            .map(|(id, _)| id.clone())
            .collect();
        for peer in unconnected {
            self.close_mesh_peer(peer);
        }
        if !self.mesh.is_empty() {
            self.sfu.handover_until = Some(now + P2P_HANDOVER);
        }
    }

    /// Drops every SFU connection without telling the server (whose side is
    /// gone, or is being replaced).
    pub(in crate::session) fn drop_sfu(&mut self) {
        let old = std::mem::take(&mut self.sfu);
        for publication in old.publications.keys() {
            self.media_command(MediaCommand::CloseSfu {
                target: SfuTarget::Publication(*publication),
            });
        }
        for n in old.subscriptions.keys() {
            self.media_command(MediaCommand::CloseSfu {
                target: SfuTarget::Subscription(*n),
            });
        }
    }

    fn sfu_refused(
        &mut self,
        now: Instant,
        target: Option<SfuTarget>,
        code: SfuErrorCode,
        message: String,
    ) {
        match code {
            SfuErrorCode::UnknownTarget | SfuErrorCode::UnknownFeed | SfuErrorCode::NotReady => {
                // Routine: a feed that just went, or a connection the server
                // forgot (after a reset). `sfuFeeds` and `modeChanged` follow.
                debug!(%code, ?target, "SFU request refused");
            }
            _ => {
                warn!(%code, ?target, "SFU request refused");
                self.out.push_back(Output::Sfu(SfuNotice::Problem {
                    code,
                    message: explain(code, &message),
                }));
            }
        }
        let retry = code == SfuErrorCode::Timeout;
        match target {
            Some(SfuTarget::Publication(p)) => {
                if self.sfu.publications.remove(&p).is_some() {
                    self.media_command(MediaCommand::CloseSfu {
                        target: SfuTarget::Publication(p),
                    });
                }
                if retry && self.sfu.access.is_some() {
                    self.sfu.republish_at.insert(p, now + REPUBLISH_DELAY);
                }
            }
            Some(SfuTarget::Subscription(n)) => {
                if let Some(feed) = self.unsubscribe(n, false)
                    && retry
                    && self.sfu.feeds.contains(&feed)
                {
                    self.subscribe(now, feed);
                }
            }
            // A refused `sfuSubscribe` names no target: the request stays in
            // `requested` and is made again after SUBSCRIBE_RETRY.
            _ => {}
        }
    }

    /// SFU timers: subscriptions asked for again, publishing again, the end
    /// of the peer-to-peer handover.
    pub(in crate::session) fn sfu_timeout(&mut self, now: Instant) {
        let late: Vec<SfuPublication> = self
            .sfu
            .publications
            .iter()
            .filter(|(_, p)| p.deadline.is_some_and(|at| at <= now))
            .map(|(publication, _)| *publication)
            .collect();
        for publication in late {
            info!(
                publication = publication.as_str(),
                "the publication did not connect in time"
            );
            self.sfu_failed(now, SfuTarget::Publication(publication));
        }
        let again: Vec<SfuPublication> = self
            .sfu
            .republish_at
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(publication, _)| *publication)
            .collect();
        for publication in again {
            self.sfu.republish_at.remove(&publication);
            if self.sfu.access.is_some()
                && !self.sfu.publications.contains_key(&publication)
                && self.wants(publication)
                && self.linked_in_call()
            {
                info!(publication = publication.as_str(), "publishing again");
                self.publish(now, publication);
            }
        }
        let due: Vec<SfuFeed> = self
            .sfu
            .requested
            .iter()
            .filter(|(_, at)| **at + SUBSCRIBE_RETRY <= now)
            .map(|(feed, _)| feed.clone())
            .collect();
        for feed in due {
            self.sfu.requested.remove(&feed);
            if self.sfu.feeds.contains(&feed) && self.linked_in_call() {
                debug!(feed = %feed.participant, "no offer in time: asking again");
                self.subscribe(now, feed);
            }
        }
        if self.sfu.handover_until.is_some_and(|at| at <= now) {
            self.sfu.handover_until = None;
            if self.mode() == Some(MediaMode::Sfu) {
                let peers: Vec<ParticipantId> =
                    self.mesh.iter().map(|(id, _)| id.clone()).collect();
                for peer in peers {
                    self.close_mesh_peer(peer);
                }
            }
        }
    }
}
