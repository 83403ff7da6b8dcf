//! `mulaqat-netsim`: a UDP relay that forwards packets late.
//!
//! The lab's kernel has no netem, so it cannot make a link slow. Instead this
//! relay sits in front of the TURN server: clients send to it, and it sends
//! their packets on after a delay with some jitter, the way a provincial link
//! would. Each client gets its own upstream socket, so the TURN server still
//! sees one 5-tuple per client. Packets are never reordered. The way back is
//! forwarded at once, unless `--both-ways` asks for the same delay there too.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Display;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: mulaqat-netsim --listen ADDR:PORT --to ADDR:PORT --delay-ms N \
                     [--jitter-ms N] [--both-ways] [--seed N]";
/// Room for the largest UDP datagram.
const MAX_DATAGRAM: usize = 64 * 1024;
/// New clients beyond this many are turned away.
const MAX_CLIENTS: usize = 256;
/// A client silent this long loses its upstream socket and threads.
const IDLE_AFTER: Duration = Duration::from_secs(60);
/// How often blocked reads wake up to look for idle clients.
const POLL: Duration = Duration::from_secs(1);
/// The largest delay or jitter accepted, in milliseconds.
const MAX_MS: u64 = 600_000;

/// What to relay, where to, and how late.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    listen: SocketAddr,
    to: SocketAddr,
    delay: Duration,
    jitter: Duration,
    both_ways: bool,
    /// Seed for the jitter; from the clock and pid when absent.
    seed: Option<u64>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Run(Config),
    Help,
}

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            let _ = writeln!(io::stdout().lock(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            warn(format_args!("{message}\n{USAGE}"));
            return ExitCode::from(2);
        }
    };
    let relay = match start(&config) {
        Ok(relay) => relay,
        Err(message) => {
            warn(format_args!("{message}"));
            return ExitCode::from(1);
        }
    };
    if let Err(error) = announce(relay.local_addr, &config) {
        warn(format_args!("cannot write to stdout: {error}"));
    }
    if let Err(error) = thread::Builder::new()
        .name("tally".into())
        .spawn(report_tally)
    {
        warn(format_args!("cannot start the tally thread: {error}"));
    }
    if relay.thread.join().is_err() {
        warn(format_args!("the relay thread failed"));
    }
    ExitCode::from(1)
}

/// Prints the one line the lab waits for (it looks for `relaying`).
fn announce(local_addr: SocketAddr, config: &Config) -> io::Result<()> {
    let (delay, jitter) = (config.delay.as_millis(), config.jitter.as_millis());
    let mut stdout = io::stdout().lock();
    let to = config.to;
    writeln!(
        stdout,
        "relaying UDP {local_addr} -> {to}, delay {delay} ms ± {jitter} ms"
    )?;
    stdout.flush()
}

/// Packets relayed towards `--to`, and the delay added to them in total (µs).
static RELAYED_UP: AtomicU64 = AtomicU64::new(0);
static ADDED_UP_US: AtomicU64 = AtomicU64::new(0);

/// Every five seconds, while packets flow: `relayed N packets up, mean
/// added delay X ms` on stdout (the lab reads the last one as proof).
fn report_tally() {
    let mut reported = 0;
    loop {
        thread::sleep(Duration::from_secs(5));
        let packets = RELAYED_UP.load(Ordering::Relaxed);
        if packets == reported {
            continue;
        }
        reported = packets;
        let mean_ms = ADDED_UP_US.load(Ordering::Relaxed) as f64 / packets as f64 / 1000.0;
        let mut stdout = io::stdout().lock();
        let _ = writeln!(
            stdout,
            "relayed {packets} packets up, mean added delay {mean_ms:.1} ms"
        );
        let _ = stdout.flush();
    }
}

/// Writes one line to stderr; there is nowhere to report a failure to.
fn warn(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "mulaqat-netsim: {message}");
}

/// Reads the command line (without the program name).
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let (mut listen, mut to, mut delay, mut jitter) = (None, None, None, Duration::ZERO);
    let (mut both_ways, mut seed) = (false, None);
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--both-ways" => both_ways = true,
            "--listen" => listen = Some(value(&flag, args.next())?),
            "--to" => to = Some(value(&flag, args.next())?),
            "--delay-ms" => delay = Some(millis(&flag, args.next())?),
            "--jitter-ms" => jitter = millis(&flag, args.next())?,
            "--seed" => seed = Some(value(&flag, args.next())?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Command::Run(Config {
        listen: listen.ok_or("missing --listen")?,
        to: to.ok_or("missing --to")?,
        delay: delay.ok_or("missing --delay-ms")?,
        jitter,
        both_ways,
        seed,
    }))
}

