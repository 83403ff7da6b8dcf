//! One SFU room as the pool keeps it: the node it is placed on, its Janus
//! id, secret and pin, the members' agents, and the feeds published in it
//! with which of them are talking. The feed bookkeeping is pure: it returns
//! the [`SfuEvent`]s for the room handler, and the pool sends them.

use std::collections::{HashMap, HashSet};

use mulaqat_protocol::{ParticipantId, RoomId, SfuFeed, VideoCodec};
use serde_json::{Value, json};

use super::agent::Agent;
use super::messages::SfuEvent;

/// Janus room and feed ids stay below 2^53 so that JSON numbers keep them exact.
pub(super) fn random_id() -> u64 {
    let mut bytes = [0u8; 8];
    crate::secret::fill_random(&mut bytes);
    (u64::from_le_bytes(bytes) & ((1 << 53) - 1)).max(1)
}

/// A random secret or pin: 128 bits, URL-safe text.
fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    crate::secret::fill_random(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A room placed on a node.
#[derive(Debug)]
pub(super) struct PoolRoom {
    /// From the `CreateRoom` that placed it.
    pub generation: u32,
    /// Its node, by index in the configuration.
    pub node: usize,
    /// The room's id on Janus.
    pub janus_id: u64,
    /// The room secret (for destroying it); clients never see it.
    pub secret: String,
    /// The pin members present.
    pub pin: String,
    /// The video codec its publishers send.
    pub codec: VideoCodec,
    /// Whether Janus has created it.
    pub ready: bool,
    /// Published feeds, by Janus feed id.
    pub feeds: HashMap<u64, SfuFeed>,
    /// Feeds whose publisher is talking.
    pub talking: HashSet<u64>,
    /// Each member's agent (their Janus session).
    pub agents: HashMap<ParticipantId, Agent>,
}

impl PoolRoom {
    /// A room about to be created on `node`, with a fresh id, secret and pin.
    pub fn new(generation: u32, node: usize, codec: VideoCodec) -> Self {
        Self {
            generation,
            node,
            codec,
            janus_id: random_id(),
            secret: random_token(),
            pin: random_token(),
            ready: false,
            feeds: HashMap::new(),
            talking: HashSet::new(),
            agents: HashMap::new(),
        }
    }

    /// The VideoRoom `create` request for this room: at most `publishers`
    /// publishers (at least one), each at most `bitrate` bits a second, with
    /// the node's admin key when it sets one.
    pub fn create_request(&self, publishers: u32, bitrate: u32, admin_key: Option<&str>) -> Value {
        let mut body = json!({
            "request": "create",
            "room": self.janus_id,
            "permanent": false,
            "description": "mulaqat",
            "secret": self.secret,
            "pin": self.pin,
            "is_private": true,
            "publishers": publishers.max(1),
            "bitrate": bitrate,
            "fir_freq": 10,
            "audiocodec": "opus",
            "videocodec": self.codec.as_str(),
            "audiolevel_event": true,
            "notify_joining": false,
        });
        if let Some(key) = admin_key {
            body["admin_key"] = json!(key);
        }
        body
    }

    /// The Janus id of a published feed.
    pub fn feed_id(&self, feed: &SfuFeed) -> Option<u64> {
        self.feeds
            .iter()
            .find(|(_, f)| *f == feed)
            .map(|(id, _)| *id)
    }

    /// A feed appeared; a republication replaces the older feed of the same
    /// kind. Returns what to tell the handler, in order.
    pub fn feed_up(&mut self, room_id: &RoomId, feed_id: u64, feed: SfuFeed) -> Vec<SfuEvent> {
        if self.feeds.contains_key(&feed_id) {
            return Vec::new();
        }
        let older: Vec<u64> = self
            .feeds
            .iter()
            .filter(|(_, f)| **f == feed)
            .map(|(id, _)| *id)
            .collect();
        for id in &older {
            self.feeds.remove(id);
        }
        self.feeds.insert(feed_id, feed.clone());
        let mut events = Vec::new();
        if !older.is_empty() {
            events.push(SfuEvent::Feeds {
                room: room_id.clone(),
                available: Vec::new(),
                gone: vec![feed.clone()],
            });
        }
        events.push(SfuEvent::Feeds {
            room: room_id.clone(),
            available: vec![feed],
            gone: Vec::new(),
        });
        events
    }

    /// A feed ended.
    pub fn feed_gone(&mut self, room_id: &RoomId, feed_id: u64) -> Option<SfuEvent> {
        self.talking.remove(&feed_id);
        let feed = self.feeds.remove(&feed_id)?;
        Some(SfuEvent::Feeds {
            room: room_id.clone(),
            available: Vec::new(),
            gone: vec![feed],
        })
    }

    /// Ends every feed of a member who left or lost their session.
    pub fn drop_feeds_of(
        &mut self,
        room_id: &RoomId,
        participant: &ParticipantId,
    ) -> Option<SfuEvent> {
        let ids: Vec<u64> = self
            .feeds
            .iter()
            .filter(|(_, f)| &f.participant == participant)
            .map(|(id, _)| *id)
            .collect();
        let mut gone = Vec::new();
        for id in ids {
            self.talking.remove(&id);
            gone.extend(self.feeds.remove(&id));
        }
        if gone.is_empty() {
            return None;
        }
        gone.sort();
        Some(SfuEvent::Feeds {
            room: room_id.clone(),
            available: Vec::new(),
            gone,
        })
    }

    /// A publisher started or stopped talking. Every publisher in the room
    /// hears of it from Janus: each change is reported once.
    pub fn talking(&mut self, room_id: &RoomId, feed_id: u64, talking: bool) -> Option<SfuEvent> {
        let feed = self.feeds.get(&feed_id)?;
        let changed = if talking {
            self.talking.insert(feed_id)
        } else {
            self.talking.remove(&feed_id)
        };
        changed.then(|| SfuEvent::Talking {
            room: room_id.clone(),
            participant: feed.participant.clone(),
            talking,
        })
    }
}

#[cfg(test)]
mod tests {
    use mulaqat_protocol::SfuPublication;

    use super::*;

    fn room_id() -> RoomId {
        RoomId::new("standup").expect("valid room")
    }

    fn feed(who: &str, publication: SfuPublication) -> SfuFeed {
        SfuFeed {
            participant: ParticipantId::new(who).expect("valid participant"),
            publication,
        }
    }

    fn feeds(available: Vec<SfuFeed>, gone: Vec<SfuFeed>) -> SfuEvent {
        SfuEvent::Feeds {
            room: room_id(),
            available,
            gone,
        }
    }

    #[test]
    fn ids_are_exact_in_json_and_never_zero() {
        for _ in 0..64 {
            let id = random_id();
            assert!(id > 0 && id < 1 << 53, "{id}");
        }
        let room = PoolRoom::new(3, 1, VideoCodec::H264);
        assert_ne!(room.secret, room.pin);
        assert!(!room.ready);
    }

    #[test]
    fn the_create_request_carries_the_room_secret_pin_and_codec() {
        let room = PoolRoom::new(1, 0, VideoCodec::Vp8);
        let body = room.create_request(0, 512_000, None);
        assert_eq!(body["room"], json!(room.janus_id));
        assert_eq!(body["secret"], json!(room.secret));
        assert_eq!(body["pin"], json!(room.pin));
        assert_eq!(body["videocodec"], "vp8");
        assert_eq!(body["publishers"], 1, "at least one publisher");
        assert_eq!(body["bitrate"], 512_000);
        assert!(body.get("admin_key").is_none());
        let keyed = room.create_request(6, 512_000, Some("key"));
        assert_eq!(
            (keyed["publishers"].clone(), keyed["admin_key"].clone()),
            (json!(6), json!("key"))
        );
    }

    #[test]
    fn a_republication_replaces_the_older_feed() {
        let mut room = PoolRoom::new(1, 0, VideoCodec::H264);
        let camera = feed("p-a", SfuPublication::Camera);
        assert_eq!(
            room.feed_up(&room_id(), 10, camera.clone()),
            [feeds(vec![camera.clone()], vec![])]
        );
        assert_eq!(room.feed_up(&room_id(), 10, camera.clone()), []);
        assert_eq!(
            room.feed_up(&room_id(), 11, camera.clone()),
            [
                feeds(vec![], vec![camera.clone()]),
                feeds(vec![camera.clone()], vec![])
            ]
        );
        assert_eq!(room.feed_id(&camera), Some(11));
        assert_eq!(room.feed_gone(&room_id(), 10), None);
        assert_eq!(
            room.feed_gone(&room_id(), 11),
            Some(feeds(vec![], vec![camera.clone()]))
        );
        assert_eq!(room.feed_id(&camera), None);
    }

    #[test]
    fn talking_is_reported_once_per_change() {
        let mut room = PoolRoom::new(1, 0, VideoCodec::H264);
        let camera = feed("p-a", SfuPublication::Camera);
        assert_eq!(room.talking(&room_id(), 10, true), None, "unknown feed");
        room.feed_up(&room_id(), 10, camera.clone());
        let talking = |talking| SfuEvent::Talking {
            room: room_id(),
            participant: camera.participant.clone(),
            talking,
        };
        assert_eq!(room.talking(&room_id(), 10, true), Some(talking(true)));
        assert_eq!(room.talking(&room_id(), 10, true), None);
        assert_eq!(room.talking(&room_id(), 10, false), Some(talking(false)));
        assert_eq!(room.talking(&room_id(), 10, false), None);
    }

    #[test]
    fn a_member_leaving_ends_their_feeds_only() {
        let mut room = PoolRoom::new(1, 0, VideoCodec::H264);
        let screen = feed("p-a", SfuPublication::Screen);
        let camera = feed("p-a", SfuPublication::Camera);
        let other = feed("p-b", SfuPublication::Camera);
        room.feed_up(&room_id(), 12, screen.clone());
        room.feed_up(&room_id(), 11, camera.clone());
        room.feed_up(&room_id(), 20, other.clone());
        room.talking(&room_id(), 11, true);
        let who = camera.participant.clone();
        assert_eq!(
            room.drop_feeds_of(&room_id(), &who),
            Some(feeds(vec![], vec![camera, screen]))
        );
        assert_eq!(room.drop_feeds_of(&room_id(), &who), None);
        assert!(room.talking.is_empty());
        assert_eq!(room.feed_id(&other), Some(20));
    }
}
