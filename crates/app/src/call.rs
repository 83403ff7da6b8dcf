//! A call in progress: the runner from `mulaqat-client` on its own task,
//! the person's actions going in, and going to the UI the call's snapshot
//! after each change (`crate::snapshot`) and the events that changed it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use mulaqat_client::runner::{MediaPolicy, RunnerEvent, run};
use mulaqat_client::transport::SignallingTarget;
use mulaqat_client::{EndReason, Session, SessionConfig, UserAction};
use mulaqat_media::{EventReceiver, MediaEngine, MediaEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::events::{AppEvent, EventSink};
use crate::ipc::{self, CallSnapshot, LocalMedia};
use crate::snapshot::{SnapshotKeeper, unix_millis};
use crate::speaker::SpeakerTracker;

/// Everything a call needs to start.
pub(crate) struct CallStart {
    pub session: SessionConfig,
    pub signalling: SignallingTarget,
    pub relay_only: bool,
    pub engine: MediaEngine,
    pub engine_events: EventReceiver,
    pub local: LocalMedia,
}

/// The call under way.
pub(crate) struct ActiveCall {
    user: mpsc::UnboundedSender<UserAction>,
    snapshot: Arc<PublishedSnapshot>,
    pub engine: MediaEngine,
    done: JoinHandle<EndReason>,
}

impl std::fmt::Debug for ActiveCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveCall").finish_non_exhaustive()
    }
}

/// The call's snapshot, changed by the runner's events and by the person's
/// choices; each change goes to the UI as a `callSnapshot` event.
struct PublishedSnapshot {
    keeper: Mutex<SnapshotKeeper>,
    sink: Arc<dyn EventSink>,
}

