//! Namespaces and links: a namespace `srv` holding a bridge, and one namespace
//! per client (`c1`, `c2`, ...) linked to that bridge by a veth pair, so that
//! every packet between two clients, or between a client and the server,
//! crosses a veth that can be shaped (`tc tbf`), lossy (nftables ingress
//! drop) or down. Recipes: `shared/notes/test-lab.md` §4 (no netem here).
//!
//! ```text
//!  ns srv: bridge 10.77.0.1/24 ── mulaqat-server, turnserver
//!    ├─ veth ── ns c1: 10.77.0.11
//!    ├─ veth ── ns c2: 10.77.0.12
//!    └─ ...
//! ```
//!
//! Every lab has its own namespaces (`mq-<pid>-<n>-srv`, ...) and interface
//! names (`mq<id>c1`, at most 15 characters, unique per process and lab), so
//! labs in parallel never meet. Dropping the [`Lab`] (also while a test
//! panics) kills every process it started and deletes its namespaces; a lab
//! whose test process died (SIGKILL, timeout) is cleaned by the next one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The server's address (the bridge in `srv`).
pub const SERVER_ADDR: &str = "10.77.0.1";
/// Prefix of every namespace a lab makes.
const NS_PREFIX: &str = "mq-";
/// nftables table for impairments (in each client namespace).
const NFT_TABLE: &str = "mqimp";

static LABS: AtomicU32 = AtomicU32::new(0);

/// A tool on this machine, looked up in `PATH` and the sbin folders (which a
/// non-login shell's `PATH` may lack).
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// What this machine lacks for a lab with `tools` (besides `ip`): root,
/// programs; `None` when nothing. The message says how to get them.
pub fn missing(tools: &[&str]) -> Option<String> {
    let mut missing = Vec::new();
    if !is_root() {
        missing.push("root (network namespaces)".to_owned());
    }
    for t in std::iter::once(&"ip").chain(tools) {
        if tool(t).is_none() {
            missing.push(format!("`{t}`"));
        }
    }
    (!missing.is_empty()).then(|| {
        format!(
            "needs {} (apt-get install iproute2 nftables coturn; run as root)",
            missing.join(", ")
        )
    })
}

/// Whether a lab can run here with `tools` (besides `ip`), for tests. When
/// it cannot: with `CI` set this panics (CI must run these tests);
/// otherwise it says why on stderr and returns false, and the test skips.
pub fn available(test: &str, tools: &[&str]) -> bool {
    let Some(why) = missing(tools) else {
        return true;
    };
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}; CI is set, so this is a failure, not a skip");
    }
    eprintln!("skipped: {test}: {why}");
    false
}

/// A set of namespaces for one test; see the module docs.
#[derive(Debug)]
pub struct Lab {
    /// Short id used in interface names (`<pid base 36><counter>`).
    id: String,
    /// Namespace name prefix (`mq-<pid>-<counter>`).
    prefix: String,
    clients: usize,
    namespaces: Vec<String>,
    children: Mutex<Vec<Arc<Mutex<Child>>>>,
    dir: Option<tempfile::TempDir>,
    ip: PathBuf,
}

