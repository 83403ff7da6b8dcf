//! Subscriptions to the other members' feeds, and the peer-to-peer
//! connections they take over from.

use std::time::Instant;

use tracing::{debug, info};

use super::*;

impl Session {
    pub(super) fn close_mesh_peer(&mut self, peer: ParticipantId) {
        if self.mesh.remove(&peer) {
            debug!(%peer, "peer-to-peer connection closed: the SFU carries the media");
            self.media_command(MediaCommand::RemovePeer { peer });
        }
    }

    pub(super) fn sfu_feeds(&mut self, now: Instant, available: Vec<SfuFeed>, gone: Vec<SfuFeed>) {
        for feed in gone {
            self.sfu.feeds.remove(&feed);
            self.sfu.requested.remove(&feed);
            if let Some(n) = self.sfu.subscription_of(&feed) {
                info!(feed = %feed.participant, publication = feed.publication.as_str(), "feed gone: unsubscribing");
                self.unsubscribe(n, true);
            }
        }
        for feed in available {
            if self.participant_id.as_ref() == Some(&feed.participant) {
                continue;
            }
            self.sfu.feeds.insert(feed.clone());
            self.subscribe(now, feed);
        }
    }

    /// Asks for `feed` unless it is subscribed or asked for already.
    pub(super) fn subscribe(&mut self, now: Instant, feed: SfuFeed) {
        let Some(pin) = self.sfu.access.as_ref().map(|a| a.pin.clone()) else {
            return;
        };
        if self.sfu.subscription_of(&feed).is_some() || self.sfu.requested.contains_key(&feed) {
            return;
        }
        debug!(feed = %feed.participant, publication = feed.publication.as_str(), "subscribing");
        self.sfu.requested.insert(feed.clone(), now);
        self.send(ClientMsg::SfuSubscribe {
            pin,
            feed: feed.participant,
            publication: feed.publication,
        });
    }

    /// Closes subscription `n` (telling the server when `tell`).
    pub(super) fn unsubscribe(&mut self, n: u64, tell: bool) -> Option<SfuFeed> {
        let sub = self.sfu.subscriptions.remove(&n)?;
        self.media_command(MediaCommand::CloseSfu {
            target: SfuTarget::Subscription(n),
        });
        if tell {
            self.send(ClientMsg::SfuUnsubscribe { subscription: n });
        }
        Some(sub.feed)
    }

    pub(super) fn sfu_offer(
        &mut self,
        subscription: u64,
        feed: ParticipantId,
        publication: SfuPublication,
        sdp: String,
    ) {
        let key = SfuFeed {
            participant: feed.clone(),
            publication,
        };
        let wanted = self.sfu.access.is_some()
            && self.sfu.requested.remove(&key).is_some()
            && self.sfu.subscription_of(&key).is_none()
            && !self.sfu.subscriptions.contains_key(&subscription);
        if !wanted {
            debug!(%feed, subscription, "offer for a feed we no longer want: unsubscribing");
            self.send(ClientMsg::SfuUnsubscribe { subscription });
            return;
        }
        if publication == Camera {
            // The feed's subscription takes over from our peer connection.
            self.close_mesh_peer(feed.clone());
        }
        info!(%feed, publication = publication.as_str(), subscription, "receiving a feed");
        self.sfu.subscriptions.insert(
            subscription,
            Subscription {
                feed: key,
                signalling: Signalling::default(),
            },
        );
        let ice_servers = self.ice_servers().to_vec();
        self.media_command(MediaCommand::Subscribe {
            subscription,
            feed,
            publication,
            offer: sdp,
            ice_servers,
        });
    }

    /// A participant left the room: their feed's subscription ends now
    /// (`sfuFeeds` with it gone follows).
    pub(in crate::session) fn sfu_participant_left(&mut self, participant: &ParticipantId) {
        self.sfu.feeds.retain(|f| &f.participant != participant);
        self.sfu
            .requested
            .retain(|f, _| &f.participant != participant);
        let theirs: Vec<u64> = self
            .sfu
            .subscriptions
            .iter()
            .filter(|(_, s)| &s.feed.participant == participant)
            .map(|(n, _)| *n)
            .collect();
        for n in theirs {
            self.unsubscribe(n, true);
        }
    }
}
