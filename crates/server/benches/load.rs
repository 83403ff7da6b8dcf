//! Load benchmark for mulaqat-server: N WebSocket clients in rooms of
//! `--room-size`, each sending chat and signalling at a steady rate, with the
//! relay latency of every delivered message and the server's CPU and memory.
//!
//! ```text
//! cargo bench -p mulaqat-server --bench load -- --clients 2000 --json target/load.json
//! ```
//! `--markdown` rewrites the table between the `server-load` markers.
//!
//! The server runs as its own process (the release binary), so its CPU and
//! RSS are read from /proc apart from the load generator's.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use mulaqat_lab::measure::{self, BenchArgs};
use mulaqat_protocol::{
    ClientMsg, MediaState, ParticipantId, Role, RoomId, SdpKind, ServerMsg, SessionDescription,
    Signal, UnixMillis, decode_server, encode,
};
use mulaqat_server::token::TokenSigner;
use tokio::sync::{Barrier, watch};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Parser)]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 2000)]
    clients: usize,
    /// Clients per room.
    #[arg(long, default_value_t = 10)]
    room_size: usize,
    /// Messages per second each client sends (alternating chat and signal).
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Measurement time after everyone has joined.
    #[arg(long, default_value = "20s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Where the results go.
    #[command(flatten)]
    out: BenchArgs,
}

const SECRET_HEX: &str = "6c6f61642d62656e63682d7365637265742d6c6f61642d62656e63682d2d2d21";

fn now_millis() -> UnixMillis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    UnixMillis(since.as_millis() as u64)
}

/// When the clients measure and stop, set once everyone has joined.
#[derive(Debug, Clone, Copy)]
struct Timing {
    measure_from: Instant,
    stop_at: Instant,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    sent: u64,
    latencies_us: Vec<u32>,
    errors: u64,
}

fn stamp(epoch: Instant) -> String {
    format!("t={}", epoch.elapsed().as_micros())
}

fn latency_from(text: &str, epoch: Instant) -> Option<u32> {
    let sent: u128 = text.strip_prefix("t=")?.parse().ok()?;
    let now = epoch.elapsed().as_micros();
    u32::try_from(now.saturating_sub(sent)).ok()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn text(msg: &ClientMsg) -> Message {
    Message::Text(encode(msg).into())
}

/// Connects client `index` and joins `room`: its socket, and the others
/// already there.
async fn join(
    url: &str,
    token: String,
    room: RoomId,
    index: usize,
) -> (Socket, Vec<ParticipantId>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    ws.send(text(&ClientMsg::Hello { version: 1, token }))
        .await
        .unwrap();
    ws.send(text(&ClientMsg::Join {
        room,
        display_name: format!("Load {index}"),
        role: None,
        resume: None,
        media: MediaState::default(),
        decodes: None,
    }))
    .await
    .unwrap();
    loop {
        let Some(Ok(Message::Text(reply))) = ws.next().await else {
            panic!("client {index} lost its connection while joining")
        };
        match decode_server(reply.as_str(), usize::MAX).unwrap() {
            ServerMsg::Welcome {
                participant_id,
                participants,
                ..
            } => {
                let peers = participants
                    .into_iter()
                    .map(|p| p.id)
                    .filter(|id| *id != participant_id)
                    .collect();
                return (ws, peers);
            }
            ServerMsg::Error { code, message } => panic!("join refused: {code}: {message}"),
            _ => {}
        }
    }
}

/// One client: joins, waits for everyone, then sends at `rate` (chat and
/// signals in turn) until the window closes, timing what it receives.
#[allow(clippy::too_many_arguments)]
async fn run_client(
    url: String,
    token: String,
    room: RoomId,
    index: usize,
    rate: f64,
    epoch: Instant,
    joined: Arc<Barrier>,
    mut timing: watch::Receiver<Option<Timing>>,
) -> Tally {
    let (ws, mut peers) = join(&url, token, room, index).await;
    let (mut sink, mut stream) = ws.split();
    joined.wait().await;
    let Timing {
        measure_from: from,
        stop_at: stop,
    } = timing
        .wait_for(Option::is_some)
        .await
        .expect("timing is sent")
        .expect("checked");
    let mut tally = Tally::default();
    let period = Duration::from_secs_f64(1.0 / rate);
    // Spread the clients' send times over one period.
    let offset = period.mul_f64((index % 97) as f64 / 97.0);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    let mut turn = 0usize;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if Instant::now() >= stop {
                    break;
                }
                turn += 1;
                let msg = if turn.is_multiple_of(2) && !peers.is_empty() {
                    ClientMsg::Signal {
                        to: peers[turn / 2 % peers.len()].clone(),
                        signal: Signal::Sdp(SessionDescription { kind: SdpKind::Offer, sdp: stamp(epoch) }),
                    }
                } else {
                    ClientMsg::Chat { text: stamp(epoch) }
                };
                if sink.send(text(&msg)).await.is_err() {
                    tally.errors += 1;
                    break;
                }
                let now = Instant::now();
                if now >= from && now < stop {
                    tally.sent += 1;
                }
            }
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else { tally.errors += 1; break };
                let Message::Text(reply) = frame else { continue };
                let arrived = Instant::now();
                let measuring = arrived >= from && arrived < stop;
                match decode_server(reply.as_str(), usize::MAX) {
                    Ok(ServerMsg::Chat { message }) if measuring => {
                        tally.latencies_us.extend(latency_from(&message.text, epoch));
                    }
                    Ok(ServerMsg::Signal { signal: Signal::Sdp(sdp), .. }) if measuring => {
                        tally.latencies_us.extend(latency_from(&sdp.sdp, epoch));
                    }
                    Ok(ServerMsg::Joined { participant, .. }) => peers.push(participant.id),
                    Ok(ServerMsg::Error { .. }) => tally.errors += 1,
                    _ => {}
                }
            }
        }
    }
    let _ = sink.send(text(&ClientMsg::Leave)).await;
    tally
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank]) / 1000.0
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run(args));
}

