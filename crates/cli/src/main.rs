//! `mulaqat-cli`: join a call without a window (ward stations, kiosks,
//! tests), or host an embedded server that prints join links.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use mulaqat_client::link::JoinLink;
use mulaqat_client::runner::{MediaPolicy, RunnerEvent, run};
use mulaqat_client::{CallEvent, EndReason, Session, SessionConfig, UserAction};
use mulaqat_media::devices::TestDevices;
use mulaqat_media::{DeviceId, EngineSettings, MediaEngine, Quality};
use tokio::sync::mpsc;

mod stats;

/// A headless Mulaqat client.
#[derive(Debug, Parser)]
#[command(name = "mulaqat-cli", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (info, debug, mulaqat_media=debug...).
    #[arg(long, global = true, default_value = "warn", env = "RUST_LOG")]
    log: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Join a call from a mulaqat://join link and stream until it ends.
    Join(JoinArgs),
    /// Start an embedded server and print a host link and a guest link.
    Host(HostArgs),
}

#[derive(Debug, clap::Args)]
struct JoinArgs {
    /// The join link (mulaqat://join?server=...&token=...).
    url: String,
    /// The name others see.
    #[arg(long, default_value = "Mulaqat station")]
    name: String,
    /// Camera: "test" for the test pattern, or a device id.
    #[arg(long, default_value = "test")]
    video: String,
    /// Microphone: "test" for a test tone, or a device id.
    #[arg(long, default_value = "test")]
    audio: String,
    /// Sending quality.
    #[arg(long, default_value = "360p", value_parser = parse_quality)]
    quality: Quality,
    /// Leave after this long (e.g. 30s, 5m); without it, stay until the call ends.
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// Write stats as JSON here every few seconds and on exit.
    #[arg(long)]
    stats_json: Option<PathBuf>,
    /// Use only TURN relays.
    #[arg(long)]
    relay_only: bool,
}

#[derive(Debug, clap::Args)]
struct HostArgs {
    /// Address for the embedded server (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8717")]
    listen: std::net::SocketAddr,
    /// The room to make links for.
    #[arg(long, default_value = "consultation")]
    room: mulaqat_protocol::RoomId,
    /// Guests wait in a lobby until a host admits them.
    #[arg(long)]
    lobby: bool,
    /// How long the links stay valid.
    #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
    ttl: Duration,
}

fn parse_quality(s: &str) -> Result<Quality, String> {
    match s.to_ascii_lowercase().as_str() {
        "360p" => Ok(Quality::P360),
        "720p" => Ok(Quality::P720),
        "1080p" => Ok(Quality::P1080),
        "2160p" | "4k" => Ok(Quality::P2160),
        other => Err(format!("{other:?}: use 360p, 720p, 1080p or 2160p")),
    }
}

/// Exit codes people and scripts can act on.
mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const REFUSED: u8 = 2;
    pub const CONNECTION: u8 = 3;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mulaqat-cli: cannot start: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Join(args) => join(args).await,
            Command::Host(args) => host(args).await.map(|()| exit::OK),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("mulaqat-cli: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn engine_settings(args: &JoinArgs) -> EngineSettings {
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
        ..EngineSettings::default()
    }
}

