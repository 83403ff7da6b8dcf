//! Any frame: parsing never panics, and what parses re-encodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mulaqat_protocol::{DEFAULT_MAX_MESSAGE_BYTES, decode_client, decode_server, encode, text};

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = std::str::from_utf8(data) else { return };
    if let Ok(msg) = decode_client(frame, DEFAULT_MAX_MESSAGE_BYTES) {
        let again = decode_client(&encode(&msg), usize::MAX).expect("re-encoded client message parses");
        assert_eq!(again, msg);
    }
    if let Ok(msg) = decode_server(frame, DEFAULT_MAX_MESSAGE_BYTES) {
        let again = decode_server(&encode(&msg), usize::MAX).expect("re-encoded server message parses");
        assert_eq!(again, msg);
    }
    let _ = text::display_name(frame, 64);
    let _ = text::chat_text(frame, 4000);
});
