//! One SFU room: a fresh lab with Janus and `mulaqat-server` in `srv` and
//! one `mulaqat-cli join` per participant in its own namespace, measured
//! over a window once everyone has everyone else's video (or the wait for
//! that ran out).

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use mulaqat_lab::janus::Janus;
use mulaqat_lab::measure;
use mulaqat_lab::netns::Lab;
use mulaqat_lab::procs::{Bins, Client, Server, Stats, frames};
use mulaqat_media::Quality;

/// The room type that goes through the SFU from its first participant.
const COMMAND_ROOMS: &str = "[rooms]\ndefault_kind = \"command\"\n";

/// The smallest size `mulaqat-cli join --quality` sends: there is no 180p
/// (`mulaqat_media::Quality` starts at 360p).
pub const SMALLEST: u32 = 360;

/// What a row of the table runs, from `--rows` (`6x360p`, `9x720p-speaker`).
#[derive(Debug, Clone)]
pub struct RoomSpec {
    /// As typed.
    pub text: String,
    /// The height each participant sends, P1 first.
    pub sends: Vec<u32>,
    /// P1 alone sends the given size, the others [`SMALLEST`].
    pub speaker: bool,
}

impl RoomSpec {
    /// `<n>x<quality>`: everyone sends that size; `<n>x<quality>-speaker`:
    /// the first participant sends it and the others the smallest size.
    pub fn parse(text: &str) -> Result<RoomSpec, String> {
        let usage = || format!("{text:?}: expected e.g. 6x360p or 9x720p-speaker");
        let (count, rest) = text.split_once('x').ok_or_else(usage)?;
        let parties: usize = count.parse().map_err(|_| usage())?;
        if !(2..=20).contains(&parties) {
            return Err(format!(
                "{text:?}: 2 to 20 participants (an SFU room's limit)"
            ));
        }
        let (quality, speaker) = match rest.strip_suffix("-speaker") {
            Some(q) => (q, true),
            None => (rest, false),
        };
        let height = match quality.parse::<Quality>() {
            Ok(q) if q <= Quality::P1080 => q.resolution().height,
            _ => return Err(format!("{text:?}: the size is 360p, 720p or 1080p")),
        };
        let sends = (0..parties)
            .map(|k| if speaker && k > 0 { SMALLEST } else { height })
            .collect();
        Ok(RoomSpec {
            text: text.to_owned(),
            sends,
            speaker,
        })
    }

    /// The number of participants.
    pub fn parties(&self) -> usize {
        self.sends.len()
    }
}

/// How a room is run.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Longest wait for every participant to get every other's video.
    pub ready_timeout: Duration,
    /// From then to the window.
    pub warmup: Duration,
    /// The window.
    pub window: Duration,
    /// `mulaqat-cli join --fps`.
    pub fps: u32,
}

/// Memory of one process, MiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident set (`VmRSS`): counts every shared page in full.
    pub rss_mib: f64,
    /// Proportional set (`Pss` of `smaps_rollup`): shared pages divided
    /// among the processes mapping them, so it adds up over processes.
    pub pss_mib: Option<f64>,
}

/// `pid`'s memory now; `None` once it has gone.
fn memory(pid: u32) -> Option<Memory> {
    let mib = |kib: u64| kib as f64 / 1024.0;
    Some(Memory {
        rss_mib: mib(measure::rss_kib(pid)?),
        pss_mib: measure::pss_kib(pid).map(mib),
    })
}

/// Share of one core used between two CPU-time readings (clock ticks)
/// `seconds` apart, %; `None` when the process was gone at either.
fn cpu_percent(before: Option<u64>, after: Option<u64>, hz: f64, seconds: f64) -> Option<f64> {
    let (before, after) = (before?, after?);
    (seconds > 0.0).then(|| after.saturating_sub(before) as f64 / hz / seconds * 100.0)
}

/// CPU over the window and memory at its end, of one process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Share of one core, %; `None` when the process was gone.
    pub cpu_percent: Option<f64>,
    /// `None` when the process was gone.
    pub memory: Option<Memory>,
}

/// One participant's video as another received it.
#[derive(Debug, Clone)]
pub struct Video {
    /// Who sent it.
    pub from: String,
    /// Frames decoded per second over the window.
    pub fps: f64,
    /// The size at the end of the window.
    pub width: Option<u64>,
    /// The size at the end of the window.
    pub height: Option<u64>,
    /// Start of `join` to its first frame.
    pub first_frame_ms: Option<u64>,
    /// Frames were decoded during the window.
    pub flowing: bool,
}

/// One participant's figures.
#[derive(Debug, Clone)]
pub struct Participant {
    /// `P1`, `P2`, ...
    pub name: String,
    /// The height it was asked to send.
    pub sends: u32,
    /// What its encoder sent at the end (`640x360`).
    pub sent: Option<String>,
    /// Its encoder.
    pub encoder: Option<String>,
    /// It published to Janus (`sent.sfu:camera:video` has packets).
    pub on_sfu: bool,
    /// Its process over the window.
    pub usage: Usage,
    /// Every other participant's video, in order (missing ones too).
    pub videos: Vec<Video>,
    /// How `join` exited when asked to leave (0 = normally).
    pub exit_code: Option<i32>,
    /// Its output, kept when a video from or to it was missing or it sent
    /// smaller than asked.
    pub log: Option<String>,
}

