//! The same 1:1 call made by two `mulaqat-cli join` processes and by two
//! headless Chromium pages (Debian's `/usr/bin/chromium`, fake camera and
//! microphone), in the same network namespaces, at 720p30 then 1080p30:
//! CPU and memory per participant, first-frame time, glass-to-glass latency,
//! received frame rate and size, and Chromium ÷ Mulaqat for each.
//!
//! ```text
//! cargo bench -p mulaqat-cli --bench browser -- --json target/browser.json --markdown docs/benchmarks.md
//! cargo bench -p mulaqat-cli --bench browser -- --quality 720p --warmup 4 --seconds 6   # a quick look
//! ```
//!
//! Per quality, in one lab (a server namespace and two client namespaces,
//! veth to a bridge, from `mulaqat-lab`), four calls one after the other:
//! Mulaqat, Chromium, then each again with time stamps drawn into the sent
//! frames and read back on receive. The unstamped calls give CPU, memory,
//! first frame, fps and size; the stamped ones give latency, because
//! stamping costs CPU (on Chromium's side every frame is copied out and
//! back through WebCodecs).
//! The Mulaqat calls go through a `mulaqat-server` in the server namespace;
//! the Chromium pages are served, and their signalling relayed, by this
//! bench itself, run again inside the server namespace (`--serve-page`, see
//! `browser/page.rs`). Needs root (namespaces) and Chromium; without them
//! it says why and exits 0.
//!
//! With `--impair SPEC` (repeatable), the same call over an impaired
//! network instead, both clients fed the same moving picture, at 360p by
//! default: per direction, received fps, freezes, audio packets and the
//! sizes received over time (see `browser/impaired.rs`).
//!
//! ```text
//! cargo bench -p mulaqat-cli --bench browser -- --impair loss=10 --impair loss=5,rate=1000 \
//!     --impair rate=1000,delay=150,jitter=30 --json target/browser-impaired.json --markdown docs/benchmarks.md
//! ```

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

#[path = "browser/chromium.rs"]
mod chromium;
#[path = "browser/cost.rs"]
mod cost;
#[path = "browser/figures.rs"]
mod figures;
#[path = "browser/frames.rs"]
mod frames;
#[path = "browser/impaired.rs"]
mod impaired;
#[path = "browser/impaired_figures.rs"]
mod impaired_figures;
#[path = "browser/network.rs"]
mod network;
#[path = "browser/page.rs"]
mod page;
#[path = "browser/readings.rs"]
mod readings;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use mulaqat_lab::measure;
use mulaqat_lab::netns::{self as lab, Lab, SERVER_ADDR};
use mulaqat_lab::procs::{Bins, Client, Proc, Server, Stats};
use mulaqat_media::Quality;

use chromium::{Camera, Chromium};
use cost::Snapshot;
use figures::{Histogram, Participant, Row, Side};

#[derive(Debug, Parser)]
struct Args {
    /// Sending qualities to run (360p, 720p, 1080p) [default: 720p,1080p;
    /// 360p with --impair].
    #[arg(long, value_delimiter = ',')]
    quality: Vec<String>,
    /// Seconds from both participants' first remote frame to the measured
    /// window (Chromium reaches the size asked some 15 s into the call)
    /// [default: 25; 10 with --impair].
    #[arg(long)]
    warmup: Option<u64>,
    /// Seconds measured [default: 10; 60 with --impair].
    #[arg(long)]
    seconds: Option<u64>,
    /// Run the call over an impaired network instead, once per flag:
    /// `loss=P` (P % of the packets each client receives from the other
    /// dropped at random), `rate=K` (each client sends at most K kbit/s,
    /// tbf), `delay=MS[,jitter=MS]` (each way through a TURN relay behind
    /// `mulaqat-netsim`, which adds MS ± jitter; relay only), joined with
    /// commas: `--impair loss=5,rate=1000`.
    #[arg(long, value_name = "SPEC")]
    impair: Vec<network::Impairment>,
    /// Run only the Mulaqat calls.
    #[arg(long)]
    skip_browser: bool,
    /// Run only the Chromium calls.
    #[arg(long)]
    skip_mulaqat: bool,
    /// The Chromium to run.
    #[arg(long, default_value = chromium::DEFAULT_PROGRAM)]
    chromium: PathBuf,
    /// Where the results go.
    #[command(flatten)]
    out: measure::BenchArgs,
    /// Serve the call page on this address and nothing else (the bench
    /// runs itself so inside the server namespace).
    #[arg(long, hide = true)]
    serve_page: Option<String>,
}

const FPS: u32 = 30;

impl Args {
    /// The qualities to run.
    fn qualities(&self) -> Vec<String> {
        match (self.quality.is_empty(), self.impair.is_empty()) {
            (false, _) => self.quality.clone(),
            (true, true) => vec!["720p".to_owned(), "1080p".to_owned()],
            (true, false) => vec!["360p".to_owned()],
        }
    }

