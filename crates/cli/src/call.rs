//! Taking part in a call from the command line (`join` and `station`):
//! progress lines on stdout, stats JSON, answering knocks, and giving up
//! with a clear message when media cannot connect.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mulaqat_client::link::JoinLink;
use mulaqat_client::protocol::ParticipantInfo;
use mulaqat_client::runner::{MediaPolicy, RunnerEvent, run};
use mulaqat_client::transport::SignallingTarget;
use mulaqat_client::{
    CallEvent, CallState, EndReason, Session, SessionConfig, SfuNotice, UserAction,
};
use mulaqat_media::devices::TestDevices;
use mulaqat_media::{
    DeviceId, EngineSettings, MediaEngine, MediaEvent, MediaKind, PeerId, PeerState, StatsReport,
    TrackId,
};
use mulaqat_settings::{EffectiveSettings, MachinePolicy, UserSettings};
use tokio::sync::mpsc;

use crate::frame_log::FrameLog;
use crate::{CallArgs, exit, stats};

/// What to do with callers not on a station's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Others {
    /// Tell them no at once.
    Deny,
    /// Leave them in the lobby for a person to decide.
    Wait,
}

/// Whether this client answers knocks on its own.
#[derive(Debug)]
pub(crate) enum Answering {
    /// Knocks are printed; nobody is let in automatically.
    Nobody,
    /// Callers with these names are let in.
    Allowed { names: Vec<String>, others: Others },
}

impl Answering {
    /// The action for a knock from `caller`, and the line to print.
    fn answer(&self, caller: &ParticipantInfo) -> (Option<UserAction>, String) {
        let name = &caller.display_name;
        match self {
            Answering::Nobody => (None, format!("knock: {name} is waiting in the lobby")),
            Answering::Allowed { names, others } => {
                let allowed = names
                    .iter()
                    .any(|n| n.trim().to_lowercase() == name.trim().to_lowercase());
                match (allowed, others) {
                    (true, _) => (
                        Some(UserAction::Admit(caller.id.clone())),
                        format!("admitted: {name}"),
                    ),
                    (false, Others::Deny) => (
                        Some(UserAction::Deny(caller.id.clone())),
                        format!("denied: {name} (not on the allow list)"),
                    ),
                    (false, Others::Wait) => (
                        None,
                        format!(
                            "waiting: {name} (not on the allow list; left for a person to admit)"
                        ),
                    ),
                }
            }
        }
    }
}

fn engine_settings(args: &CallArgs) -> EngineSettings {
    let device = |s: &str| (s != "test").then(|| DeviceId(s.to_owned()));
    let all_test = args.video == "test" && args.audio == "test";
    EngineSettings {
        camera: device(&args.video),
        microphone: device(&args.audio),
        test_devices: if all_test {
            TestDevices::Only
        } else {
            TestDevices::WhenMissing
        },
        quality: args.quality,
        fps: args.fps,
        stamp_frames: args.stamp_frames,
        ..EngineSettings::default()
    }
}

/// Moves the latency samples of every received video (read from the
/// stamps `--stamp-frames` draws) into the stats.
fn take_latencies(engine: &MediaEngine, report: &StatsReport, collector: &mut stats::Collector) {
    for s in report.inbound.iter().filter(|s| s.kind == MediaKind::Video) {
        let samples = engine.take_latency_samples(&TrackId::remote(&s.peer, MediaKind::Video));
        collector.latencies(s.peer.as_str(), &samples);
    }
}

/// Media connections that have not come up yet, and since when.
#[derive(Debug, Default)]
struct PendingMedia {
    since: HashMap<PeerId, Instant>,
}

impl PendingMedia {
    fn update(&mut self, peer: &PeerId, state: PeerState, now: Instant) {
        match state {
            PeerState::New => {
                self.since.insert(peer.clone(), now);
            }
            PeerState::Connected | PeerState::Closed => {
                self.since.remove(peer);
            }
            _ => {}
        }
    }

    /// The first peer waiting longer than `timeout`.
    fn overdue(&self, now: Instant, timeout: Duration) -> Option<&PeerId> {
        self.since
            .iter()
            .find(|(_, since)| now.duration_since(**since) > timeout)
            .map(|(peer, _)| peer)
    }
}

