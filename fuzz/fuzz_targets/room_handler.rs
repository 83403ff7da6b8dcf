//! Sequences of frames from three connections into one room handler: no
//! panic, and a server that always answers a fresh host afterwards.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mulaqat_protocol::{ClientMsg, MediaState, Role, RoomId, ServerMsg, UnixMillis, decode_client};
use mulaqat_server::rooms::{ConnId, Handler, IceSettings, Input, RoomSettings};
use mulaqat_server::token::TokenSigner;

const NOW: UnixMillis = UnixMillis(1_800_000_000_000);

fuzz_target!(|data: &[u8]| {
    let signer = TokenSigner::new(b"fuzz-secret-fuzz-secret-fuzz-sec");
    let mut handler = Handler::new(RoomSettings::default(), signer.clone(), IceSettings::default());
    let room = RoomId::new("fuzz").expect("valid");
    // Three connections already greeted: host, guest, and one without a role yet.
    for (i, role) in [(1, Some(Role::Host)), (2, Some(Role::Guest)), (3, None)] {
        handler.handle(NOW, Input::Connected(ConnId(i)));
        if let Some(role) = role {
            let token = signer.issue(room.clone(), role, NOW, 3600);
            handler.handle(NOW, Input::Message(ConnId(i), ClientMsg::Hello { version: 1, token }));
        }
    }
    // Each input: first byte picks the connection and an action, the rest up to a newline is a frame.
    let mut now = NOW;
    for chunk in data.split(|b| *b == b'\n') {
        let Some((&head, frame)) = chunk.split_first() else { continue };
        let conn = ConnId(u64::from(head % 4));
        match head / 4 % 8 {
            0 => handler.handle(now, Input::Disconnected(conn)),
            1 => handler.handle(now, Input::Connected(conn)),
            2 => {
                now = now.plus_millis(u64::from(head) * 1000);
                handler.handle(now, Input::Tick);
            }
            _ => {
                let Ok(text) = std::str::from_utf8(frame) else { continue };
                if let Ok(msg) = decode_client(text, 64 * 1024) {
                    handler.handle(now, Input::Message(conn, msg));
                }
            }
        }
        while handler.poll_output().is_some() {}
    }
    // Whatever happened, a new host can still get in.
    let fresh = ConnId(99);
    handler.handle(now, Input::Connected(fresh));
    let token = signer.issue(RoomId::new("after").expect("valid"), Role::Host, now, 3600);
    handler.handle(now, Input::Message(fresh, ClientMsg::Hello { version: 1, token }));
    handler.handle(
        now,
        Input::Message(
            fresh,
            ClientMsg::Join {
                room: RoomId::new("after").expect("valid"),
                display_name: "Host".into(),
                role: None,
                resume: None,
                media: MediaState::default(),
            },
        ),
    );
    let mut welcomed = false;
    while let Some(out) = handler.poll_output() {
        if let mulaqat_server::rooms::Output::Send(ConnId(99), ServerMsg::Welcome { .. }) = out {
            welcomed = true;
        }
    }
    assert!(welcomed);
});
