use super::*;

fn block(ssrc: u32, lost: u8, lsr: u32, dlsr: u32) -> Vec<u8> {
    counted(ssrc, lost, (7, 1234), (lsr, dlsr))
}

/// A block with its cumulative loss and highest sequence number.
fn counted(ssrc: u32, lost: u8, (total, highest): (i32, u32), (lsr, dlsr): (u32, u32)) -> Vec<u8> {
    let mut b = ssrc.to_be_bytes().to_vec();
    b.push(lost);
    b.extend(&total.to_be_bytes()[1..]);
    b.extend(highest.to_be_bytes());
    b.extend(3u32.to_be_bytes()); // Jitter.
    b.extend(lsr.to_be_bytes());
    b.extend(dlsr.to_be_bytes());
    b
}

fn packet(kind: u8, blocks: &[Vec<u8>], extra: usize) -> Vec<u8> {
    let count = u8::try_from(blocks.len()).unwrap_or(0);
    let mut body = 0xdead_beefu32.to_be_bytes().to_vec(); // Sender SSRC.
    if kind == SENDER_REPORT {
        body.extend([0u8; SENDER_INFO_LEN]);
    }
    blocks.iter().for_each(|b| body.extend(b));
    body.extend(vec![0u8; extra]);
    let words = u16::try_from(body.len() / 4).unwrap_or(0);
    let mut p = vec![0x80 | count, kind];
    p.extend(words.to_be_bytes());
    p.extend(body);
    p
}

#[test]
fn blocks_come_from_sender_and_receiver_reports_of_a_compound_packet() {
    let mut data = packet(SENDER_REPORT, &[block(1, 13, 0, 0), block(2, 0, 5, 6)], 0);
    // An SDES (kind 202) with no blocks between them.
    data.extend(packet(202, &[], 8));
    data.extend(packet(RECEIVER_REPORT, &[block(3, 255, 9, 10)], 0));
    let blocks = report_blocks(&data);
    let ssrcs: Vec<u32> = blocks.iter().map(|b| b.ssrc).collect();
    assert_eq!(ssrcs, [1, 2, 3]);
    assert_eq!(blocks[0].fraction_lost, 13);
    assert_eq!((blocks[1].last_sr, blocks[1].delay_since_last_sr), (5, 6));
    assert_eq!(blocks[2].fraction_lost, 255);
}

#[test]
fn malformed_packets_end_the_walk_without_a_panic() {
    let good = packet(RECEIVER_REPORT, &[block(3, 26, 0, 0)], 0);
    for cut in 0..good.len() {
        let _ = report_blocks(&good[..cut]);
    }
    // A length running past the end, or a wrong version, stops there.
    let mut data = good.clone();
    data.extend([0x81, RECEIVER_REPORT, 0xff, 0xff]);
    assert_eq!(report_blocks(&data).len(), 1);
    let mut data = good.clone();
    data[0] = 0x41;
    assert!(report_blocks(&data).is_empty());
    // A count larger than the blocks present keeps those present.
    let mut data = good;
    data[0] = 0x85;
    assert_eq!(report_blocks(&data).len(), 1);
}

#[test]
fn the_round_trip_is_arrival_less_the_report_and_the_hold() {
    // Our report left at 100 s, the peer held it 0.25 s, it came back at 100.3 s.
    let sent = 100 << 16;
    let held = 1 << 14;
    let arrived = sent + (3 << 16) / 10;
    let rtt = round_trip_ms(arrived, sent, held).unwrap_or_default();
    assert!((rtt - 50.0).abs() < 0.1, "{rtt}");
    assert_eq!(round_trip_ms(arrived, 0, 0), None, "no report to echo");
    assert_eq!(round_trip_ms(sent, sent, held), None, "negative");
    // Across the 16-bit seconds wrap.
    let rtt = round_trip_ms(5 << 14, 0xffff_0000, 0).unwrap_or_default();
    assert!((rtt - 2250.0).abs() < 0.1, "{rtt}");
}

#[test]
fn the_loss_is_worked_out_from_the_counts_between_looks() {
    let reports = PeerReports::default();
    let take = |blocks: &[Vec<u8>]| {
        reports.take(report_blocks(&packet(RECEIVER_REPORT, blocks, 0)), 0);
    };
    take(&[
        counted(7, 0, (10, 1_000), (0, 0)),
        counted(8, 9, (0, 50), (0, 0)),
    ]);
    assert_eq!(reports.look(7).map(|r| r.fraction_lost), Some(0.0));
    assert_eq!(reports.look(9), None);
    // 200 packets later, 10 more lost; the peer's second block on the
    // stream says 0 lost "since its previous block", as GStreamer's do.
    take(&[counted(7, 12, (20, 1_200), (0, 0))]);
    take(&[counted(7, 0, (20, 1_200), (0, 0))]);
    assert_eq!(reports.look(7).map(|r| r.fraction_lost), Some(0.05));
    // No report since: the same loss again.
    assert_eq!(reports.look(7).map(|r| r.fraction_lost), Some(0.05));
    // A clean second, then duplicates making the count go down.
    take(&[counted(7, 0, (20, 1_300), (0, 0))]);
    assert_eq!(reports.look(7).map(|r| r.fraction_lost), Some(0.0));
    take(&[counted(7, 0, (-3, 1_400), (0, 0))]);
    assert_eq!(reports.look(7).map(|r| r.fraction_lost), Some(0.0));
}

#[test]
fn the_round_trip_is_kept_from_the_last_block_that_echoed_a_report() {
    let reports = PeerReports::default();
    let sent = 100 << 16;
    let echo = |lsr: u32| packet(RECEIVER_REPORT, &[counted(7, 0, (0, 1), (lsr, 0))], 0);
    reports.take(report_blocks(&echo(0)), sent);
    assert_eq!(reports.look(7).and_then(|r| r.rtt_ms), None);
    reports.take(report_blocks(&echo(sent)), sent + (1 << 16) / 10);
    reports.take(report_blocks(&echo(0)), sent + (1 << 16) / 5);
    let rtt = reports.look(7).and_then(|r| r.rtt_ms).unwrap_or_default();
    assert!((rtt - 100.0).abs() < 0.1, "{rtt}");
}

#[test]
fn negative_cumulative_loss_reads_as_negative() {
    let data = packet(RECEIVER_REPORT, &[counted(1, 0, (-2, 5), (0, 0))], 0);
    assert_eq!(report_blocks(&data)[0].cumulative_lost, -2);
    let data = packet(RECEIVER_REPORT, &[counted(1, 0, (0x7f_ffff, 5), (0, 0))], 0);
    assert_eq!(report_blocks(&data)[0].cumulative_lost, 0x7f_ffff);
}
