//! A peer's ICE candidates named by mDNS (`<uuid>.local`), which the
//! engine resolves itself before `webrtcbin` sees them.
//!
//! Browsers hide their host addresses behind random `.local` names. Given
//! one, GStreamer 1.22's ICE agent (`webrtcnice`) starts an asynchronous
//! lookup whose answer is delivered on GLib's global default main context,
//! which only a process running a GLib main loop (a GTK application)
//! dispatches. In `mulaqat-cli`, and in tests, the answer never came, and
//! the pending lookup held the agent for the life of the process, with its
//! sockets and its threads: each connection given such a candidate left
//! two threads and about thirteen sockets behind. So the engine looks the
//! name up with the system resolver (which asks mDNS where nss-mdns is
//! installed) and gives `webrtcbin` the candidate with the address, or
//! nothing when the name does not resolve.

use std::net::{IpAddr, ToSocketAddrs};

/// The connection address is the fifth field of a candidate
/// (`candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...`).
const ADDRESS_FIELD: usize = 4;

/// The mDNS name a candidate gives as its address, if it gives one.
pub(crate) fn hostname(candidate: &str) -> Option<&str> {
    let address = candidate.split(' ').nth(ADDRESS_FIELD)?;
    let (name, suffix) = address.rsplit_once('.')?;
    (!name.is_empty() && suffix.eq_ignore_ascii_case("local")).then_some(address)
}

/// `candidate` with its address replaced by `address`.
pub(crate) fn with_address(candidate: &str, address: IpAddr) -> Option<String> {
    let mut fields: Vec<&str> = candidate.split(' ').collect();
    let address = address.to_string();
    *fields.get_mut(ADDRESS_FIELD)? = &address;
    Some(fields.join(" "))
}

/// The address the system resolver gives `hostname`, IPv4 first (what a
/// host candidate of ours is likely to reach), if any.
pub(crate) fn resolve(hostname: &str) -> Option<IpAddr> {
    let addresses: Vec<IpAddr> = (hostname, 9)
        .to_socket_addrs()
        .ok()?
        .map(|a| a.ip())
        .collect();
    addresses
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
}

/// Takes the candidates that give an mDNS name out of `sdp`'s media
/// sections (a description may carry candidates besides the trickled
/// ones): each with the index of its section, as `candidate:...`.
pub(crate) fn take_from_sdp(sdp: &mut gst_sdp::SDPMessageRef) -> Vec<(u32, String)> {
    let mut taken = Vec::new();
    for index in 0..sdp.medias_len() {
        let Some(media) = sdp.media_mut(index) else {
            continue;
        };
        let mut found = Vec::new();
        // From the last, so that removing one leaves the others' places.
        for at in (0..media.attributes_len()).rev() {
            let Some(candidate) = media
                .attribute(at)
                .filter(|a| a.key() == "candidate")
                .and_then(|a| a.value())
                .map(|value| format!("candidate:{value}"))
            else {
                continue;
            };
            if hostname(&candidate).is_some() && media.remove_attribute(at).is_ok() {
                found.push((index, candidate));
            }
        }
        taken.extend(found.into_iter().rev());
    }
    taken
}

#[cfg(test)]
mod tests;
