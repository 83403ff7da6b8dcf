//! Every scenario of the lab, by name. `in_ci: false` marks the ones CI
//! does not run, with the reason beside them.

mod calls;
mod impaired;
mod loss;
mod outages;

use crate::Scenario;

/// `x` with one decimal, for figures.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// All of them, in the order CI runs them.
pub static SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "three-participants",
        about: "three participants each receive two videos at 360p, and see one leave",
        in_ci: true,
        tools: &[],
        run: calls::three_participants_each_receive_two_videos_and_see_one_leave,
    },
    Scenario {
        name: "lobby-station",
        about: "a station admits the allowed guest from the lobby and denies another",
        in_ci: true,
        tools: &[],
        run: calls::a_station_admits_the_allowed_guest_from_the_lobby_and_denies_others,
    },
    Scenario {
        name: "relay-only",
        about: "relay-only calls go through coturn; expired TURN credentials fail clearly; no secret in logs or stats",
        in_ci: true,
        tools: &["turnserver", "nft"],
        run:
            calls::relay_only_calls_connect_through_coturn_and_fail_clearly_with_expired_credentials,
    },
    Scenario {
        name: "loss-5",
        about: "5% loss both ways for two minutes at 360p: the call holds, video at 15 fps or more",
        in_ci: true,
        tools: &["nft"],
        run: loss::loss_5,
    },
    Scenario {
        name: "loss-10",
        about: "10% loss both ways for two minutes at 360p: 20 fps or more, no freeze over 2 s, 88% of audio arrives",
        in_ci: true,
        tools: &["nft"],
        run: loss::loss_10,
    },
    Scenario {
        name: "loss-20",
        about: "20% loss both ways for 40 s: the call holds, 75% of audio arrives, video moves within 5 s of the loss stopping",
        in_ci: true,
        tools: &["nft"],
        run: loss::loss_20,
    },
    Scenario {
        name: "loss-cap-jitter",
        about: "5% loss, a 1 Mbit/s cap and 40 ± 30 ms of jitter through TURN: video moves (10 fps or more), no freeze over 2 s",
        in_ci: true,
        tools: &["turnserver", "nft", "tc"],
        run: loss::loss_cap_jitter,
    },
    Scenario {
        name: "bandwidth-step",
        about: "2 Mbit/s, 300 kbit/s for a minute, 2 Mbit/s: the sender follows down and back up",
        in_ci: true,
        tools: &["tc"],
        run: impaired::bandwidth_step,
    },
    Scenario {
        name: "delay-turn",
        about: "150 ms ± 30 ms on the way to the TURN relay: no freeze longer than a second, the round trip reported",
        in_ci: true,
        tools: &["turnserver", "nft"],
        run: impaired::delay_through_turn,
    },
    Scenario {
        name: "udp-blocked",
        about: "no UDP reaches the participants: TURN over TCP, video within 5 s",
        in_ci: true,
        tools: &["turnserver", "nft"],
        run: impaired::udp_blocked,
    },
    Scenario {
        name: "link-down-5s",
        about: "a participant's link down for 5 s: video both ways again within 5 s of it coming back",
        in_ci: true,
        tools: &[],
        run: outages::link_down_short,
    },
    Scenario {
        name: "link-down-60s",
        about: "a link down for good: a clean 'connection lost', no media threads or sockets left",
        in_ci: true,
        tools: &[],
        run: outages::link_down_long,
    },
    Scenario {
        name: "soak",
        about: "20 minutes under 3% loss: memory grows less than 10%, descriptors flat",
        in_ci: false,
        tools: &["nft"],
        run: outages::soak,
    },
    Scenario {
        name: "server-restart",
        about: "a call resumes after the server is killed and started again",
        in_ci: true,
        tools: &[],
        run: calls::a_call_resumes_after_the_server_is_killed_and_restarted,
    },
    Scenario {
        name: "loss-5-capped",
        about: "video keeps 15 fps at 360p with 5% loss and a 1 Mbit/s cap",
        in_ci: true,
        tools: &["tc", "nft"],
        run: calls::video_keeps_15_fps_at_360p_with_5_percent_loss_and_a_1_mbit_cap,
    },
];
