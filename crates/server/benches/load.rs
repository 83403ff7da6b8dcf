//! Load benchmark for mulaqat-server: N WebSocket clients in rooms of
//! `--room-size`, each sending chat and signalling at a steady rate, with the
//! relay latency of every delivered message and the server's CPU and memory.
//!
//! ```text
//! cargo bench -p mulaqat-server --bench load -- --clients 2000 --json target/load.json
//! ```
//!
//! The server runs as its own process (the release binary), so its CPU and
//! RSS are read from /proc apart from the load generator's.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
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
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

const SECRET_HEX: &str = "6c6f61642d62656e63682d7365637265742d6c6f61642d62656e63682d2d2d21";

fn now_millis() -> UnixMillis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    UnixMillis(since.as_millis() as u64)
}

struct ProcStat {
    cpu_ticks: u64,
    rss_kib: u64,
    peak_rss_kib: u64,
}

fn proc_stat(pid: u32) -> ProcStat {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let cpu_ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    ProcStat {
        cpu_ticks,
        rss_kib: kib("VmRSS:"),
        peak_rss_kib: kib("VmHWM:"),
    }
}

fn ticks_per_second() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
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
    let (ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let (mut sink, mut stream) = ws.split();
    let send = |msg: ClientMsg| Message::Text(encode(&msg).into());
    sink.send(send(ClientMsg::Hello { version: 1, token }))
        .await
        .unwrap();
    sink.send(send(ClientMsg::Join {
        room,
        display_name: format!("Load {index}"),
        role: None,
        resume: None,
        media: MediaState::default(),
        decodes: None,
    }))
    .await
    .unwrap();
    let mut peers: Vec<ParticipantId> = Vec::new();
    loop {
        let Some(Ok(Message::Text(text))) = stream.next().await else {
            panic!("client {index} lost its connection while joining")
        };
        match decode_server(text.as_str(), usize::MAX).unwrap() {
            ServerMsg::Welcome {
                participant_id,
                participants,
                ..
            } => {
                peers.extend(
                    participants
                        .into_iter()
                        .map(|p| p.id)
                        .filter(|id| *id != participant_id),
                );
                break;
            }
            ServerMsg::Error { code, message } => panic!("join refused: {code}: {message}"),
            _ => {}
        }
    }
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
                if sink.send(send(msg)).await.is_err() {
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
                let Message::Text(text) = frame else { continue };
                let arrived = Instant::now();
                let measuring = arrived >= from && arrived < stop;
                match decode_server(text.as_str(), usize::MAX) {
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
    let _ = sink.send(send(ClientMsg::Leave)).await;
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

async fn run(args: Args) {
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
    let mut server = Command::new(env!("CARGO_BIN_EXE_mulaqat-server"))
        .args(["--log", "warn", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mulaqat-server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!(
        "{}/ws",
        line.trim()
            .strip_prefix("listening on ")
            .expect("listening line")
    );
    let pid = server.id();
    let signer = TokenSigner::new(
        &(0..SECRET_HEX.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&SECRET_HEX[i..i + 2], 16).unwrap())
            .collect::<Vec<_>>(),
    );

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
        let token = signer.issue(room.clone(), role, now_millis(), 3600);
        tasks.push(tokio::spawn(run_client(
            url.clone(),
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
    let before = proc_stat(pid);
    tokio::time::sleep_until(stop_at.into()).await;
    let after = proc_stat(pid);
    let wall = args.duration.as_secs_f64();

    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.expect("client task");
        total.sent += tally.sent;
        total.errors += tally.errors;
        total.latencies_us.extend(tally.latencies_us);
    }
    let _ = (server.kill(), server.wait());
    total.latencies_us.sort_unstable();
    let cpu_pct = (after.cpu_ticks - before.cpu_ticks) as f64 / ticks_per_second() / wall * 100.0;
    let lat = &total.latencies_us;
    let results = serde_json::json!({
        "machine": machine(),
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
        "serverRssMiB": after.rss_kib as f64 / 1024.0,
        "serverPeakRssMiB": after.peak_rss_kib as f64 / 1024.0,
    });
    println!(
        "mulaqat-server load ({})",
        results["machine"].as_str().unwrap_or("?")
    );
    println!("| metric | value |");
    println!("|---|---|");
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
                after.rss_kib as f64 / 1024.0,
                after.peak_rss_kib as f64 / 1024.0
            ),
        ),
        ("errors", total.errors.to_string()),
    ] {
        println!("| {name} | {value} |");
    }
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&results).unwrap()).unwrap();
        println!("wrote {}", path.display());
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}
