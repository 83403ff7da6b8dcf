//! Per-track state shared by publishers and connections: the newest frame
//! and what the subscribers asked for.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Bytes;

use super::{VideoFrame, wire};
use crate::types::{Resolution, TrackId};

/// Who is watching a track and at what size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Demand {
    /// How many subscriptions (over all connections) the track has.
    pub subscribers: usize,
    /// The size to scale to: the smallest box that covers every
    /// subscriber's tile (largest width, largest height). `None` when
    /// nobody is subscribed or a subscriber asked for the native size.
    pub size: Option<Resolution>,
}

/// The newest frame of a track, encoded for the wire on first use.
pub(crate) struct Latest {
    frame: VideoFrame,
    wire: OnceLock<Option<Bytes>>,
}

impl Latest {
    /// The binary message, built once and shared by every connection.
    pub(crate) fn message(&self, track: &TrackId) -> Option<Bytes> {
        self.wire
            .get_or_init(|| wire::encode_frame(track, &self.frame))
            .clone()
    }
}

/// One track.
pub(crate) struct Track {
    pub(crate) id: TrackId,
    latest: watch::Sender<Option<Arc<Latest>>>,
    demand: watch::Sender<Demand>,
    requests: Mutex<Requests>,
}

#[derive(Default)]
struct Requests {
    next_key: u64,
    /// Subscription key → requested size (`None`: native).
    sizes: HashMap<u64, Option<Resolution>>,
}

impl Track {
    fn new(id: TrackId) -> Self {
        Self {
            id,
            latest: watch::channel(None).0,
            demand: watch::channel(Demand::default()).0,
            requests: Mutex::new(Requests::default()),
        }
    }

    fn requests(&self) -> MutexGuard<'_, Requests> {
        // The data stays consistent even if a holder panicked.
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Recomputes the demand; called with the requests locked so updates
    /// land in order.
    fn update_demand(&self, requests: &Requests) {
        let mut size: Option<Resolution> = None;
        for requested in requests.sizes.values() {
            let Some(r) = requested else {
                size = None;
                break;
            };
            size = Some(match size {
                None => *r,
                Some(s) => Resolution {
                    width: s.width.max(r.width),
                    height: s.height.max(r.height),
                },
            });
        }
        let demand = Demand {
            subscribers: requests.sizes.len(),
            size,
        };
        self.demand.send_if_modified(|d| {
            let changed = *d != demand;
            *d = demand;
            changed
        });
        if demand.subscribers == 0 {
            // Nobody watches: free the last frame.
            self.latest.send_replace(None);
        }
    }
}

/// A connection's subscription to one track; dropping it unsubscribes.
pub(crate) struct Subscription {
    track: Arc<Track>,
    key: u64,
}

impl Subscription {
    /// Changes the requested size.
    pub(crate) fn set_size(&self, size: Option<Resolution>) {
        let mut requests = self.track.requests();
        requests.sizes.insert(self.key, size);
        self.track.update_demand(&requests);
    }

    /// The track.
    pub(crate) fn track(&self) -> &Arc<Track> {
        &self.track
    }

    /// A receiver of the track's frames published from now on.
    pub(crate) fn frames(&self) -> watch::Receiver<Option<Arc<Latest>>> {
        self.track.latest.subscribe()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut requests = self.track.requests();
        requests.sizes.remove(&self.key);
        self.track.update_demand(&requests);
    }
}

/// Every track anyone publishes or subscribes to.
#[derive(Default)]
pub(crate) struct Registry {
    tracks: Mutex<HashMap<TrackId, Arc<Track>>>,
}

impl Registry {
    /// The track, created if new. Tracks nobody holds any more are
    /// forgotten on the way.
    fn track(&self, id: &TrackId) -> Arc<Track> {
        let mut tracks = self.tracks.lock().unwrap_or_else(PoisonError::into_inner);
        tracks.retain(|_, t| Arc::strong_count(t) > 1);
        tracks
            .entry(id.clone())
            .or_insert_with(|| Arc::new(Track::new(id.clone())))
            .clone()
    }

    /// A publisher for the track.
    pub(crate) fn publisher(&self, id: &TrackId) -> FramePublisher {
        FramePublisher {
            track: self.track(id),
        }
    }

    /// Subscribes to the track (which may have no publisher yet).
    pub(crate) fn subscribe(&self, id: &TrackId, size: Option<Resolution>) -> Subscription {
        let track = self.track(id);
        let key = {
            let mut requests = track.requests();
            let key = requests.next_key;
            requests.next_key += 1;
            requests.sizes.insert(key, size);
            track.update_demand(&requests);
            key
        };
        Subscription { track, key }
    }
}

/// Hands one track's frames to the frame server. Cheap to clone; usable
/// from any thread, including GStreamer streaming threads.
#[derive(Clone)]
pub struct FramePublisher {
    track: Arc<Track>,
}

impl FramePublisher {
    /// Offers a frame. Never blocks: the frame replaces the one before it,
    /// and each client gets the newest frame when it is ready for one.
    /// Dropped at once when nobody is subscribed. A frame whose data does
    /// not match its size (see [`VideoFrame`]) is dropped with a debug log.
    pub fn publish(&self, frame: VideoFrame) {
        if !frame.is_valid() {
            tracing::debug!(
                track = %self.track.id,
                width = frame.width,
                height = frame.height,
                len = frame.data.len(),
                "dropping a frame whose data does not match its NV12 size"
            );
            return;
        }
        if self.track.demand.borrow().subscribers == 0 {
            // A subscriber that left while a frame was being stored may
            // have left it behind; free it.
            if self.track.latest.borrow().is_some() {
                self.track.latest.send_replace(None);
            }
            return;
        }
        self.track.latest.send_replace(Some(Arc::new(Latest {
            frame,
            wire: OnceLock::new(),
        })));
    }

