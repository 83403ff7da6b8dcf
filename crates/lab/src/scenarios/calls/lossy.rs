//! Video over a capped, lossy link.

use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use super::{MEETING, join, median, reports};
use crate::netns::{Lab, client_addr};
use crate::procs::{Bins, Server, Stats, fps, frames};
use crate::scenarios::round1;
use crate::{Figures, figures};

/// One read of the receiver's stats in the impaired scenario.
struct Sample {
    /// Seconds since the receiver started.
    t: u64,
    /// The `fps` the stats report.
    reported: f64,
    /// framesReceived growth per second since the previous read.
    grown: Option<f64>,
    /// The sender's entry.
    video: serde_json::Value,
}

impl Sample {
    fn line(&self) -> String {
        let v = &self.video["video"];
        format!(
            "  t={:>2}s fps={:.1} (frames grew {}/s) frames={} {}x{} packets={} lost={} \
             bitrate={:.0} kbit/s freezes={}\n",
            self.t,
            self.reported,
            self.grown
                .map_or_else(|| "?".to_owned(), |g| format!("{g:.1}")),
            frames(&self.video),
            v["width"],
            v["height"],
            v["packetsReceived"],
            v["packetsLost"],
            v["bitrateKbps"].as_f64().unwrap_or(0.0),
            v["freezeCount"]
        )
    }
}

/// 5% loss from the sender and a 1 Mbit/s cap on what it sends: the
/// receiver decodes at least 15 frames a second. This was bimodal (half the
/// runs collapsed to 2-13 fps) until a receiver whose picture stalls asks
/// for a keyframe once a second (`TrackCounters::ask_keyframe_if_stalled`),
/// then 15.5-30 fps; 30 since lost packets are retransmitted
/// (`engine/retransmission.rs`). The receiver's stats also report the audio
/// lost (about 5%: audio is not retransmitted).
pub(crate) fn video_keeps_15_fps_at_360p_with_5_percent_loss_and_a_1_mbit_cap(
    bins: &Bins,
) -> Figures {
    let lab = &Lab::new(2);
    lab.rate_cap(1, 1000);
    // Every packet from the sender, UDP or TCP (ICE may pick either); the
    // server's (signalling) are spared. Counted first, so that the counts
    // are of what arrived before the loss rule.
    lab.count_from(2, &client_addr(1), "udp", "udp");
    lab.count_from(2, &client_addr(1), "tcp", "tcp");
    lab.ingress_loss(2, 5, Some(&client_addr(1)));
    let server = Server::start(Some(lab), lab.dir(), bins, MEETING);
    let host = server.link("ward-2", "host", "1h");
    let guest = server.link("ward-2", "guest", "1h");
    let args = ["--quality", "360p", "--duration", "20s"];
    let sender = join(lab, bins, 1, &host, "Sender", &args);
    let receiver = join(lab, bins, 2, &guest, "Receiver", &args);

    // Every 2 s after the first 6 s: the fps the receiver's stats report
    // for the sender's video, and the rate its framesReceived grew at since
    // the previous read (over the times the file was written).
    let mut samples: Vec<Sample> = Vec::new();
    let mut previous: Option<(u64, SystemTime)> = None;
    let mut at = receiver.proc.started + Duration::from_secs(4);
    while at < receiver.proc.started + Duration::from_millis(19_500) {
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        let t = at.duration_since(receiver.proc.started).as_secs();
        at += Duration::from_secs(2);
        let Some((stats, written)) = Stats::read_timed(&receiver.stats) else {
            continue;
        };
        let video = stats
            .present()
            .into_iter()
            .find(|(_, r)| r["name"] == "Sender" || frames(r) > 0)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        let grown = previous.and_then(|(n, when)| {
            let secs = written.duration_since(when).ok()?.as_secs_f64();
            (secs > 0.5).then(|| frames(&video).saturating_sub(n) as f64 / secs)
        });
        previous = Some((frames(&video), written));
        if t >= 6 {
            samples.push(Sample {
                t,
                reported: fps(&video).unwrap_or(0.0),
                grown,
                video,
            });
        }
    }
    let median_reported = median(&mut samples.iter().map(|s| s.reported).collect::<Vec<_>>());
    let median_grown = median(&mut samples.iter().filter_map(|s| s.grown).collect::<Vec<_>>());
    let table: String = samples.iter().map(Sample::line).collect();
    let dropped = lab.counter(2, "loss");
    let (udp, tcp) = (lab.counter(2, "udp"), lab.counter(2, "tcp"));
    for c in [&sender, &receiver] {
        let _ = c.proc.wait_exit(Duration::from_secs(10));
    }
    let sent = sender
        .stats()
        .map(|s| s.0["sent"].to_string())
        .unwrap_or_default();
    let context = format!(
        "{table}nft dropped {dropped} of {udp} UDP and {tcp} TCP packets from the sender; \
         sender's tbf: {}\nsender sent: {sent}\n{}",
        lab.qdisc_stats(1),
        reports(&[&receiver, &sender])
    );
    assert!(
        samples.len() >= 5 && median_grown >= 15.0,
        "expected the receiver to decode at least 15 frames a second of the sender's video \
         (median of framesReceived growth between reads every 2 s after 6 s) with 5% loss and a \
         1 Mbit/s cap; median {median_grown:.1}\n{context}"
    );
    assert!(
        median_reported >= 15.0,
        "expected the receiver's stats to report a video fps of at least 15 (median of the `fps` \
         read every 2 s after 6 s), as the frames decoded show ({median_grown:.1}/s); median \
         reported {median_reported:.1}. If `packetsReceived` and `bitrateKbps` are tiny in these \
         samples, the entry is a retransmission (RTX) stream's, written over the video's\n{context}"
    );
    // Audio is not retransmitted: about 5% of it is lost, and the stats
    // (what the app's network indicator reads) must say so.
    let audio = receiver
        .stats()
        .map(|s| crate::scenarios::impaired::other(&s)["audio"].clone())
        .unwrap_or_default();
    let lost = audio["packetsLost"].as_f64().unwrap_or(0.0);
    let received = audio["packetsReceived"].as_f64().unwrap_or(0.0);
    let audio_lost_percent = 100.0 * lost / (lost + received).max(1.0);
    assert!(
        (2.0..=9.0).contains(&audio_lost_percent),
        "expected the receiver's stats to report 2-9% of the sender's audio lost (5% is \
         dropped, audio is not retransmitted); they report {lost} lost and {received} \
         received\n{context}"
    );
    drop(server);
    figures([
        ("audioLostPercent", json!(round1(audio_lost_percent))),
        ("medianFpsReported", json!(round1(median_reported))),
        ("medianFpsDecoded", json!(round1(median_grown))),
        ("samples", json!(samples.len())),
        ("lossDropped", json!(dropped)),
        ("udpFromSender", json!(udp)),
        ("tcpFromSender", json!(tcp)),
    ])
}
