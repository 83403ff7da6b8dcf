//! Quality names as people and command lines write them.

use super::*;

#[test]
fn every_quality_reads_back_from_its_name() {
    for quality in Quality::ALL {
        assert_eq!(quality.to_string().parse::<Quality>(), Ok(quality));
    }
    assert_eq!("4K".parse::<Quality>(), Ok(Quality::P2160));
    assert_eq!(" 1080P ".parse::<Quality>(), Ok(Quality::P1080));
    let refused = "480p".parse::<Quality>().unwrap_err().to_string();
    assert!(refused.contains("360p, 720p, 1080p or 2160p"), "{refused}");
}