fn not_connecting_message(who: &str, timeout: Duration, relay_only: bool) -> String {
    let secs = timeout.as_secs();
    if relay_only {
        format!(
            "media to {who} did not connect within {secs}s through the TURN relay: the relay refused \
             our credentials (expired or wrong) or cannot be reached; ask IT to check the TURN server \
             and its shared secret"
        )
    } else {
        format!(
            "media to {who} did not connect within {secs}s: a firewall may block UDP between you; \
             ask IT for a TURN relay, or try --relay-only"
        )
    }
}

/// The machine policy IT set (`/etc/mulaqat/policy.toml`, or the registry
/// on Windows). One that cannot be read is reported and left out.
fn machine_policy() -> EffectiveSettings {
    let policy = match MachinePolicy::load() {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("policy: {warning}");
            }
            loaded.policy
        }
        Err(e) => {
            eprintln!("warning: {e}; going on without the machine policy");
            MachinePolicy::default()
        }
    };
    EffectiveSettings::new(UserSettings::default(), policy)
}

/// The link itself: `url`, or for "-" the first line of standard input
/// (kept off the command line, where every user of the machine can read
/// its token).
fn link_text(url: &str) -> Result<String> {
    if url != "-" {
        return Ok(url.to_owned());
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the join link from standard input")?;
    let link = line.trim();
    anyhow::ensure!(
        !link.is_empty(),
        "no join link on standard input: give one line with the mulaqat://join link"
    );
    Ok(link.to_owned())
}

#[allow(clippy::print_stdout)] // Progress lines are this command's output.
pub(crate) async fn run_call(args: &CallArgs, answering: Answering) -> Result<u8> {
    let started = Instant::now();
    let link = JoinLink::parse(&link_text(&args.url)?)?;
    let policy = machine_policy();
    if let Err(e) = policy.check_server(&link.server) {
        eprintln!(
            "mulaqat-cli: this link is for {}, but {e}: use a link from {}",
            link.server,
            policy
                .values()
                .server_url
                .as_deref()
                .unwrap_or("the hospital's server")
        );
        return Ok(exit::REFUSED);
    }
    let relay_only = args.relay_only || policy.relay_only();
    let mut config = SessionConfig::new(link.room.clone(), &args.name, link.token.clone());
    config.media.screen = args.share_screen;
    config.decodes = mulaqat_client::runner::decodable_codecs();
    let session = Session::new(config);
    let mut collector = stats::Collector::default();
    collector.resources("beforeCall", stats::resources());
    let (engine, engine_events) =
        MediaEngine::start(engine_settings(args)).context("the media engine did not start")?;
    let frame_log = (args.frame_log.as_deref())
        .map(|path| FrameLog::start(engine.clone(), path))
        .transpose()?;
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (user, user_rx) = mpsc::unbounded_channel();
    let signalling = SignallingTarget {
        url: link.websocket_url(),
        pinned_ca: args.pinned_ca.clone().or(policy.trust().extra_ca_pem),
    };
    let media_policy = MediaPolicy { relay_only };
    let call = tokio::spawn(run(
        session,
        engine.clone(),
        engine_events,
        signalling,
        media_policy,
        events_tx,
        user_rx,
    ));
    leave_on_time_or_ctrl_c(args.duration, &user);
    let mut watch = CallWatch {
        args,
        answering: &answering,
        engine: &engine,
        frame_log: frame_log.as_ref(),
        user: &user,
        started,
        relay_only,
        collector,
        pending: PendingMedia::default(),
        last_write: Instant::now(),
        gave_up: false,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => watch.show(event)?,
                None => break,
            },
            _ = tick.tick() => watch.give_up_if_media_is_late(),
        }
    }
    let CallWatch {
        mut collector,
        gave_up,
        ..
    } = watch;
    let reason = call.await.context("the call task failed")?;
    drop(frame_log);
    engine.stop();
    drop(engine);
    drop(user);
    if let Some(path) = &args.stats_json {
        record_release(&mut collector).await;
        collector.write(path, Some(&reason))?;
    }
    println!("ended: {}", describe_end(&reason));
    Ok(exit_code(&reason, gave_up))
}

/// Leaves the call after `duration`, if given, and on Ctrl-C.
fn leave_on_time_or_ctrl_c(duration: Option<Duration>, user: &mpsc::UnboundedSender<UserAction>) {
    if let Some(duration) = duration {
        let user = user.clone();
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            let _ = user.send(UserAction::Leave);
        });
    }
    let user = user.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = user.send(UserAction::Leave);
        }
    });
}