#[allow(clippy::print_stdout)] // Progress lines are this command's output.
async fn join(args: JoinArgs) -> Result<u8> {
    let link = JoinLink::parse(&args.url)?;
    let session = Session::new(SessionConfig::new(
        link.room.clone(),
        &args.name,
        link.token.clone(),
    ));
    let (engine, engine_events) =
        MediaEngine::start(engine_settings(&args)).context("the media engine did not start")?;
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (user, user_rx) = mpsc::unbounded_channel();
    let policy = MediaPolicy {
        relay_only: args.relay_only,
    };
    let call = tokio::spawn(run(
        session,
        engine.clone(),
        engine_events,
        link.websocket_url(),
        policy,
        events_tx,
        user_rx,
    ));
    if let Some(duration) = args.duration {
        let user = user.clone();
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            let _ = user.send(UserAction::Leave);
        });
    }
    {
        let user = user.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = user.send(UserAction::Leave);
            }
        });
    }
    let mut collector = stats::Collector::default();
    let mut last_write = tokio::time::Instant::now();
    while let Some(event) = events.recv().await {
        match event {
            RunnerEvent::Stats(report) => {
                collector.update(&report);
                if let Some(path) = &args.stats_json
                    && last_write.elapsed() >= Duration::from_secs(2)
                {
                    collector.write(path, None)?;
                    last_write = tokio::time::Instant::now();
                }
            }
            RunnerEvent::Call(CallEvent::StateChanged(state)) => {
                println!("state: {}", describe_state(&state))
            }
            RunnerEvent::Call(CallEvent::ParticipantJoined(p)) => {
                println!("joined: {} ({})", p.display_name, p.id)
            }
            RunnerEvent::Call(CallEvent::ParticipantLeft {
                participant,
                reason,
            }) => {
                println!("left: {participant} ({reason:?})");
            }
            RunnerEvent::Call(CallEvent::Error { code, message }) => {
                eprintln!("error: {code}: {message}")
            }
            RunnerEvent::Call(_) => {}
            RunnerEvent::Media(event) => tracing::info!(?event, "media"),
            other => tracing::debug!(?other, "event"),
        }
    }
    let reason = call.await.context("the call task failed")?;
    engine.stop();
    drop(user);
    if let Some(path) = &args.stats_json {
        collector.write(path, Some(&reason))?;
    }
    println!("ended: {}", describe_end(&reason));
    Ok(match reason {
        EndReason::Left
        | EndReason::MeetingEnded
        | EndReason::RemovedByHost
        | EndReason::ServerShutdown => exit::OK,
        EndReason::Denied | EndReason::Refused { .. } | EndReason::Replaced => exit::REFUSED,
        EndReason::ConnectionLost => exit::CONNECTION,
    })
}

fn describe_state(state: &mulaqat_client::CallState) -> String {
    use mulaqat_client::CallState;
    match state {
        CallState::Idle => "idle".into(),
        CallState::Connecting => "connecting".into(),
        CallState::WaitingInLobby { .. } => "waiting for the host to let you in".into(),
        CallState::InCall { participant_id, .. } => format!("in the call as {participant_id}"),
        CallState::Reconnecting { attempt } => format!("reconnecting (attempt {attempt})"),
        CallState::Ended(reason) => format!("ended: {}", describe_end(reason)),
    }
}

fn describe_end(reason: &EndReason) -> String {
    match reason {
        EndReason::Refused { code, message } => format!("refused ({code}): {message}"),
        EndReason::ConnectionLost => "connection lost: the server could not be reached for a minute; check the network and join again".into(),
        EndReason::Denied => "the host did not let you in".into(),
        other => format!("{other:?}"),
    }
}

#[allow(clippy::print_stdout)]
async fn host(args: HostArgs) -> Result<()> {
    let data = std::env::temp_dir().join(format!("mulaqat-cli-host-{}", std::process::id()));
    let secret = mulaqat_server::secret::random();
    let mut rooms = mulaqat_server::rooms::RoomSettings::default();
    if !args.lobby {
        rooms.default_kind = mulaqat_protocol::RoomKind::Meeting;
    }
    let server = mulaqat_server::start(
        mulaqat_server::ServerConfig {
            listen: args.listen,
            data_dir: Some(data),
            rooms,
            ..Default::default()
        },
        secret.clone(),
    )
    .await?;
    let signer = mulaqat_server::token::TokenSigner::new(&secret);
    let now = mulaqat_protocol::UnixMillis(
        u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis(),
        )
        .unwrap_or(0),
    );
    let url = server.client_url().to_owned();
    for (label, role) in [
        ("host", mulaqat_protocol::Role::Host),
        ("guest", mulaqat_protocol::Role::Guest),
    ] {
        let token = signer.issue(args.room.clone(), role, now, args.ttl.as_secs());
        println!(
            "{label} link: {}",
            mulaqat_server::token::join_link(&url, &token)
        );
    }
    println!("listening on {url}; Ctrl-C stops the server");
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
