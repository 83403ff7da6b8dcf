use super::*;

#[test]
fn a_clean_link_keeps_the_base_buffer() {
    assert_eq!(wanted_buffer_ms(40, 0.5, false, 2.0), 42);
    assert_eq!(wanted_buffer_ms(40, 0.0, false, 0.0), 40);
}

#[test]
fn jitter_and_loss_make_room_up_to_a_limit() {
    assert_eq!(wanted_buffer_ms(40, 20.0, false, 50.0), 120);
    assert_eq!(wanted_buffer_ms(40, 20.0, true, 100.0), 340);
    assert_eq!(
        wanted_buffer_ms(40, 1.0, true, 5.0),
        LOSSY_MIN_BUFFER_MS,
        "loss on a short round trip still waits for retransmissions"
    );
    assert_eq!(
        wanted_buffer_ms(40, 200.0, true, 500.0),
        MAX_JITTER_BUFFER_MS
    );
}