impl PublishedSnapshot {
    fn lock(&self) -> std::sync::MutexGuard<'_, SnapshotKeeper> {
        self.keeper.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` on the keeper and sends the snapshot when `change` says
    /// it changed.
    fn change(&self, change: impl FnOnce(&mut SnapshotKeeper) -> bool) {
        let mut keeper = self.lock();
        if change(&mut keeper) {
            // Sent under the lock, so the UI gets the snapshots in the order
            // they were made.
            self.sink
                .emit(AppEvent::CallSnapshot(keeper.snapshot().clone()));
        }
    }
}

impl ActiveCall {
    /// Starts the call; its events go to `sink` as they happen.
    pub(crate) fn start(start: CallStart, sink: Arc<dyn EventSink>) -> Self {
        let room = start.session.room.to_string();
        let snapshot = Arc::new(PublishedSnapshot {
            keeper: Mutex::new(SnapshotKeeper::new(Some(room), start.local)),
            sink,
        });
        let (events_tx, events) = mpsc::unbounded_channel();
        let (user, user_rx) = mpsc::unbounded_channel();
        let runner = tokio::spawn(run(
            Session::new(start.session),
            start.engine.clone(),
            start.engine_events,
            start.signalling,
            MediaPolicy {
                relay_only: start.relay_only,
            },
            events_tx,
            user_rx,
        ));
        tokio::spawn(forward(events, snapshot.clone(), start.engine.clone()));
        Self {
            user,
            snapshot,
            engine: start.engine,
            done: runner,
        }
    }

    /// Passes an action to the call; `false` when the call is over.
    pub(crate) fn act(&self, action: UserAction) -> bool {
        self.user.send(action).is_ok()
    }

    /// The call as it stands.
    pub(crate) fn snapshot(&self) -> CallSnapshot {
        self.snapshot.lock().snapshot().clone()
    }

    /// Changes what we send as the person switches it.
    /// Changes what the person switched on or off; gives back the result,
    /// read under the same lock as the change.
    pub(crate) fn update_local(&self, change: impl FnOnce(&mut LocalMedia)) -> LocalMedia {
        let mut after = None;
        self.snapshot.change(|keeper| {
            let before = keeper.snapshot().local.clone();
            change(keeper.local_mut());
            let now = keeper.snapshot().local.clone();
            let changed = now != before;
            after = Some(now);
            changed
        });
        after.unwrap_or_else(|| self.snapshot().local)
    }

    /// Whether the call has ended.
    pub(crate) fn is_over(&self) -> bool {
        self.done.is_finished()
    }

    /// Leaves (if still in) and waits for the runner to release the peers.
    pub(crate) async fn finish(self) -> Option<EndReason> {
        let _ = self.user.send(UserAction::Leave);
        self.done.await.ok()
    }
}

/// What we tell the room we send, from the person's choices.
pub(crate) fn media_state(local: &LocalMedia) -> mulaqat_protocol::MediaState {
    mulaqat_protocol::MediaState {
        audio: !local.mic_muted,
        video: local.camera_enabled,
        screen: local.screen_sharing,
    }
}

/// The call error code closest to an SFU refusal, for the UI's error banner.
fn sfu_error_code(code: mulaqat_protocol::SfuErrorCode) -> mulaqat_protocol::ErrorCode {
    use mulaqat_protocol::{ErrorCode, SfuErrorCode};
    match code {
        SfuErrorCode::WrongPin | SfuErrorCode::Refused => ErrorCode::Forbidden,
        _ => ErrorCode::Internal,
    }
}

/// Moves the runner's events to the snapshot and the UI.
async fn forward(
    mut events: mpsc::UnboundedReceiver<RunnerEvent>,
    snapshot: Arc<PublishedSnapshot>,
    engine: MediaEngine,
) {
    let sink = snapshot.sink.clone();
    let mut speakers = SpeakerTracker::default();
    let speaker_event =
        |who: Option<String>| AppEvent::ActiveSpeaker(ipc::ActiveSpeaker { participant: who });
    while let Some(event) = events.recv().await {
        match event {
            RunnerEvent::Media(MediaEvent::AudioLevel { peer, level }) => {
                if let Some(who) = speakers.update(peer.as_str(), level, Instant::now()) {
                    sink.emit(speaker_event(who));
                }
            }
            RunnerEvent::Call(event) => {
                let event = ipc::CallEvent::from(event);
                if let ipc::CallEvent::ParticipantLeft { participant, .. } = &event
                    && let Some(who) = speakers.remove(participant)
                {
                    sink.emit(speaker_event(who));
                }
                // The snapshot first: what the UI does on the event sees the
                // call as the event left it.
                snapshot.change(|keeper| keeper.apply(&event, unix_millis()));
                sink.emit(AppEvent::CallEvent(event));
            }
            RunnerEvent::Sfu(mulaqat_client::SfuNotice::Talking {
                participant,
                talking,
            }) => {
                if let Some(who) = speakers.talking(participant.as_str(), talking, Instant::now()) {
                    sink.emit(speaker_event(who));
                }
            }
            RunnerEvent::Sfu(mulaqat_client::SfuNotice::Problem { code, message }) => {
                // Shown as the call's errors are (the UI has no SFU codes yet).
                let event = ipc::CallEvent::from(mulaqat_client::CallEvent::Error {
                    code: sfu_error_code(code),
                    message,
                });
                sink.emit(AppEvent::CallEvent(event));
            }
            RunnerEvent::Stats(report) => sink.emit(AppEvent::Stats(report.into())),
            RunnerEvent::Media(event) => {
                if matches!(event, MediaEvent::ScreenShareEnded { .. }) {
                    // The session has turned sharing off and told the room; a
                    // screen from the desktop portal goes with the share.
                    engine.set_portal_screen(None);
                }
                let Some(event) = crate::events::from_media(event) else {
                    continue;
                };
                if let AppEvent::MediaEvent(media) = &event {
                    snapshot.change(|keeper| keeper.apply_media(media));
                }
                sink.emit(event);
            }
            other => tracing::debug!(?other, "runner event not for the UI"),
        }
    }
}
