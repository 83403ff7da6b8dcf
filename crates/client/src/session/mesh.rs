//! The peer-to-peer mesh: one peer connection per remote participant, and
//! who offers on each.
//!
//! **Glare-free negotiation.** Of any two participants, the one who joined
//! the room later (greater `joinOrder`; participant id as a tie-break) makes
//! the offer and, later, every ICE restart; the other only answers. In a
//! normal flow that is "the newcomer offers": on `welcome` we initiate to
//! everyone already there, and on `joined` the newcomer initiates to us.
//! Deciding from the join order rather than from which message arrived
//! means both sides agree even when a reconnection reorders what each saw;
//! a resumed participant keeps its join order, so pairs keep their roles.
//!
//! **Participants who drop.** When another participant's link drops
//! (`left {reason: disconnected | replaced}`), their media may still flow
//! and they may resume with the same identity, so the peer is kept (marked
//! away) for [`ReconnectPolicy::away_peer_grace`](super::ReconnectPolicy::away_peer_grace).
//! If they come back (`joined` with the same id), the initiator of the pair
//! restarts ICE, which also redoes any negotiation the drop cut short; if
//! not, the peer is removed when the grace ends.

use std::collections::BTreeMap;
use std::time::Instant;

use mulaqat_protocol::{ParticipantId, ParticipantInfo};

use super::output::{MediaCommand, Output};

/// What the session knows about its peer connection to one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerLink {
    /// Whether this side made the offer (and so makes ICE restarts).
    pub initiator: bool,
    /// Whether the media engine reported it connected (and not failed since).
    pub connected: bool,
    /// Whether the participant's own signalling link dropped and the peer
    /// is kept in case they come back.
    pub away: bool,
}

#[derive(Debug, Clone)]
struct Peer {
    link: PeerLink,
    /// While away: when to give up on them.
    away_until: Option<Instant>,
}

/// Whether `me` offers to `them`: the later joiner does.
pub(crate) fn initiates(me: &ParticipantInfo, them: &ParticipantInfo) -> bool {
    (me.join_order, &me.id) > (them.join_order, &them.id)
}

/// The peer connections the media engine has been told about.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mesh {
    peers: BTreeMap<ParticipantId, Peer>,
}

impl Mesh {
    pub(crate) fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub(crate) fn get(&self, id: &ParticipantId) -> Option<PeerLink> {
        self.peers.get(id).map(|p| p.link)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ParticipantId, PeerLink)> {
        self.peers.iter().map(|(id, p)| (id, p.link))
    }

    /// Records a new peer (the caller tells the media engine).
    pub(crate) fn add(&mut self, id: ParticipantId, initiator: bool) {
        let link = PeerLink {
            initiator,
            connected: false,
            away: false,
        };
        self.peers.insert(
            id,
            Peer {
                link,
                away_until: None,
            },
        );
    }

    /// Forgets a peer; whether there was one.
    pub(crate) fn remove(&mut self, id: &ParticipantId) -> bool {
        self.peers.remove(id).is_some()
    }

    /// Forgets every peer (the caller tells the media engine).
    pub(crate) fn clear(&mut self) {
        self.peers.clear();
    }

    /// The participant's link dropped: keep the peer until `until`.
    pub(crate) fn mark_away(&mut self, id: &ParticipantId, until: Instant) -> bool {
        let Some(peer) = self.peers.get_mut(id) else {
            return false;
        };
        peer.link.away = true;
        peer.away_until = Some(until);
        true
    }

    /// The participant is back.
    pub(crate) fn came_back(&mut self, id: &ParticipantId) {
        if let Some(peer) = self.peers.get_mut(id) {
            peer.link.away = false;
            peer.away_until = None;
        }
    }

    pub(crate) fn set_connected(
        &mut self,
        id: &ParticipantId,
        connected: bool,
    ) -> Option<PeerLink> {
        let peer = self.peers.get_mut(id)?;
        peer.link.connected = connected;
        Some(peer.link)
    }

    /// Removes the peers of participants who did not come back in time.
    pub(crate) fn expire(&mut self, now: Instant, out: &mut impl Extend<Output>) {
        let expired: Vec<ParticipantId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.away_until.is_some_and(|until| until <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for peer in expired {
            tracing::debug!(%peer, "participant did not come back: removing the peer");
            self.peers.remove(&peer);
            out.extend([Output::Media(MediaCommand::RemovePeer { peer })]);
        }
    }

    /// When the next away peer is given up on.
    pub(crate) fn next_expiry(&self) -> Option<Instant> {
        self.peers.values().filter_map(|p| p.away_until).min()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use mulaqat_protocol::{MediaState, ParticipantId, ParticipantInfo, Role};
    use serde::Deserialize;

    use super::initiates;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Who {
        join_order: u64,
        id: String,
    }

    #[derive(Deserialize)]
    struct Case {
        me: Who,
        them: Who,
        initiates: bool,
    }

    #[derive(Deserialize)]
    struct Vectors {
        cases: Vec<Case>,
    }

    fn participant(who: &Who) -> ParticipantInfo {
        ParticipantInfo {
            id: ParticipantId::new(who.id.as_str()).expect("valid id"),
            display_name: who.id.clone(),
            role: Role::Guest,
            join_order: who.join_order,
            media: MediaState::default(),
            hand_raised: false,
        }
    }

    /// The same file is checked by the browser client's tests, so the two
    /// cannot disagree about who offers.
    #[test]
    fn the_shared_initiator_vectors_hold() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../protocol/tests/golden/initiator.json"
        );
        let text = std::fs::read_to_string(path).expect("the initiator vectors");
        let vectors: Vectors = serde_json::from_str(&text).expect("the vectors parse");
        assert!(!vectors.cases.is_empty());
        for case in &vectors.cases {
            let (me, them) = (participant(&case.me), participant(&case.them));
            assert_eq!(
                initiates(&me, &them),
                case.initiates,
                "{} ({}) offering to {} ({})",
                case.me.id,
                case.me.join_order,
                case.them.id,
                case.them.join_order
            );
        }
    }
}