impl Participant {
    /// The height its encoder sent at the end.
    pub fn sent_height(&self) -> Option<u32> {
        let (_, height) = self.sent.as_deref()?.split_once('x')?;
        height.parse().ok()
    }

    /// Start of `join` to the first remote frame from anyone.
    pub fn first_frame_ms(&self) -> Option<u64> {
        self.videos.iter().filter_map(|v| v.first_frame_ms).min()
    }

    /// Start of `join` to the first frame of the last of the others, when
    /// every other's video came.
    pub fn all_frames_ms(&self) -> Option<u64> {
        self.videos
            .iter()
            .map(|v| v.first_frame_ms)
            .collect::<Option<Vec<u64>>>()
            .and_then(|all| all.into_iter().max())
    }
}

/// What one room measured.
#[derive(Debug, Clone)]
pub struct Room {
    /// What ran.
    pub spec: RoomSpec,
    /// Start of the first `join` until every participant had every other's
    /// video (polled every 0.5 s); `None` when the wait ran out.
    pub ready_after: Option<Duration>,
    /// The window, measured.
    pub window_secs: f64,
    /// In the order they joined.
    pub participants: Vec<Participant>,
    /// The Janus process.
    pub janus: Usage,
    /// The `mulaqat-server` process.
    pub server: Usage,
}

/// Every present remote with frames, counted for everyone: whether each
/// participant has video from all the others.
fn everyone_has_everyone(clients: &[Client]) -> bool {
    let others = clients.len() - 1;
    clients.iter().all(|c| {
        c.stats().is_some_and(|s| {
            s.present()
                .iter()
                .filter(|(_, remote)| frames(remote) > 0)
                .count()
                >= others
        })
    })
}

/// The stats entry of the remote called `name` (after a reconnection the
/// present one, else the one with the most frames).
fn remote_named<'a>(stats: &'a Stats, name: &str) -> Option<&'a Value> {
    stats
        .remotes()
        .into_iter()
        .filter(|(_, r)| r["name"].as_str() == Some(name))
        .max_by_key(|(_, r)| (r["present"].as_bool() != Some(false), frames(r)))
        .map(|(_, r)| r)
}

fn start_clients(
    lab: &Lab,
    bins: &Bins,
    server: &Server,
    spec: &RoomSpec,
    t: &Timing,
) -> Vec<Client> {
    let host = server.link("bench", "host", "1h");
    let guest = server.link("bench", "guest", "1h");
    let fps = t.fps.to_string();
    // A safety net: each `join` leaves on its own even if the bench is
    // killed before it can send SIGINT.
    let stay = t.ready_timeout + t.warmup + t.window + Duration::from_secs(120);
    let stay = format!("{}s", stay.as_secs());
    let connect = format!("{}s", t.ready_timeout.as_secs().max(30));
    spec.sends
        .iter()
        .enumerate()
        .map(|(k, height)| {
            let quality = format!("{height}p");
            let args = [
                "--quality",
                quality.as_str(),
                "--fps",
                fps.as_str(),
                "--duration",
                stay.as_str(),
                "--connect-timeout",
                connect.as_str(),
            ];
            let link = if k == 0 { &host } else { &guest };
            Client::start(
                Some(lab),
                Some(k + 1),
                lab.dir(),
                bins,
                "join",
                link,
                &format!("P{}", k + 1),
                &args,
            )
        })
        .collect()
}

