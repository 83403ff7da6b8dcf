//! The impaired network of one run: what `--impair SPEC` asks for, and
//! the lab set up so (see `impaired.rs` for what each key does), with the
//! counts that check the impairment was crossed.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use mulaqat_lab::coturn::{self, Coturn};
use mulaqat_lab::netns::{Lab, SERVER_ADDR, client_addr};
use mulaqat_lab::netsim::Netsim;
use mulaqat_lab::procs::Bins;

/// What one `--impair` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impairment {
    /// % of the packets each client receives that are dropped.
    pub loss: u32,
    /// Each client's sending cap, kbit/s.
    pub rate_kbit: Option<u32>,
    /// Added on the way to the relay, ms; relay only when set.
    pub delay_ms: Option<u32>,
    pub jitter_ms: u32,
}

impl FromStr for Impairment {
    type Err = String;

    fn from_str(spec: &str) -> Result<Impairment, String> {
        let mut imp = Impairment::default();
        for part in spec.split(',') {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected KEY=VALUE"))?;
            let n: u32 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{part}`: not a whole number"))?;
            match key.trim() {
                "loss" if n <= 100 => imp.loss = n,
                "rate" if n > 0 => imp.rate_kbit = Some(n),
                "delay" => imp.delay_ms = Some(n),
                "jitter" => imp.jitter_ms = n,
                _ => {
                    return Err(format!(
                        "`{part}`: use loss=PERCENT (0-100), rate=KBIT, delay=MS, jitter=MS"
                    ));
                }
            }
        }
        if imp.jitter_ms > 0 && imp.delay_ms.is_none() {
            return Err("jitter needs a delay (delay=MS)".into());
        }
        if imp == Impairment::default() {
            return Err(format!("`{spec}` impairs nothing"));
        }
        Ok(imp)
    }
}

impl fmt::Display for Impairment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.loss > 0 {
            parts.push(format!("loss={}", self.loss));
        }
        if let Some(k) = self.rate_kbit {
            parts.push(format!("rate={k}"));
        }
        if let Some(d) = self.delay_ms {
            parts.push(format!("delay={d}"));
        }
        if self.jitter_ms > 0 {
            parts.push(format!("jitter={}", self.jitter_ms));
        }
        f.write_str(&parts.join(","))
    }
}

/// Where the delaying relay listens (coturn's own port is behind it).
const DELAYED_PORT: u16 = 3479;

/// coturn behind `mulaqat-netsim`, for a delay.
pub struct Relay {
    pub coturn: Coturn,
    pub netsim: Netsim,
    /// The URL clients are given: netsim's.
    pub url: String,
    secret: String,
}

impl Relay {
    /// The page's query for relay-only ICE through it, with coturn REST
    /// credentials (what `mulaqat-server` hands its clients) for `who`.
    pub fn query(&self, who: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let user = format!("{}:{who}", now + 3600);
        let password = mulaqat_server::turn::rest_password(self.secret.as_bytes(), &user);
        format!(
            "&turn={}&tu={}&tc={}",
            encode(&self.url),
            encode(&user),
            encode(&password)
        )
    }
}

/// Percent-encoding for a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Impairs both clients of `lab` as `imp` says; the relay when it delays.
/// Each client also counts the UDP packets that reach it from the other
/// side (before the loss rule), for the check.
pub fn impair(lab: &Lab, bins: &Bins, imp: &Impairment) -> Option<Relay> {
    let relay = imp.delay_ms.map(|delay| {
        let coturn = Coturn::start(lab);
        let netsim = Netsim::start(
            lab,
            bins,
            (
                &format!("{SERVER_ADDR}:{DELAYED_PORT}"),
                &format!("{SERVER_ADDR}:{}", coturn::PORT),
            ),
            delay,
            imp.jitter_ms,
        );
        let secret = std::fs::read_to_string(&coturn.secret_file).expect("the TURN secret");
        Relay {
            coturn,
            netsim,
            url: format!("turn:{SERVER_ADDR}:{DELAYED_PORT}?transport=udp"),
            secret,
        }
    });
    for (me, other) in [(1, 2), (2, 1)] {
        let peer = client_addr(other);
        // Relayed, the media comes from the server's address (and only
        // signalling comes over TCP from there).
        let from = if relay.is_some() {
            SERVER_ADDR
        } else {
            peer.as_str()
        };
        lab.count_from(me, from, "udp", "udp");
        if relay.is_some() {
            lab.block_udp_from(me, &peer);
        }
        if imp.loss > 0 {
            lab.ingress_loss(me, imp.loss, relay.is_none().then_some(from));
        }
        if let Some(kbit) = imp.rate_kbit {
            lab.rate_cap(me, kbit);
        }
    }
    relay
}

/// Per client: UDP packets from the other side that reached it, and those
/// the lab dropped, so far.
pub fn lab_counts(lab: &Lab) -> [(u64, u64); 2] {
    [1, 2].map(|i| (lab.counter(i, "udp"), lab.counter(i, "loss")))
}

pub fn lab_growth(before: [(u64, u64); 2], after: [(u64, u64); 2], k: usize) -> Option<(u64, u64)> {
    Some((
        after[k].0.checked_sub(before[k].0)?,
        after[k].1.checked_sub(before[k].1)?,
    ))
}

/// Packets netsim relayed between two of its tallies, and the mean delay
/// it added to them.
pub fn netsim_growth(before: Option<(u64, f64)>, after: Option<(u64, f64)>) -> Option<(u64, f64)> {
    let (p1, m1) = before.unwrap_or((0, 0.0));
    let (p2, m2) = after?;
    let n = p2.checked_sub(p1).filter(|n| *n > 0)?;
    Some((n, (p2 as f64 * m2 - p1 as f64 * m1) / n as f64))
}