/// Parses the value that follows `flag`.
fn value<T: FromStr>(flag: &str, value: Option<String>) -> Result<T, String>
where
    T::Err: Display,
{
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|error| format!("bad value `{value}` for {flag}: {error}"))
}

/// Parses a number of milliseconds, at most [`MAX_MS`].
fn millis(flag: &str, text: Option<String>) -> Result<Duration, String> {
    let ms: u64 = value(flag, text)?;
    if ms > MAX_MS {
        return Err(format!("{flag} is {ms}; at most {MAX_MS} is allowed"));
    }
    Ok(Duration::from_millis(ms))
}

/// SplitMix64: small, fast, and random enough to spread jitter.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A seed that differs from run to run: the clock mixed with the pid.
fn seed_from_clock() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}

/// Decides when each packet of one direction of one client leaves: after the
/// delay plus jitter, but never before the packet ahead of it.
#[derive(Debug)]
struct Pacer {
    delay: Duration,
    jitter: Duration,
    rng: SplitMix,
    last: Option<Instant>,
}

impl Pacer {
    fn new(config: &Config, seed: u64) -> Self {
        let (delay, jitter) = (config.delay, config.jitter);
        Self {
            delay,
            jitter,
            rng: SplitMix(seed),
            last: None,
        }
    }

    /// When a packet that arrived at `arrival` is to be sent.
    fn send_time(&mut self, arrival: Instant) -> Instant {
        let wanted = arrival + self.jittered_delay();
        let at = self.last.map_or(wanted, |last| last.max(wanted));
        self.last = Some(at);
        at
    }

    /// The delay plus a uniform offset in [-jitter, +jitter], at least zero.
    fn jittered_delay(&mut self) -> Duration {
        let jitter_us = u64::try_from(self.jitter.as_micros()).unwrap_or(0);
        let offset = Duration::from_micros(self.rng.next() % (2 * jitter_us + 1));
        (self.delay + offset).saturating_sub(self.jitter)
    }
}

/// A packet and the time it is to be sent.
type Delayed = (Instant, Vec<u8>);

/// Starts a thread that sends each packet it is given at its time, in order.
/// The thread ends when the returned sender is dropped.
fn spawn_delayer(
    name: String,
    send: impl Fn(&[u8]) + Send + 'static,
) -> io::Result<Sender<Delayed>> {
    let (sender, receiver) = mpsc::channel::<Delayed>();
    thread::Builder::new().name(name).spawn(move || {
        for (at, bytes) in receiver {
            thread::sleep(at.saturating_duration_since(Instant::now()));
            send(&bytes);
        }
    })?;
    Ok(sender)
}

/// One client of the relay and its own way upstream.
#[derive(Debug)]
struct Client {
    /// Feeds the thread that sends to `--to`.
    upstream: Sender<Delayed>,
    pacer: Pacer,
    last_heard: Instant,
    /// Cleared when the client is forgotten, to stop its upstream reader.
    alive: Arc<AtomicBool>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Relaxed);
    }
}