    /// Whether any client is subscribed. When not, the engine can skip
    /// converting and scaling frames for this track.
    pub fn has_subscribers(&self) -> bool {
        self.track.demand.borrow().subscribers > 0
    }

    /// The size to scale frames to: the largest width and the largest
    /// height any subscriber asked for (so that every tile gets at least
    /// its size; keep the aspect ratio and even dimensions when scaling to
    /// fit inside it). `None`: native size, because nobody subscribed or a
    /// subscriber asked for the native size.
    pub fn requested_size(&self) -> Option<Resolution> {
        self.track.demand.borrow().size
    }

    /// Subscribers and requested size together.
    pub fn demand(&self) -> Demand {
        *self.track.demand.borrow()
    }

    /// A receiver that wakes when the demand changes, for an engine task
    /// that re-caps its scaler instead of polling [`Self::requested_size`].
    pub fn watch_demand(&self) -> watch::Receiver<Demand> {
        self.track.demand.subscribe()
    }

    /// The track this publisher feeds.
    pub fn track(&self) -> &TrackId {
        &self.track.id
    }
}

impl fmt::Debug for FramePublisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FramePublisher")
            .field("track", &self.track.id)
            .field("demand", &self.demand())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(width: u32, height: u32) -> Option<Resolution> {
        Some(Resolution { width, height })
    }

    fn frame(ts: u64) -> VideoFrame {
        VideoFrame::new(4, 2, ts, vec![ts as u8; 12])
    }

    #[test]
    fn demand_is_the_box_covering_every_tile() {
        let registry = Registry::default();
        let id = TrackId::from("p:video");
        let publisher = registry.publisher(&id);
        assert_eq!(publisher.demand(), Demand::default());
        let a = registry.subscribe(&id, res(640, 360));
        let b = registry.subscribe(&id, res(320, 480));
        assert_eq!(publisher.requested_size(), res(640, 480));
        assert_eq!(publisher.demand().subscribers, 2);
        b.set_size(res(100, 100));
        assert_eq!(publisher.requested_size(), res(640, 360));
        let native = registry.subscribe(&id, None);
        assert_eq!(publisher.requested_size(), None);
        drop(native);
        assert_eq!(publisher.requested_size(), res(640, 360));
        drop(a);
        drop(b);
        assert!(!publisher.has_subscribers());
        assert_eq!(publisher.requested_size(), None);
    }

    #[test]
    fn subscribing_before_the_publisher_exists_shares_the_track() {
        let registry = Registry::default();
        let id = TrackId::from("later:video");
        let sub = registry.subscribe(&id, res(2, 2));
        let mut rx = sub.frames();
        let publisher = registry.publisher(&id);
        assert!(publisher.has_subscribers());
        publisher.publish(frame(5));
        assert!(rx.has_changed().unwrap());
        let latest = rx.borrow_and_update().clone().unwrap();
        assert_eq!(latest.frame.timestamp_us, 5);
    }

    #[test]
    fn latest_frame_wins_and_nothing_is_kept_without_subscribers() {
        let registry = Registry::default();
        let id = TrackId::from("t");
        let publisher = registry.publisher(&id);
        publisher.publish(frame(1));
        assert!(publisher.track.latest.borrow().is_none());
        let sub = registry.subscribe(&id, None);
        let mut rx = sub.frames();
        for ts in 1..=10 {
            publisher.publish(frame(ts));
        }
        let latest = rx.borrow_and_update().clone().unwrap();
        assert_eq!(latest.frame.timestamp_us, 10);
        drop(sub);
        assert!(publisher.track.latest.borrow().is_none());
    }

    #[test]
    fn invalid_frames_are_dropped_without_panicking() {
        let registry = Registry::default();
        let id = TrackId::from("t");
        let publisher = registry.publisher(&id);
        let _sub = registry.subscribe(&id, None);
        publisher.publish(VideoFrame::new(4, 2, 1, vec![0; 3]));
        publisher.publish(VideoFrame::new(3, 3, 1, vec![0; 13]));
        publisher.publish(VideoFrame::new(0, 0, 1, Vec::new()));
        assert!(publisher.track.latest.borrow().is_none());
    }

    #[test]
    fn unused_tracks_are_forgotten() {
        let registry = Registry::default();
        drop(registry.subscribe(&TrackId::from("gone"), None));
        drop(registry.publisher(&TrackId::from("gone2")));
        let _kept = registry.publisher(&TrackId::from("kept"));
        let _ = registry.track(&TrackId::from("x"));
        let tracks = registry.tracks.lock().unwrap();
        assert!(tracks.contains_key(&TrackId::from("kept")));
        assert!(!tracks.contains_key(&TrackId::from("gone")));
        assert!(!tracks.contains_key(&TrackId::from("gone2")));
    }

    #[test]
    fn the_wire_message_is_built_once() {
        let latest = Latest {
            frame: frame(3),
            wire: OnceLock::new(),
        };
        let id = TrackId::from("t");
        let a = latest.message(&id).unwrap();
        let b = latest.message(&id).unwrap();
        assert_eq!(a.as_ptr(), b.as_ptr());
    }
}