/// Waits until every participant has every other's video, at most
/// `t.ready_timeout` (or until all have ended), and says how long it took
/// from the first start (`None`: not everyone got there).
fn wait_until_everyone_has_everyone(clients: &[Client], t: &Timing) -> Option<Duration> {
    let started = clients[0].proc.started;
    let deadline = Instant::now() + t.ready_timeout;
    let ready_after = loop {
        if everyone_has_everyone(clients) {
            break Some(started.elapsed());
        }
        if Instant::now() >= deadline || clients.iter().all(|c| !c.proc.running()) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    match ready_after {
        Some(d) => eprintln!(
            "  everyone has everyone's video after {:.1} s",
            d.as_secs_f64()
        ),
        None => eprintln!(
            "  not everyone had everyone's video after {} s; measuring what arrives",
            t.ready_timeout.as_secs()
        ),
    }
    ready_after
}

/// Runs `spec` in fresh processes; every one of them is gone on return
/// (also on a panic: the lab kills what it started).
pub fn run(spec: &RoomSpec, t: &Timing, bins: &Bins) -> Room {
    let lab = Lab::new(spec.parties());
    let janus = Janus::start(&lab);
    let server = Server::start(
        Some(&lab),
        lab.dir(),
        bins,
        &format!("{COMMAND_ROOMS}{}", janus.server_config()),
    );
    let clients = start_clients(&lab, bins, &server, spec, t);
    let ready_after = wait_until_everyone_has_everyone(&clients, t);
    std::thread::sleep(t.warmup);

    let mut pids: Vec<u32> = clients.iter().map(|c| c.proc.pid).collect();
    pids.extend([janus.proc.pid, server.proc.pid]);
    let t0 = Instant::now();
    let cpu0: Vec<Option<u64>> = pids.iter().map(|p| measure::cpu_ticks(*p)).collect();
    let stats0: Vec<Option<(Stats, SystemTime)>> = clients
        .iter()
        .map(|c| Stats::read_timed(&c.stats))
        .collect();
    std::thread::sleep(t.window);
    let cpu1: Vec<Option<u64>> = pids.iter().map(|p| measure::cpu_ticks(*p)).collect();
    let window_secs = t0.elapsed().as_secs_f64();
    let memory: Vec<Option<Memory>> = pids.iter().map(|p| memory(*p)).collect();
    let stats1: Vec<Option<(Stats, SystemTime)>> = clients
        .iter()
        .map(|c| Stats::read_timed(&c.stats))
        .collect();
    let hz = measure::clock_ticks();
    let usage: Vec<Usage> = (0..pids.len())
        .map(|k| Usage {
            cpu_percent: cpu_percent(cpu0[k], cpu1[k], hz, window_secs),
            memory: memory[k],
        })
        .collect();

    for c in &clients {
        c.proc.interrupt();
    }
    let names: Vec<String> = clients.iter().map(|c| c.name.clone()).collect();
    let mut participants: Vec<Participant> = clients
        .iter()
        .enumerate()
        .map(|(k, c)| Participant {
            name: c.name.clone(),
            sends: spec.sends[k],
            sent: sent(stats1[k].as_ref(), "resolution"),
            encoder: sent(stats1[k].as_ref(), "encoder"),
            on_sfu: stats1[k].as_ref().is_some_and(|(s, _)| {
                s.0["sent"]["sfu:camera:video"]["packetsSent"]
                    .as_u64()
                    .is_some_and(|n| n > 0)
            }),
            usage: usage[k],
            videos: names
                .iter()
                .filter(|n| **n != c.name)
                .map(|n| video(n, stats0[k].as_ref(), stats1[k].as_ref()))
                .collect(),
            exit_code: c
                .proc
                .wait_exit(Duration::from_secs(15))
                .and_then(|s| s.code()),
            log: None,
        })
        .collect();
    keep_logs(&mut participants, &clients);
    let n = clients.len();
    drop(clients);
    drop(server);
    drop(janus);
    drop(lab);
    Room {
        spec: spec.clone(),
        ready_after,
        window_secs,
        participants,
        janus: usage[n],
        server: usage[n + 1],
    }
}

/// Keeps the output of every participant a video from or to which did not
/// flow during the window (to tell a stuck sender from a stuck receiver),
/// and of those sending smaller than asked (the engine warns when it steps
/// down because the encoder cannot keep up; a step down for the link is
/// only logged at `info`).
fn keep_logs(participants: &mut [Participant], clients: &[Client]) {
    let mut troubled: Vec<String> = Vec::new();
    for p in participants.iter() {
        for v in p.videos.iter().filter(|v| !v.flowing) {
            troubled.extend([p.name.clone(), v.from.clone()]);
        }
        if p.sent_height().is_some_and(|h| h < p.sends) {
            troubled.push(p.name.clone());
        }
    }
    for (p, c) in participants.iter_mut().zip(clients) {
        if troubled.contains(&p.name) {
            p.log = Some(c.proc.transcript());
        }
    }
}

/// A field of what the participant sent to Janus (its publication).
fn sent(stats: Option<&(Stats, SystemTime)>, field: &str) -> Option<String> {
    let (stats, _) = stats?;
    stats.0["sent"]["sfu:camera:video"][field]
        .as_str()
        .map(str::to_owned)
}

/// `from`'s video as seen in two stats files: frames per second between
/// the two writes (the cli writes them right after a report, so their times
/// are when the counts were taken).
fn video(
    from: &str,
    start: Option<&(Stats, SystemTime)>,
    end: Option<&(Stats, SystemTime)>,
) -> Video {
    let at_end = end.and_then(|(s, _)| remote_named(s, from));
    let frames_end = at_end.map_or(0, frames);
    let frames_start = start
        .and_then(|(s, _)| remote_named(s, from))
        .map_or(0, frames);
    let span = match (start, end) {
        (Some((_, a)), Some((_, b))) => b.duration_since(*a).map_or(0.0, |d| d.as_secs_f64()),
        _ => 0.0,
    };
    let decoded = frames_end.saturating_sub(frames_start);
    Video {
        from: from.to_owned(),
        fps: if span > 0.5 {
            decoded as f64 / span
        } else {
            0.0
        },
        width: at_end.and_then(|r| r["video"]["width"].as_u64()),
        height: at_end.and_then(|r| r["video"]["height"].as_u64()),
        first_frame_ms: at_end.and_then(|r| r["firstFrameMs"].as_u64()),
        flowing: decoded > 0,
    }
}