/// How the command ends for the call's end: 0 normally, 2 when refused,
/// 3 when the connection or the media was lost.
fn exit_code(reason: &EndReason, gave_up: bool) -> u8 {
    if gave_up {
        return exit::CONNECTION;
    }
    match reason {
        EndReason::Left
        | EndReason::MeetingEnded
        | EndReason::RemovedByHost
        | EndReason::ServerShutdown => exit::OK,
        EndReason::Denied | EndReason::Refused { .. } | EndReason::Replaced => exit::REFUSED,
        EndReason::ConnectionLost => exit::CONNECTION,
    }
}

/// What the command keeps while the call runs: it prints the call's
/// progress, keeps the stats and gives up when media does not connect.
struct CallWatch<'a> {
    args: &'a CallArgs,
    answering: &'a Answering,
    engine: &'a MediaEngine,
    /// `--frame-log`, told of each remote video as its first frame comes.
    frame_log: Option<&'a FrameLog>,
    user: &'a mpsc::UnboundedSender<UserAction>,
    /// When the command started (first-frame times count from here).
    started: Instant,
    relay_only: bool,
    collector: stats::Collector,
    pending: PendingMedia,
    /// When the stats file was last written.
    last_write: Instant,
    /// Media to someone did not connect in time, and the call was left.
    gave_up: bool,
}

impl CallWatch<'_> {
    /// Leaves the call, once, when media to someone has not connected
    /// within `--connect-timeout`.
    fn give_up_if_media_is_late(&mut self) {
        if self.gave_up {
            return;
        }
        let timeout = self.args.connect_timeout;
        let Some(peer) = self.pending.overdue(Instant::now(), timeout) else {
            return;
        };
        let who = self
            .collector
            .name_of(peer.as_str())
            .unwrap_or(peer.as_str())
            .to_owned();
        eprintln!(
            "error: {}",
            not_connecting_message(&who, timeout, self.relay_only)
        );
        self.gave_up = true;
        let _ = self.user.send(UserAction::Leave);
    }

    /// Prints one event of the call and keeps its figures.
    #[allow(clippy::print_stdout)] // Progress lines are this command's output.
    fn show(&mut self, event: RunnerEvent) -> Result<()> {
        let collector = &mut self.collector;
        match event {
            RunnerEvent::Stats(report) => {
                collector.update(&report);
                if self.args.stamp_frames {
                    take_latencies(self.engine, &report, collector);
                }
                if let Some(path) = &self.args.stats_json
                    && self.last_write.elapsed() >= self.args.stats_every
                {
                    collector.write(path, None)?;
                    self.last_write = Instant::now();
                }
            }
            RunnerEvent::Call(event) => {
                collector.call_event(&event);
                let about_me = matches!(&event, CallEvent::ParticipantJoined(p)
                    if collector.me() == Some(p.id.as_str()));
                if !about_me && let Some(line) = call_line(&event, self.answering, self.user) {
                    println!("{line}");
                }
            }
            RunnerEvent::Media(MediaEvent::PeerState { peer, state }) => {
                self.pending.update(&peer, state, Instant::now());
            }
            RunnerEvent::Media(MediaEvent::FirstFrame {
                peer, resolution, ..
            }) => {
                let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                println!("first frame: {peer} {resolution} after {ms} ms");
                collector.first_frame(peer.as_str(), ms);
                if let Some(log) = self.frame_log {
                    log.watch(&peer);
                }
            }
            RunnerEvent::Media(MediaEvent::Error { message }) => {
                eprintln!("media error: {message}")
            }
            RunnerEvent::Media(MediaEvent::CameraLost { device, reason }) => {
                eprintln!("camera lost: {device}: {reason}; sending the placeholder picture")
            }
            RunnerEvent::Media(MediaEvent::ScreenShareEnded { reason, .. }) => {
                eprintln!("screen sharing ended: {reason}");
            }
            RunnerEvent::Media(event) => tracing::info!(?event, "media"),
            RunnerEvent::Sfu(SfuNotice::Problem { code, message }) => {
                eprintln!("video server: {code}: {message}")
            }
            RunnerEvent::Sfu(SfuNotice::Reset { reason }) => {
                println!("sfu: reset ({reason:?}); waiting for the video server")
            }
            RunnerEvent::Sfu(notice) => tracing::debug!(?notice, "sfu"),
            other => tracing::debug!(?other, "event"),
        }
        Ok(())
    }
}

