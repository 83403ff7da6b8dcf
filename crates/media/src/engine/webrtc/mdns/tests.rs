use super::*;

const HIDDEN: &str = "candidate:3027379487 1 udp 2113937151 7f1e8a5c-3b2d-4e6f-9a0b-1c2d3e4f5a6b.local 54321 typ host generation 0";
const PLAIN: &str = "candidate:1 1 UDP 2015363327 192.0.2.7 40000 typ host";

#[test]
fn an_mdns_name_is_found_in_the_address_field_only() {
    assert_eq!(
        hostname(HIDDEN),
        Some("7f1e8a5c-3b2d-4e6f-9a0b-1c2d3e4f5a6b.local")
    );
    assert!(hostname(&HIDDEN.replace(".local", ".LOCAL")).is_some());
    assert_eq!(hostname(PLAIN), None);
    assert_eq!(
        hostname("candidate:1 1 UDP 2015363327 .local 1 typ host"),
        None
    );
    // A relay candidate whose related address (raddr) is a name is not one.
    assert_eq!(
        hostname("candidate:2 1 UDP 1 203.0.113.9 3478 typ relay raddr x.local rport 9"),
        None
    );
    assert_eq!(hostname(""), None);
}

#[test]
fn the_resolved_address_takes_the_names_place() {
    let v4: IpAddr = "192.0.2.44".parse().expect("address");
    assert_eq!(
        with_address(HIDDEN, v4).as_deref(),
        Some("candidate:3027379487 1 udp 2113937151 192.0.2.44 54321 typ host generation 0")
    );
    let v6: IpAddr = "2001:db8::5".parse().expect("address");
    assert_eq!(
        with_address(HIDDEN, v6).and_then(|c| hostname(&c).map(str::to_owned)),
        None
    );
    assert_eq!(with_address("candidate:1 1", v4), None);
}

#[test]
fn names_resolve_through_the_system_resolver_and_unknown_ones_do_not() {
    assert_eq!(resolve("localhost").map(|a| a.is_loopback()), Some(true));
    assert_eq!(
        resolve("7f1e8a5c-3b2d-4e6f-9a0b-1c2d3e4f5a6b.invalid"),
        None
    );
}

#[test]
fn candidates_with_mdns_names_are_taken_out_of_a_description() {
    crate::init().expect("gst");
    let text = format!(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n\
         a={}\r\na={PLAIN}\r\na=rtpmap:96 VP8/90000\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n\
         a={}\r\na={}\r\n",
        HIDDEN,
        HIDDEN.replace("54321", "54322"),
        HIDDEN.replace("54321", "54323"),
    );
    let mut sdp = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("parses");
    let taken = take_from_sdp(&mut sdp);
    assert_eq!(
        taken,
        vec![
            (0, HIDDEN.to_owned()),
            (1, HIDDEN.replace("54321", "54322")),
            (1, HIDDEN.replace("54321", "54323")),
        ]
    );
    let left: Vec<String> = sdp
        .medias()
        .flat_map(|m| {
            m.attributes()
                .filter(|a| a.key() == "candidate")
                .filter_map(|a| a.value().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(left, [PLAIN.trim_start_matches("candidate:")]);
    assert!(
        sdp.medias()
            .next()
            .is_some_and(|m| m.attribute_val("rtpmap").is_some())
    );
}
