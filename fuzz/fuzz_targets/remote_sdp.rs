//! Any remote description: the engine's check never panics, and what it
//! accepts names a well-formed SHA-256 certificate fingerprint.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(remote) = mulaqat_media::check_remote_sdp(text) {
        assert_eq!(remote.fingerprint.len(), 95, "32 hex pairs and 31 colons");
        assert!(
            remote.fingerprint.split(':').all(|p| p.len() == 2),
            "{}",
            remote.fingerprint
        );
    }
});