fn base36(mut n: u32) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Lab {
    /// Makes `srv` and `clients` client namespaces. Call [`available`] first.
    pub fn new(clients: usize) -> Lab {
        let ip = tool("ip").expect("`ip` (iproute2) is installed");
        clean_stale(&ip);
        let n = LABS.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let id = format!("{}{}", base36(pid), base36(n));
        assert!(id.len() <= 9, "lab id {id} too long for interface names");
        let mut lab = Lab {
            prefix: format!("{NS_PREFIX}{pid}-{n}"),
            id,
            clients,
            namespaces: Vec::new(),
            children: Mutex::new(Vec::new()),
            dir: Some(
                tempfile::Builder::new()
                    .prefix("mulaqat-netns-")
                    .tempdir()
                    .expect("a temporary folder"),
            ),
            ip,
        };
        lab.build();
        lab
    }

    fn build(&mut self) {
        let srv = self.ns("srv");
        self.add_namespace(&srv);
        let bridge = format!("mq{}br", self.id);
        self.ip(&["-n", &srv, "link", "add", &bridge, "type", "bridge"]);
        self.ip(&[
            "-n",
            &srv,
            "addr",
            "add",
            &format!("{SERVER_ADDR}/24"),
            "dev",
            &bridge,
        ]);
        self.ip(&["-n", &srv, "link", "set", &bridge, "up"]);
        for i in 1..=self.clients {
            let ns = self.client_ns(i);
            self.add_namespace(&ns);
            let inside = self.client_if(i);
            let port = format!("mq{}p{i}", self.id);
            // Made directly in the two namespaces: the names never meet in
            // the root namespace.
            self.ip(&[
                "link", "add", "name", &inside, "netns", &ns, "type", "veth", "peer", "name",
                &port, "netns", &srv,
            ]);
            self.ip(&["-n", &srv, "link", "set", &port, "master", &bridge]);
            self.ip(&["-n", &srv, "link", "set", &port, "up"]);
            self.ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", client_addr(i)),
                "dev",
                &inside,
            ]);
            self.ip(&["-n", &ns, "link", "set", &inside, "up"]);
        }
    }

    fn add_namespace(&mut self, ns: &str) {
        self.ip(&["netns", "add", ns]);
        self.namespaces.push(ns.to_owned());
        // IPv4 only: the impairments match IPv4 addresses, and the bridge
        // would carry IPv6 link-local traffic between clients around them
        // (a `loss-10` run once had its media bypass the loss this way).
        self.exec(
            ns,
            "sh",
            &[
                "-c",
                "for c in all default; do echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; \
                 done 2>/dev/null || true",
            ],
        );
        self.ip(&["-n", ns, "link", "set", "lo", "up"]);
    }

    /// The full name of namespace `srv`, `c1`, ...
    pub fn ns(&self, short: &str) -> String {
        format!("{}-{short}", self.prefix)
    }

    /// Client `i`'s namespace (from 1).
    pub fn client_ns(&self, i: usize) -> String {
        assert!((1..=self.clients).contains(&i), "no client {i} in this lab");
        self.ns(&format!("c{i}"))
    }

    /// Client `i`'s interface (inside its namespace).
    pub fn client_if(&self, i: usize) -> String {
        format!("mq{}c{i}", self.id)
    }

    /// A folder for this lab's files, deleted with the lab (kept when the
    /// test panics, and its path printed).
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new("/tmp"), |d| d.path())
    }

    /// Runs `ip ARGS`; panics with its stderr if it fails.
    pub fn ip(&self, args: &[&str]) -> String {
        run(Command::new(&self.ip).args(args))
    }

    /// Runs `PROGRAM ARGS` inside namespace `ns` and waits for it.
    pub fn exec(&self, ns: &str, program: &str, args: &[&str]) -> String {
        let program = tool(program).unwrap_or_else(|| PathBuf::from(program));
        run(Command::new(&self.ip)
            .args(["netns", "exec", ns])
            .arg(program)
            .args(args))
    }

    /// A command that runs `program` inside namespace `ns` (or here, for
    /// `None`); `ip netns exec` execs it, so the child's pid is the program's.
    pub fn command(&self, ns: Option<&str>, program: &Path) -> Command {
        match ns {
            Some(ns) => {
                let mut c = Command::new(&self.ip);
                c.args(["netns", "exec", ns]).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    /// Keeps `child` to be killed when the lab goes.
    pub fn track(&self, child: Child) -> Arc<Mutex<Child>> {
        let child = Arc::new(Mutex::new(child));
        self.children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child.clone());
        child
    }

    /// Caps what client `i` sends at `kbit` kbit/s (tbf on its veth egress).
    pub fn rate_cap(&self, i: usize, kbit: u32) {
        let ns = self.client_ns(i);
        let dev = self.client_if(i);
        self.exec(
            &ns,
            "tc",
            &[
                "qdisc",
                "replace",
                "dev",
                &dev,
                "root",
                "tbf",
                "rate",
                &format!("{kbit}kbit"),
                "burst",
                "32kbit",
                "latency",
                "100ms",
            ],
        );
    }

    /// Drops, at random, `percent` % of the packets client `i` receives
    /// from `from` (UDP or TCP: ICE may pick a TCP candidate pair), or of all
    /// the UDP packets it receives for `None`. nftables netdev ingress: an
    /// egress drop would be an EPERM to the sender instead of a loss.
    pub fn ingress_loss(&self, i: usize, percent: u32, from: Option<&str>) {
        let only = match from {
            Some(addr) => format!("ip saddr {addr}"),
            None => "meta l4proto udp".to_owned(),
        };
        self.ingress_rule(
            i,
            &format!("{only} numgen random mod 100 < {percent} counter drop comment \"loss\""),
        );
    }

    /// Counts the packets of `protocol` (`udp`, `tcp`) client `i` receives
    /// from `addr` (see [`Lab::counter`]).
    pub fn count_from(&self, i: usize, addr: &str, protocol: &str, name: &str) {
        self.ingress_rule(
            i,
            &format!("ip saddr {addr} meta l4proto {protocol} counter comment \"{name}\""),
        );
    }

    /// Drops every UDP packet client `i` receives from `addr`.
    pub fn block_udp_from(&self, i: usize, addr: &str) {
        self.ingress_rule(
            i,
            &format!("ip saddr {addr} meta l4proto udp counter drop comment \"block\""),
        );
    }

    /// Drops every UDP packet client `i` receives (counted as `no-udp`):
    /// a network where only TCP gets through.
    pub fn block_all_udp(&self, i: usize) {
        self.ingress_rule(i, "meta l4proto udp counter drop comment \"no-udp\"");
    }

    fn ingress_rule(&self, i: usize, rule: &str) {
        let ns = self.client_ns(i);
        let dev = self.client_if(i);
        let listed = self.exec(&ns, "nft", &["list", "tables"]);
        if !listed.contains(NFT_TABLE) {
            self.exec(&ns, "nft", &["add", "table", "netdev", NFT_TABLE]);
            self.exec(
                &ns,
                "nft",
                &[
                    "add",
                    "chain",
                    "netdev",
                    NFT_TABLE,
                    "in",
                    &format!(
                        "{{ type filter hook ingress device \"{dev}\" priority 0; policy accept; }}"
                    ),
                ],
            );
        }
        // nft joins its arguments with spaces and parses the whole.
        let mut args = vec!["add", "rule", "netdev", NFT_TABLE, "in"];
        args.extend(rule.split(' '));
        self.exec(&ns, "nft", &args);
    }

    /// Packets counted by client `i`'s ingress rule commented `name`.
    pub fn counter(&self, i: usize, name: &str) -> u64 {
        let ns = self.client_ns(i);
        let listed = self.exec(&ns, "nft", &["list", "chain", "netdev", NFT_TABLE, "in"]);
        listed
            .lines()
            .find(|l| l.contains(&format!("comment \"{name}\"")))
            .and_then(|l| {
                let mut words = l.split_whitespace();
                words.find(|w| *w == "packets")?;
                words.next()?.parse().ok()
            })
            .unwrap_or(0)
    }

    /// Removes client `i`'s ingress rule commented `name` (the loss of
    /// [`Lab::ingress_loss`] is `loss`): from now on it neither drops nor
    /// counts. Panics when there is no such rule.
    pub fn remove_rule(&self, i: usize, name: &str) {
        let ns = self.client_ns(i);
        let listed = self.exec(
            &ns,
            "nft",
            &["-a", "list", "chain", "netdev", NFT_TABLE, "in"],
        );
        let handle = listed
            .lines()
            .find(|l| l.contains(&format!("comment \"{name}\"")))
            .and_then(|l| l.rsplit_once("# handle "))
            .map(|(_, h)| h.trim().to_owned())
            .unwrap_or_else(|| panic!("no rule {name} on client {i}:\n{listed}"));
        self.exec(
            &ns,
            "nft",
            &[
                "delete", "rule", "netdev", NFT_TABLE, "in", "handle", &handle,
            ],
        );
    }

    /// `tc -s qdisc` of client `i`'s interface (sent, dropped, overlimits).
    pub fn qdisc_stats(&self, i: usize) -> String {
        let ns = self.client_ns(i);
        let dev = self.client_if(i);
        self.exec(&ns, "tc", &["-s", "qdisc", "show", "dev", &dev])
    }

    /// Takes client `i`'s link down or up.
    pub fn link(&self, i: usize, up: bool) {
        let ns = self.client_ns(i);
        let dev = self.client_if(i);
        self.ip(&[
            "-n",
            &ns,
            "link",
            "set",
            &dev,
            if up { "up" } else { "down" },
        ]);
    }
}

/// Client `i`'s address.
pub fn client_addr(i: usize) -> String {
    format!("10.77.0.{}", 10 + i)
}

fn run(cmd: &mut Command) -> String {
    let out: Output = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} did not start: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kills what runs in `ns` and deletes it.
fn delete_namespace(ip: &Path, ns: &str) {
    if let Ok(out) = Command::new(ip).args(["netns", "pids", ns]).output() {
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = Command::new("kill").args(["-9", pid]).status();
        }
    }
    let _ = Command::new(ip)
        .args(["netns", "del", ns])
        .stderr(Stdio::null())
        .status();
}

/// Deletes the namespaces of labs whose process is gone.
fn clean_stale(ip: &Path) {
    let Ok(out) = Command::new(ip).args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(ns) = line.split_whitespace().next() else {
            continue;
        };
        let Some(pid) = ns
            .strip_prefix(NS_PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new(&format!("/proc/{pid}")).exists() {
            delete_namespace(ip, ns);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let children =
            std::mem::take(&mut *self.children.lock().unwrap_or_else(|e| e.into_inner()));
        for child in children {
            let mut child = child.lock().unwrap_or_else(|e| e.into_inner());
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        for ns in self.namespaces.iter().rev() {
            delete_namespace(&self.ip, ns);
        }
        // `MULAQAT_LAB_KEEP=1` keeps a passing scenario's files too, to
        // compare its logs with a failing run's.
        let keep = std::env::var_os("MULAQAT_LAB_KEEP").is_some_and(|v| v == "1");
        if (keep || std::thread::panicking())
            && let Some(dir) = self.dir.take()
        {
            eprintln!("lab files kept in {}", dir.keep().display());
        }
    }
}