    fn warmup(&self) -> u64 {
        let default = if self.impair.is_empty() { 25 } else { 10 };
        self.warmup.unwrap_or(default)
    }

    fn seconds(&self) -> u64 {
        let default = if self.impair.is_empty() { 10 } else { 60 };
        self.seconds.unwrap_or(default)
    }
}

/// How long the window waits for both participants' first frames.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Set by Ctrl-C: the next [`pause`] panics, so that every guard (the
/// Chromium process groups, the processes, the lab's namespaces) is dropped
/// on the way out. Chromium runs in its own process group, which the
/// terminal's SIGINT does not reach.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn watch_ctrl_c() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        if runtime.block_on(tokio::signal::ctrl_c()).is_ok() {
            eprintln!("interrupted: stopping the browsers and the lab");
            INTERRUPTED.store(true, Ordering::SeqCst);
        }
    });
}

/// Sleeps for `d`, or panics soon after Ctrl-C.
fn pause(d: Duration) {
    let until = Instant::now() + d;
    loop {
        assert!(!INTERRUPTED.load(Ordering::SeqCst), "interrupted by Ctrl-C");
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

/// Frame size of a quality name.
fn size_of(quality: &str) -> Option<(u32, u32)> {
    let size = quality.parse::<Quality>().ok()?.resolution();
    Some((size.width, size.height))
}

fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The processes of one row's lab: the namespaces, and what runs in the
/// server namespace.
struct Setup<'a> {
    args: &'a Args,
    bins: &'a Bins,
    lab: Lab,
    quality: &'a str,
    width: u32,
    height: u32,
}

/// The two ends of the measured window and what was read at them.
struct Window {
    from: SystemTime,
    to: SystemTime,
    cpu: Vec<f64>,
    processes: Vec<usize>,
    memory: Vec<cost::Memory>,
}

impl<'a> Setup<'a> {
    /// A fresh lab of two clients for a call at `quality`.
    fn new(args: &'a Args, bins: &'a Bins, quality: &'a str) -> Setup<'a> {
        let (width, height) = size_of(quality).expect("qualities are checked before");
        Setup {
            args,
            bins,
            lab: Lab::new(2),
            quality,
            width,
            height,
        }
    }

    /// Waits until both participants have seen each other's first frame
    /// (`both_see`; at most [`CONNECT_TIMEOUT`]) and the warm-up after
    /// that, then measures `roots` over the window; `at_edge` runs at its
    /// start and its end. Starting from the first frames, not the launch,
    /// gives both clients the same time in the call before the window,
    /// however long they took to start.
    fn window(
        &self,
        roots: &[u32],
        mut both_see: impl FnMut() -> bool,
        mut at_edge: impl FnMut(),
    ) -> Window {
        let give_up = Instant::now() + CONNECT_TIMEOUT;
        while !both_see() && Instant::now() < give_up {
            pause(Duration::from_millis(100));
        }
        pause(Duration::from_secs(self.args.warmup()));
        let from = SystemTime::now();
        let before = Snapshot::take(roots);
        at_edge();
        pause(Duration::from_secs(self.args.seconds()));
        at_edge();
        let after = Snapshot::take(roots);
        Window {
            from,
            to: SystemTime::now(),
            cpu: after.cpu_since(&before),
            processes: after.processes(),
            memory: roots.iter().map(|r| cost::memory(*r)).collect(),
        }
    }

    /// Two `mulaqat-cli join NAME-P1|2 --quality Q ARGS` in the client
    /// namespaces, `extra` given to client `i` (from 1) too.
    fn join(
        &self,
        server: &Server,
        call: &str,
        args: &[&str],
        extra: impl Fn(usize) -> Vec<String>,
    ) -> Vec<Client> {
        let link = server.link(call, "host", "1h");
        (1..=2)
            .map(|i| {
                let extra = extra(i);
                let mut all = vec!["--quality", self.quality];
                all.extend(args);
                all.extend(extra.iter().map(String::as_str));
                Client::start(
                    Some(&self.lab),
                    Some(i),
                    self.lab.dir(),
                    self.bins,
                    "join",
                    &link,
                    &format!("{call}-P{i}"),
                    &all,
                )
            })
            .collect()
    }

    /// A Mulaqat call: two `mulaqat-cli join` in the client namespaces.
    fn mulaqat(&self, server: &Server, call: &str, stamped: bool) -> (Vec<Participant>, Histogram) {
        let mut args = vec!["--stats-every", "500ms"];
        if stamped {
            args.push("--stamp-frames");
        }
        let clients = self.join(server, call, &args, |_| Vec::new());
        let roots: Vec<u32> = clients.iter().map(|c| c.proc.pid).collect();
        let mut edges: Vec<Vec<Option<(Stats, SystemTime)>>> = Vec::new();
        let w = self.window(
            &roots,
            || all_see(&clients),
            || {
                edges.push(
                    clients
                        .iter()
                        .map(|c| Stats::read_timed(&c.stats))
                        .collect(),
                );
            },
        );
        for c in &clients {
            c.proc.interrupt();
        }
        let mut latency = Histogram::default();
        let mut participants = Vec::new();
        for (k, c) in clients.iter().enumerate() {
            let exit = c.proc.wait_exit(Duration::from_secs(10));
            let (start, end) = (&edges[0][k], &edges[1][k]);
            // From spawning it to the lines it prints on the way.
            let line_at = |needle: &str| {
                c.proc
                    .wait_line(needle, Duration::ZERO)
                    .ok()
                    .map(|l| l.at.duration_since(c.proc.started).as_millis() as u64)
            };
            let milestones = [
                ("inCall", "state: in the call"),
                ("firstFrame", "first frame:"),
            ]
            .into_iter()
            .filter_map(|(name, needle)| Some((name.to_owned(), line_at(needle)?)))
            .collect();
            let mut p = Participant {
                cpu_percent: w.cpu[k],
                memory: w.memory[k],
                processes: w.processes[k],
                first_frame_ms: line_at("first frame:"),
                milestones,
                problem: match exit.map(|s| s.code()) {
                    Some(Some(0)) => None,
                    Some(code) => Some(format!("{} exited with {code:?}", c.name)),
                    None => Some(format!("{} did not exit", c.name)),
                },
                ..Participant::default()
            };
            if p.problem.is_some() {
                eprintln!("{}", c.proc.transcript());
            }
            latency.merge(&readings::from_stats(&mut p, start.as_ref(), end.as_ref()));
            if p.first_frame_ms.is_none() && p.problem.is_none() {
                p.problem = Some(format!("{} got no remote frame", c.name));
            }
            participants.push(p);
        }
        (participants, latency)
    }

    /// A browser in each client namespace, pages `a` (in `c1`) and `b`,
    /// opening the call page from the page server with `query` added.
    fn launch_pages(
        &self,
        call: &str,
        query: &str,
        camera: Camera<'_>,
    ) -> Result<Vec<Chromium>, String> {
        let mut browsers = Vec::new();
        for (i, me, peer) in [(1, "a", "b"), (2, "b", "a")] {
            let url = format!(
                "http://{SERVER_ADDR}:{}/call?call={call}&me={me}&peer={peer}&w={}&h={}&fps={FPS}{query}",
                page::PORT,
                self.width,
                self.height,
            );
            let dir = self.lab.dir();
            browsers.push(Chromium::launch(
                &self.lab,
                &self.lab.client_ns(i),
                &self.args.chromium,
                &dir.join(format!("chromium-{call}-{me}")),
                camera,
                &url,
                &dir.join(format!("chromium-{call}-{me}.log")),
            )?);
        }
        Ok(browsers)
    }

    /// A Chromium call: a browser in each client namespace, both opening
    /// the page from `page`.
    fn chromium(
        &self,
        page: &Proc,
        call: &str,
        stamped: bool,
    ) -> Result<(Vec<Participant>, Histogram, u64), String> {
        let camera = Camera {
            fps: FPS,
            file: None,
        };
        let mut browsers =
            self.launch_pages(call, &format!("&stamp={}", u8::from(stamped)), camera)?;
        let roots: Vec<u32> = browsers.iter().map(|b| b.pid).collect();
        let w = self.window(&roots, || page::both_see(page, call), || {});
        let exited: Vec<bool> = browsers.iter_mut().map(|b| !b.running()).collect();
        let launched: Vec<f64> = browsers.iter().map(|b| epoch_ms(b.launched)).collect();
        // The whole instances go now, before the next call.
        drop(browsers);
        let mut latency = Histogram::default();
        let mut unreadable = 0;
        let mut participants = Vec::new();
        for (k, me) in ["a", "b"].into_iter().enumerate() {
            let reports = page::reports(page, call, me);
            let mut p = Participant {
                cpu_percent: w.cpu[k],
                memory: w.memory[k],
                processes: w.processes[k],
                ..Participant::default()
            };
            let window = (epoch_ms(w.from), epoch_ms(w.to));
            let (lat, misread) = readings::from_reports(
                &mut p,
                me,
                &reports,
                launched[k],
                window,
                (u64::from(self.width), u64::from(self.height)),
            );
            latency.merge(&lat);
            unreadable += misread;
            if p.problem.is_none() && exited[k] {
                p.problem = Some(format!("Chromium {me} exited during the call"));
            }
            participants.push(p);
        }
        Ok((participants, latency, unreadable))
    }
}

/// Whether both `mulaqat-cli`s have printed their first remote frame.
fn all_see(clients: &[Client]) -> bool {
    clients.iter().all(|c| {
        c.proc
            .stdout()
            .iter()
            .any(|l| l.starts_with("first frame:"))
    })
}

/// Puts a call's figures into its side: resources from the plain call,
/// latency (and any trouble) from the stamped one.
fn keep(
    side: &mut Side,
    stamped: bool,
    participants: Vec<Participant>,
    latency: Histogram,
    unreadable: u64,
) {
    if !stamped {
        side.participants = participants;
        return;
    }
    side.latency = latency;
    side.unreadable = unreadable;
    side.stamped_fps = figures::fps_of(&participants).0;
    if let Some(fps) = side.stamped_fps.filter(|f| *f < 25.0) {
        side.notes
            .push(format!("only {fps:.1} fps in the stamped call"));
    }
    let problems: Vec<String> = participants.into_iter().filter_map(|p| p.problem).collect();
    if !problems.is_empty() {
        side.notes
            .push(format!("stamped call: {}", problems.join("; ")));
    }
    if side.latency.samples() == 0 {
        side.notes.push("no time stamp read back".into());
    }
}

fn run_row(args: &Args, bins: &Bins, quality: &str) -> Row {
    let setup = Setup::new(args, bins, quality);
    let server = (!args.skip_mulaqat).then(|| {
        Server::start(
            Some(&setup.lab),
            setup.lab.dir(),
            bins,
            "[rooms]\ndefault_kind = \"meeting\"\n",
        )
    });
    let page = (!args.skip_browser).then(|| page::start(&setup.lab));
    let mut mulaqat = None;
    let mut chromium = None;
    for stamped in [false, true] {
        let what = if stamped {
            "latency (stamped)"
        } else {
            "resources"
        };
        let call = format!(
            "q{}-{}",
            setup.height,
            if stamped { "stamped" } else { "plain" }
        );
        if let Some(server) = &server {
            eprintln!("{quality}: Mulaqat call, {what} ...");
            let (participants, latency) = setup.mulaqat(server, &call, stamped);
            let side = mulaqat.get_or_insert_with(Side::default);
            keep(side, stamped, participants, latency, 0);
        }
        if let Some(page) = &page {
            eprintln!("{quality}: Chromium call, {what} ...");
            let side = chromium.get_or_insert_with(Side::default);
            match setup.chromium(page, &call, stamped) {
                Ok((participants, latency, unreadable)) => {
                    keep(side, stamped, participants, latency, unreadable);
                }
                Err(e) => side.notes.push(e),
            }
        }
    }
    Row {
        quality: quality.to_owned(),
        requested: (u64::from(setup.width), u64::from(setup.height)),
        mulaqat,
        chromium,
    }
}

/// Why this machine cannot run the bench, if it cannot.
fn missing(args: &Args) -> Option<String> {
    let mut tools = Vec::new();
    if !args.impair.is_empty() {
        tools.extend(["nft", "tc", "gst-launch-1.0"]);
    }
    if args.impair.iter().any(|i| i.delay_ms.is_some()) {
        tools.push("turnserver");
    }
    if let Some(why) = lab::missing(&tools) {
        return Some(why);
    }
    (!args.skip_browser && !args.chromium.is_file()).then(|| {
        format!(
            "needs Chromium at {} (apt-get install chromium, or name another with --chromium)",
            args.chromium.display()
        )
    })
}

fn main() {
    let args = Args::parse();
    if let Some(addr) = &args.serve_page {
        if let Err(e) = page::serve(addr) {
            eprintln!("page server: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Some(q) = args.qualities().iter().find(|q| size_of(q).is_none()) {
        eprintln!("browser benchmark: unknown quality {q:?}: use 360p, 720p or 1080p");
        std::process::exit(2);
    }
    if let Some(why) = missing(&args) {
        println!("skipped: browser benchmark: {why}");
        return;
    }
    watch_ctrl_c();
    let bins = Bins::locate(env!("CARGO_BIN_EXE_mulaqat-cli"));
    let browser = chromium::version(&args.chromium);
    if !args.impair.is_empty() {
        impaired::run(&args, &bins, &browser);
        return;
    }
    let mut rows = Vec::new();
    for quality in &args.qualities() {
        let row = run_row(&args, &bins, quality);
        eprint!("{}", row.table_lines());
        rows.push(row);
    }
    report(&args, &browser, &rows);
}

/// The table and the JSON of the unimpaired calls.
fn report(args: &Args, browser: &str, rows: &[Row]) {
    let mut flags = String::new();
    if args.qualities() != ["720p", "1080p"] {
        flags.push_str(&format!(" --quality {}", args.qualities().join(",")));
    }
    figures::report(
        &args.out,
        (&flags, args.warmup(), args.seconds()),
        browser,
        rows,
    );
}
