//! Calls between real processes (issue #4): three participants and one
//! leaving; the lobby with a station that admits and denies; a server killed
//! and restarted mid-call; relay-only through coturn, and expired TURN
//! credentials; a capped, lossy link.
//!
//! The scenarios are grouped by what they exercise: `membership` (joining,
//! leaving, the lobby), `restart` (the server killed mid-call), `relay`
//! (TURN) and `lossy` (a capped, lossy link); the helpers here are shared
//! with the other scenario modules.

mod lossy;
mod membership;
mod relay;
mod restart;

use std::time::Duration;

use crate::netns::Lab;
use crate::procs::{Bins, Client};

pub(crate) use lossy::video_keeps_15_fps_at_360p_with_5_percent_loss_and_a_1_mbit_cap;
pub(crate) use membership::{
    a_station_admits_the_allowed_guest_from_the_lobby_and_denies_others,
    three_participants_each_receive_two_videos_and_see_one_leave,
};
pub(crate) use relay::relay_only_calls_connect_through_coturn_and_fail_clearly_with_expired_credentials;
pub(crate) use restart::a_call_resumes_after_the_server_is_killed_and_restarted;

/// Rooms a host opens are meetings: guests enter without a lobby.
pub(crate) const MEETING: &str = "[rooms]\ndefault_kind = \"meeting\"\n";

/// A `join` in client namespace `i`.
pub(crate) fn join(
    lab: &Lab,
    bins: &Bins,
    i: usize,
    link: &str,
    name: &str,
    args: &[&str],
) -> Client {
    Client::start(
        Some(lab),
        Some(i),
        lab.dir(),
        bins,
        "join",
        link,
        name,
        args,
    )
}

pub(crate) fn reports(clients: &[&Client]) -> String {
    clients.iter().map(|c| c.report()).collect()
}

pub(crate) fn exit_code(client: &Client, timeout: Duration) -> Option<i32> {
    client.proc.wait_exit(timeout).and_then(|s| s.code())
}

pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