/// The server under load, its own process.
struct LoadServer {
    process: Child,
    /// Its WebSocket URL.
    url: String,
    signer: TokenSigner,
    /// Its data folder and config, removed on drop.
    _data: tempfile::TempDir,
}

impl LoadServer {
    /// Starts the release `mulaqat-server` on a free port, sized for `args`.
    fn start(args: &Args) -> LoadServer {
        let data = tempfile::tempdir().unwrap();
        std::fs::write(data.path().join("secret"), SECRET_HEX).unwrap();
        let config = data.path().join("server.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\n[rooms]\ndefault_kind = \"meeting\"\nmax_participants = {}\n[limits]\nmax_connections = {}\n",
                args.room_size,
                args.clients + 100
            ),
        )
        .unwrap();
        let mut process = Command::new(env!("CARGO_BIN_EXE_mulaqat-server"))
            .args(["--log", "warn", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(data.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start mulaqat-server");
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = format!(
            "{}/ws",
            line.trim()
                .strip_prefix("listening on ")
                .expect("listening line")
        );
        let signer = TokenSigner::new(
            &(0..SECRET_HEX.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&SECRET_HEX[i..i + 2], 16).unwrap())
                .collect::<Vec<_>>(),
        );
        LoadServer {
            process,
            url,
            signer,
            _data: data,
        }
    }
}

/// What a run measured.
struct Measured {
    join_time: Duration,
    total: Tally,
    /// The server's CPU over the window, % of one core.
    cpu_pct: f64,
    rss_kib: u64,
    peak_rss_kib: u64,
}

async fn run(args: Args) {
    let mut server = LoadServer::start(&args);
    let measured = measure_load(&args, &server).await;
    let _ = (server.process.kill(), server.process.wait());
    report(&args, &measured);
}

/// Joins every client, then reads the server's CPU over the window.
async fn measure_load(args: &Args, server: &LoadServer) -> Measured {
    let pid = server.process.id();
    let epoch = Instant::now();
    let joined = Arc::new(Barrier::new(args.clients + 1));
    let (timing_tx, timing_rx) = watch::channel(None);
    let connect_started = Instant::now();
    let mut tasks = Vec::with_capacity(args.clients);
    for index in 0..args.clients {
        let room = RoomId::new(format!("load-{}", index / args.room_size)).unwrap();
        let role = if index % args.room_size == 0 {
            Role::Host
        } else {
            Role::Guest
        };
        let token = server.signer.issue(room.clone(), role, now_millis(), 3600);
        tasks.push(tokio::spawn(run_client(
            server.url.clone(),
            token,
            room,
            index,
            args.rate,
            epoch,
            joined.clone(),
            timing_rx.clone(),
        )));
        if index % 50 == 49 {
            // Do not SYN-flood our own listener.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    joined.wait().await;
    let join_time = connect_started.elapsed();
    let warmup = Duration::from_secs(2);
    let measure_from = Instant::now() + warmup;
    let stop_at = measure_from + args.duration;
    timing_tx
        .send(Some(Timing {
            measure_from,
            stop_at,
        }))
        .unwrap();
    tokio::time::sleep_until(measure_from.into()).await;
    let before = measure::cpu_ticks(pid).expect("the server's CPU time");
    tokio::time::sleep_until(stop_at.into()).await;
    let after = measure::cpu_ticks(pid).expect("the server's CPU time");
    let rss_kib = measure::rss_kib(pid).unwrap_or(0);
    let peak_rss_kib = measure::peak_rss_kib(pid).unwrap_or(0);

    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.expect("client task");
        total.sent += tally.sent;
        total.errors += tally.errors;
        total.latencies_us.extend(tally.latencies_us);
    }
    total.latencies_us.sort_unstable();
    let cpu_pct =
        (after - before) as f64 / measure::clock_ticks() / args.duration.as_secs_f64() * 100.0;
    Measured {
        join_time,
        total,
        cpu_pct,
        rss_kib,
        peak_rss_kib,
    }
}

/// Prints the table, and writes the JSON and Markdown asked for.
fn report(args: &Args, measured: &Measured) {
    let Measured {
        join_time,
        total,
        cpu_pct,
        rss_kib,
        peak_rss_kib,
    } = measured;
    let wall = args.duration.as_secs_f64();
    let lat = &total.latencies_us;
    let machine = measure::machine();
    let results = serde_json::json!({
        "machine": machine,
        "command": std::env::args().skip(1).filter(|a| a != "--bench").collect::<Vec<_>>().join(" "),
        "clients": args.clients,
        "roomSize": args.room_size,
        "ratePerClient": args.rate,
        "durationSecs": wall,
        "joinAllSecs": join_time.as_secs_f64(),
        "messagesSent": total.sent,
        "messagesDelivered": lat.len(),
        "deliveredPerSec": lat.len() as f64 / wall,
        "errors": total.errors,
        "latencyMs": {
            "p50": percentile(lat, 50.0),
            "p90": percentile(lat, 90.0),
            "p99": percentile(lat, 99.0),
            "max": percentile(lat, 100.0),
        },
        "serverCpuPercentOfOneCore": cpu_pct,
        "serverRssMiB": *rss_kib as f64 / 1024.0,
        "serverPeakRssMiB": *peak_rss_kib as f64 / 1024.0,
    });
    let mut table = format!("mulaqat-server load ({machine})\n| metric | value |\n|---|---|\n");
    for (name, value) in [
        (
            "clients (rooms of N)",
            format!("{} ({})", args.clients, args.room_size),
        ),
        ("all joined in", format!("{:.2} s", join_time.as_secs_f64())),
        (
            "messages sent / s",
            format!("{:.0}", total.sent as f64 / wall),
        ),
        ("deliveries / s", format!("{:.0}", lat.len() as f64 / wall)),
        (
            "relay latency p50",
            format!("{:.2} ms", percentile(lat, 50.0)),
        ),
        (
            "relay latency p99",
            format!("{:.2} ms", percentile(lat, 99.0)),
        ),
        (
            "relay latency max",
            format!("{:.2} ms", percentile(lat, 100.0)),
        ),
        ("server CPU", format!("{cpu_pct:.0} % of one core")),
        (
            "server RSS",
            format!(
                "{:.1} MiB (peak {:.1})",
                *rss_kib as f64 / 1024.0,
                *peak_rss_kib as f64 / 1024.0
            ),
        ),
        ("errors", total.errors.to_string()),
    ] {
        table.push_str(&format!("| {name} | {value} |\n"));
    }
    print!("{table}");
    args.out.write_json(&results).expect("write JSON");
    args.out
        .write_markdown("server-load", "Server load", &table)
        .expect("write Markdown");
}
