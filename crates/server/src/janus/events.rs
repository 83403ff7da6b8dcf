//! Janus's events for one participant's session read into what they mean
//! for the client and the pool, and the client's ICE candidates written the
//! way Janus wants them. Pure functions, tested without Janus.

use mulaqat_protocol::{IceCandidate, SfuTarget};
use serde_json::{Value, json};

/// Where a Janus event of a participant's session goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mapped {
    /// A candidate of Janus's side, for the client.
    Candidate(SfuTarget, IceCandidate),
    /// A feed ended (Janus publisher id).
    FeedGone(u64),
    /// A publisher started or stopped talking.
    Talking(u64, bool),
    /// The session is gone on Janus.
    SessionGone,
    /// Nothing to do.
    Ignore,
}

/// Maps one Janus event to what it means for us. `target_of` names the
/// publication or subscription of a handle, `own_feed` a handle's feed.
pub(super) fn map_event(
    event: &Value,
    target_of: impl Fn(u64) -> Option<SfuTarget>,
    own_feed: impl Fn(u64) -> Option<u64>,
) -> Vec<Mapped> {
    let sender = event.get("sender").and_then(Value::as_u64);
    match event.get("janus").and_then(Value::as_str) {
        Some("trickle") => {
            let Some(target) = sender.and_then(&target_of) else {
                return vec![Mapped::Ignore];
            };
            let c = event.get("candidate").cloned().unwrap_or(Value::Null);
            let candidate = if c.get("completed").and_then(Value::as_bool) == Some(true) {
                IceCandidate {
                    candidate: String::new(),
                    sdp_mid: None,
                    sdp_m_line_index: None,
                }
            } else {
                IceCandidate {
                    candidate: c
                        .get("candidate")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    sdp_mid: c.get("sdpMid").and_then(Value::as_str).map(str::to_owned),
                    sdp_m_line_index: c
                        .get("sdpMLineIndex")
                        .and_then(Value::as_u64)
                        .and_then(|i| u32::try_from(i).ok()),
                }
            };
            vec![Mapped::Candidate(target, candidate)]
        }
        Some("hangup") => match sender.and_then(own_feed) {
            Some(feed) => vec![Mapped::FeedGone(feed)],
            None => vec![Mapped::Ignore],
        },
        Some("timeout") => vec![Mapped::SessionGone],
        Some("event") => {
            let Some(data) = event.pointer("/plugindata/data") else {
                return vec![Mapped::Ignore];
            };
            let mut out = Vec::new();
            match data.get("videoroom").and_then(Value::as_str) {
                Some("talking") | Some("stopped-talking") => {
                    let talking = data.get("videoroom").and_then(Value::as_str) == Some("talking");
                    if let Some(id) = data.get("id").and_then(Value::as_u64) {
                        out.push(Mapped::Talking(id, talking));
                    }
                }
                _ => {
                    for key in ["unpublished", "leaving"] {
                        if let Some(id) = data.get(key).and_then(Value::as_u64) {
                            out.push(Mapped::FeedGone(id));
                        }
                    }
                }
            }
            if out.is_empty() {
                out.push(Mapped::Ignore);
            }
            out
        }
        _ => vec![Mapped::Ignore],
    }
}

pub(super) fn candidate_json(c: &IceCandidate) -> Value {
    if c.candidate.is_empty() {
        return json!({"completed": true});
    }
    let mut v = json!({"candidate": c.candidate});
    if let Some(mid) = &c.sdp_mid {
        v["sdpMid"] = json!(mid);
    }
    if let Some(i) = c.sdp_m_line_index {
        v["sdpMLineIndex"] = json!(i);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn janus_events_become_candidates_feeds_and_talking() {
        let trickle = json!({"janus": "trickle", "session_id": 1, "sender": 7,
            "candidate": {"sdpMid": "0", "sdpMLineIndex": 0, "candidate": "candidate:1 1 udp 1 10.0.0.1 20000 typ host"}});
        let target = |h: u64| (h == 7).then_some(SfuTarget::Subscription(2));
        let none = |_: u64| None::<SfuTarget>;
        let no_feed = |_: u64| None::<u64>;
        let m = map_event(&trickle, target, no_feed);
        assert!(
            matches!(&m[..], [Mapped::Candidate(SfuTarget::Subscription(2), c)]
            if c.candidate.starts_with("candidate:1") && c.sdp_m_line_index == Some(0))
        );

        let done = json!({"janus": "trickle", "sender": 7, "candidate": {"completed": true}});
        let m = map_event(&done, target, no_feed);
        assert!(matches!(&m[..], [Mapped::Candidate(_, c)] if c.candidate.is_empty()));

        let unpublished = json!({"janus": "event", "sender": 7, "plugindata": {"plugin": "janus.plugin.videoroom",
            "data": {"videoroom": "event", "room": 5, "unpublished": 99}}});
        assert_eq!(
            map_event(&unpublished, none, no_feed),
            vec![Mapped::FeedGone(99)]
        );
        let own = json!({"janus": "event", "plugindata": {"data": {"videoroom": "event", "unpublished": "ok"}}});
        assert_eq!(map_event(&own, none, no_feed), vec![Mapped::Ignore]);

        let talking = json!({"janus": "event", "plugindata": {"data": {"videoroom": "talking", "room": 5, "id": 42, "audio-level-dBov-avg": -30.0}}});
        assert_eq!(
            map_event(&talking, none, no_feed),
            vec![Mapped::Talking(42, true)]
        );
        let stopped = json!({"janus": "event", "plugindata": {"data": {"videoroom": "stopped-talking", "id": 42}}});
        assert_eq!(
            map_event(&stopped, none, no_feed),
            vec![Mapped::Talking(42, false)]
        );

        let hangup = json!({"janus": "hangup", "sender": 3, "reason": "DTLS alert"});
        assert_eq!(
            map_event(&hangup, none, |h| (h == 3).then_some(11)),
            vec![Mapped::FeedGone(11)]
        );
        assert_eq!(
            map_event(&json!({"janus": "timeout", "session_id": 1}), none, no_feed),
            vec![Mapped::SessionGone]
        );
    }

    #[test]
    fn an_empty_candidate_tells_janus_that_gathering_is_complete() {
        let end = IceCandidate {
            candidate: String::new(),
            sdp_mid: None,
            sdp_m_line_index: None,
        };
        assert_eq!(candidate_json(&end), json!({"completed": true}));
        let c = IceCandidate {
            candidate: "candidate:x".into(),
            sdp_mid: Some("0".into()),
            sdp_m_line_index: Some(0),
        };
        assert_eq!(
            candidate_json(&c),
            json!({"candidate": "candidate:x", "sdpMid": "0", "sdpMLineIndex": 0})
        );
    }
}