/// The unspecified address of `to`'s family, on any port.
fn unspecified_like(to: SocketAddr) -> SocketAddr {
    let ip = match to {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

/// Opens an upstream socket for `client` and starts its threads.
fn open_client(
    listener: &Arc<UdpSocket>,
    client: SocketAddr,
    config: &Config,
    rng: &mut SplitMix,
) -> io::Result<Client> {
    let upstream = Arc::new(UdpSocket::bind(unspecified_like(config.to))?);
    upstream.connect(config.to)?;
    upstream.set_read_timeout(Some(POLL))?;
    let socket = Arc::clone(&upstream);
    let to_upstream = spawn_delayer(format!("up {client}"), move |bytes| {
        let _ = socket.send(bytes);
    })?;
    let back = if config.both_ways {
        let listener = Arc::clone(listener);
        let sender = spawn_delayer(format!("down {client}"), move |bytes| {
            let _ = listener.send_to(bytes, client);
        })?;
        Some((Pacer::new(config, rng.next()), sender))
    } else {
        None
    };
    let alive = Arc::new(AtomicBool::new(true));
    let (listener, flag) = (Arc::clone(listener), Arc::clone(&alive));
    thread::Builder::new()
        .name(format!("read {client}"))
        .spawn(move || read_upstream(&upstream, &listener, client, back, &flag))?;
    let pacer = Pacer::new(config, rng.next());
    Ok(Client {
        upstream: to_upstream,
        pacer,
        last_heard: Instant::now(),
        alive,
    })
}

/// Passes what comes back upstream on to `client`, at once or through
/// `back`'s pacer and delayer, until the client is forgotten.
fn read_upstream(
    upstream: &UdpSocket,
    listener: &UdpSocket,
    client: SocketAddr,
    mut back: Option<(Pacer, Sender<Delayed>)>,
    alive: &AtomicBool,
) {
    let mut buf = vec![0; MAX_DATAGRAM];
    while alive.load(Ordering::Relaxed) {
        // Timeouts let us look at `alive`; refusals pass; both just loop.
        let Ok(len) = upstream.recv(&mut buf) else {
            continue;
        };
        let Some((pacer, sender)) = &mut back else {
            let _ = listener.send_to(&buf[..len], client);
            continue;
        };
        let at = pacer.send_time(Instant::now());
        if sender.send((at, buf[..len].to_vec())).is_err() {
            return;
        }
    }
}

/// A running relay: where it listens, and the thread that serves it.
#[derive(Debug)]
struct Relay {
    local_addr: SocketAddr,
    thread: JoinHandle<()>,
}

/// Binds `config.listen` and serves it on threads; returns once bound.
fn start(config: &Config) -> Result<Relay, String> {
    let listen = config.listen;
    let bind_error = |error: io::Error| format!("cannot listen on {listen}: {error}");
    let listener = UdpSocket::bind(listen).map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    listener.set_read_timeout(Some(POLL)).map_err(bind_error)?;
    let rng = SplitMix(config.seed.unwrap_or_else(seed_from_clock));
    let config = config.clone();
    let thread = thread::Builder::new()
        .name("listen".into())
        .spawn(move || serve(&Arc::new(listener), &config, rng))
        .map_err(|error| format!("cannot start the relay thread: {error}"))?;
    Ok(Relay { local_addr, thread })
}

/// Reads what clients send and queues it for their upstream sockets.
fn serve(listener: &Arc<UdpSocket>, config: &Config, mut rng: SplitMix) {
    let mut clients: HashMap<SocketAddr, Client> = HashMap::new();
    let mut buf = vec![0; MAX_DATAGRAM];
    let mut next_sweep = Instant::now() + POLL;
    loop {
        let received = listener.recv_from(&mut buf);
        let now = Instant::now();
        if now >= next_sweep {
            clients.retain(|_, client| now.duration_since(client.last_heard) < IDLE_AFTER);
            next_sweep = now + POLL;
        }
        let Ok((len, from)) = received else { continue };
        let full = clients.len() >= MAX_CLIENTS;
        let client = match clients.entry(from) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(_) if full => {
                warn(format_args!(
                    "{from}: already {MAX_CLIENTS} clients; dropped"
                ));
                continue;
            }
            Entry::Vacant(entry) => match open_client(listener, from, config, &mut rng) {
                Ok(client) => entry.insert(client),
                Err(error) => {
                    warn(format_args!(
                        "{from}: cannot open a socket to {}: {error}",
                        config.to
                    ));
                    continue;
                }
            },
        };
        client.last_heard = now;
        let at = client.pacer.send_time(now);
        RELAYED_UP.fetch_add(1, Ordering::Relaxed);
        ADDED_UP_US.fetch_add(
            u64::try_from(at.saturating_duration_since(now).as_micros()).unwrap_or(0),
            Ordering::Relaxed,
        );
        if client.upstream.send((at, buf[..len].to_vec())).is_err() {
            clients.remove(&from);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Starts a UDP server on 127.0.0.1 that sends every datagram back.
    fn echo_server() -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while let Ok((len, from)) = socket.recv_from(&mut buf) {
                let _ = socket.send_to(&buf[..len], from);
            }
        });
        addr
    }

    fn config(to: SocketAddr, delay_ms: u64, jitter_ms: u64, both_ways: bool) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            to,
            delay: Duration::from_millis(delay_ms),
            jitter: Duration::from_millis(jitter_ms),
            both_ways,
            seed: Some(7),
        }
    }

    /// A client socket on 127.0.0.1 with a generous read timeout.
    fn client() -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        socket
    }

    /// Sends `count` packets `tag, index` 5 ms apart; returns when each left.
    fn send_numbered(socket: &UdpSocket, relay: SocketAddr, tag: u8, count: u8) -> Vec<Instant> {
        (0..count)
            .map(|index| {
                let sent = Instant::now();
                socket.send_to(&[tag, index], relay).unwrap();
                thread::sleep(Duration::from_millis(5));
                sent
            })
            .collect()
    }

    /// Receives `count` packets and checks they are `tag, 0..count` in order,
    /// each at least `at_least` after it was sent.
    fn expect_echoes(socket: &UdpSocket, tag: u8, sent: &[Instant], at_least: Duration) {
        let mut buf = [0u8; 64];
        for (index, sent_at) in sent.iter().enumerate() {
            let len = socket.recv(&mut buf).expect("an echo within 5 s");
            assert_eq!(&buf[..len], &[tag, u8::try_from(index).unwrap()]);
            let took = sent_at.elapsed();
            assert!(
                took >= at_least,
                "echo {index} came back after only {took:?}"
            );
        }
    }

    #[test]
    fn delays_the_way_up_and_keeps_order() {
        let relay = start(&config(echo_server(), 100, 20, false)).unwrap();
        let socket = client();
        let sent = send_numbered(&socket, relay.local_addr, b'a', 20);
        expect_echoes(&socket, b'a', &sent, Duration::from_millis(78));
    }

    #[test]
    fn both_ways_delays_the_way_back_too() {
        let relay = start(&config(echo_server(), 60, 0, true)).unwrap();
        let socket = client();
        let sent = send_numbered(&socket, relay.local_addr, b'b', 5);
        expect_echoes(&socket, b'b', &sent, Duration::from_millis(118));
    }

    #[test]
    fn each_client_gets_only_its_own_echoes() {
        let relay = start(&config(echo_server(), 30, 10, false)).unwrap();
        let (first, second) = (client(), client());
        let first_sent = send_numbered(&first, relay.local_addr, b'x', 10);
        let second_sent = send_numbered(&second, relay.local_addr, b'y', 10);
        expect_echoes(&first, b'x', &first_sent, Duration::from_millis(18));
        expect_echoes(&second, b'y', &second_sent, Duration::from_millis(18));
        for socket in [&first, &second] {
            socket
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            assert!(
                socket.recv(&mut [0u8; 64]).is_err(),
                "an extra echo arrived"
            );
        }
    }

    #[test]
    fn pacer_never_reorders_and_stays_within_the_jitter() {
        let mut pacer = Pacer::new(&config("127.0.0.1:9".parse().unwrap(), 100, 50, false), 1);
        let start = Instant::now();
        let mut previous = start;
        for step in 0..1000 {
            let arrival = start + Duration::from_millis(step);
            let at = pacer.send_time(arrival);
            assert!(at >= previous);
            assert!(at >= arrival + Duration::from_millis(50));
            assert!(at <= previous.max(arrival + Duration::from_millis(150)));
            previous = at;
        }
    }

    #[test]
    fn binding_a_busy_address_names_it() {
        let busy = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut taken = config(echo_server(), 10, 0, false);
        taken.listen = busy.local_addr().unwrap();
        let message = start(&taken).unwrap_err();
        assert!(message.contains(&taken.listen.to_string()), "{message}");
    }

    fn parse(line: &str) -> Result<Command, String> {
        parse_args(line.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_the_lab_command_line() {
        let line = "--listen 10.77.0.1:3479 --to 10.77.0.1:3478 --delay-ms 150 --jitter-ms 30 \
                    --both-ways --seed 5";
        let Ok(Command::Run(parsed)) = parse(line) else {
            panic!("{line} did not parse")
        };
        let mut expected = config("10.77.0.1:3478".parse().unwrap(), 150, 30, true);
        expected.listen = "10.77.0.1:3479".parse().unwrap();
        expected.seed = Some(5);
        assert_eq!(parsed, expected);
        assert_eq!(parse("--help"), Ok(Command::Help));
    }

    #[test]
    fn rejects_missing_and_bad_arguments() {
        let missing_to = parse("--listen 127.0.0.1:1 --delay-ms 5").unwrap_err();
        assert!(missing_to.contains("--to"), "{missing_to}");
        let bad_delay = parse("--listen 127.0.0.1:1 --to 127.0.0.1:2 --delay-ms soon").unwrap_err();
        assert!(
            bad_delay.contains("--delay-ms") && bad_delay.contains("soon"),
            "{bad_delay}"
        );
        let no_value = parse("--listen").unwrap_err();
        assert!(no_value.contains("needs a value"), "{no_value}");
        assert!(parse("--frobnicate").unwrap_err().contains("--frobnicate"));
    }
}