/// Reads threads and descriptors once the engine is gone, waiting up to
/// three seconds for its threads to end (stopped GStreamer tasks hand
/// their threads back to GLib's pool a moment after the engine stops),
/// for the stats file's `resources.afterCall`.
async fn record_release(collector: &mut stats::Collector) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        mulaqat_media::end_idle_threads();
        let now = stats::resources();
        let released = now.as_ref().is_none_or(|n| collector.resources_released(n));
        if released || Instant::now() >= deadline {
            collector.resources("afterCall", now);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The line to print for a call event (answering knocks on the way).
fn call_line(
    event: &CallEvent,
    answering: &Answering,
    user: &mpsc::UnboundedSender<UserAction>,
) -> Option<String> {
    Some(match event {
        CallEvent::StateChanged(state) => format!("state: {}", describe_state(state)),
        CallEvent::ParticipantJoined(p) => format!("joined: {} ({})", p.display_name, p.id),
        CallEvent::ParticipantLeft {
            participant,
            reason,
        } => format!("left: {participant} ({reason:?})"),
        CallEvent::Knock(caller) => {
            let (action, line) = answering.answer(caller);
            if let Some(action) = action {
                let _ = user.send(action);
            }
            line
        }
        CallEvent::Error { code, message } => {
            eprintln!("error: {code}: {message}");
            return None;
        }
        _ => return None,
    })
}

pub(crate) fn describe_state(state: &CallState) -> String {
    match state {
        CallState::Idle => "idle".into(),
        CallState::Connecting => "connecting".into(),
        CallState::WaitingInLobby { .. } => "waiting for the host to let you in".into(),
        CallState::InCall { participant_id, .. } => format!("in the call as {participant_id}"),
        CallState::Reconnecting { attempt } => format!("reconnecting (attempt {attempt})"),
        CallState::Ended(reason) => format!("ended: {}", describe_end(reason)),
    }
}

pub(crate) fn describe_end(reason: &EndReason) -> String {
    match reason {
        EndReason::Refused { code, message } => format!("refused ({code}): {message}"),
        EndReason::ConnectionLost => "connection lost: the server could not be reached for a minute; check the network and join again".into(),
        EndReason::Denied => "the host did not let you in".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mulaqat_client::protocol::{MediaState, ParticipantId, Role};

    fn caller(name: &str) -> ParticipantInfo {
        ParticipantInfo {
            id: ParticipantId::new("p-9").unwrap(),
            display_name: name.into(),
            role: Role::Guest,
            join_order: 9,
            media: MediaState::default(),
            hand_raised: false,
        }
    }

    #[test]
    fn a_station_lets_in_allowed_names_whatever_their_case_and_spaces() {
        let station = Answering::Allowed {
            names: vec!["Amina Bibi".into()],
            others: Others::Deny,
        };
        let (action, line) = station.answer(&caller("  amina bibi "));
        assert!(matches!(action, Some(UserAction::Admit(_))), "{line}");
        let (action, line) = station.answer(&caller("Stranger"));
        assert!(matches!(action, Some(UserAction::Deny(_))));
        assert_eq!(line, "denied: Stranger (not on the allow list)");
    }

    #[test]
    fn a_station_can_leave_others_for_a_person() {
        let station = Answering::Allowed {
            names: vec!["Amina".into()],
            others: Others::Wait,
        };
        assert!(station.answer(&caller("Stranger")).0.is_none());
        assert!(Answering::Nobody.answer(&caller("Amina")).0.is_none());
    }

    #[test]
    fn media_that_does_not_connect_in_time_is_reported_once_overdue() {
        let mut pending = PendingMedia::default();
        let t0 = Instant::now();
        let peer = PeerId("p-2".into());
        pending.update(&peer, PeerState::New, t0);
        assert!(
            pending
                .overdue(t0 + Duration::from_secs(5), Duration::from_secs(10))
                .is_none()
        );
        assert_eq!(
            pending.overdue(t0 + Duration::from_secs(11), Duration::from_secs(10)),
            Some(&peer)
        );
        pending.update(&peer, PeerState::Connected, t0 + Duration::from_secs(1));
        assert!(
            pending
                .overdue(t0 + Duration::from_secs(60), Duration::from_secs(10))
                .is_none()
        );
        assert!(not_connecting_message("Dr. Khan", Duration::from_secs(10), true).contains("TURN"));
    }
}
