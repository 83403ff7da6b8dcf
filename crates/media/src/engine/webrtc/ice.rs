//! ICE servers in the form `webrtcbin` takes them.

use gst::prelude::*;

use crate::types::IceServer;

/// webrtcbin wants `stun://host:port` and `turn://user:pass@host:port?transport=...`.
pub(crate) fn webrtcbin_url(
    url: &str,
    username: Option<&str>,
    credential: Option<&str>,
) -> Option<String> {
    let (scheme, rest) = url.split_once(':')?;
    let rest = rest.trim_start_matches("//");
    match scheme {
        "stun" | "stuns" => Some(format!("{scheme}://{rest}")),
        "turn" | "turns" => {
            let enc = |s: &str| -> String {
                s.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                            char::from(b).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect()
            };
            let user = enc(username.unwrap_or(""));
            let pass = enc(credential.unwrap_or(""));
            Some(format!("{scheme}://{user}:{pass}@{rest}"))
        }
        _ => None,
    }
}

pub(crate) fn configure_ice_servers(webrtcbin: &gst::Element, servers: &[IceServer]) {
    for server in servers {
        for url in &server.urls {
            let Some(converted) = webrtcbin_url(
                url,
                server.username.as_deref(),
                server.credential.as_deref(),
            ) else {
                tracing::warn!("ignoring ICE server URL of unknown kind");
                continue;
            };
            if converted.starts_with("stun") {
                webrtcbin.set_property("stun-server", &converted);
            } else {
                let added = webrtcbin.emit_by_name::<bool>("add-turn-server", &[&converted]);
                if !added {
                    tracing::warn!("webrtcbin refused a TURN server URL");
                }
            }
        }
    }
}

/// Gathers no TCP host candidates: media goes directly over UDP, or
/// through TURN (over UDP, TCP or TLS) where UDP cannot pass.
///
/// libnice (regular nomination, as `webrtcbin` runs it) nominates the first
/// host-to-host pair whose check succeeds, whatever its priority. On a lossy
/// link the first UDP check can be lost while a TCP pair's succeeds, and the
/// call then runs over TCP for its whole life: each lost packet holds back
/// every packet behind it until it is resent, and the loss the congestion
/// controller and the recovery should see is hidden as delay. The lab's
/// `loss-5` caught it: 9 UDP packets in two minutes, the rest over TCP.
/// Networks that block UDP are served by TURN over TCP or TLS (port 443).
pub(crate) fn gather_no_tcp_host_candidates(webrtcbin: &gst::Element) {
    let agent = webrtcbin.property::<gst::Object>("ice-agent");
    if agent.has_property_with_type("ice-tcp", bool::static_type()) {
        agent.set_property("ice-tcp", false);
    } else {
        tracing::warn!("the ICE agent has no ice-tcp switch; TCP host candidates stay on");
    }
}
