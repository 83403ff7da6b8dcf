use super::*;

/// PEM framing around some bytes (not a real certificate: only the
/// framing and the hash of the bytes matter here).
const PEM: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBfjCCASWgAwIBAgIUYl8cxX1Pq0l0E8m0m3b7Hn1h3JgwCgYIKoZIzj0EAwIw\n\
FDESMBAGA1UEAwwJbXVsYXFhdC10MB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAw\n\
-----END CERTIFICATE-----\n";

fn sdp(fingerprint_line: &str) -> gst_sdp::SDPMessage {
    crate::init().expect("gst");
    let text = format!(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n{fingerprint_line}\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"
    );
    gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).expect("parses")
}

#[test]
fn the_sha256_fingerprint_is_read_and_normalised() {
    let hex = "ab:".repeat(31) + "cd";
    let sdp = sdp(&format!("a=fingerprint:sha-256 {hex}\r\n"));
    assert_eq!(expected_fingerprint(&sdp), Ok(hex.to_ascii_uppercase()));
}

#[test]
fn other_hashes_and_malformed_fingerprints_are_refused() {
    let sha1 = sdp(&format!(
        "a=fingerprint:sha-1 {}\r\n",
        "AB:".repeat(19) + "CD"
    ));
    assert!(expected_fingerprint(&sha1).unwrap_err().contains("sha-1"));
    let short = sdp("a=fingerprint:sha-256 AB:CD\r\n");
    assert!(expected_fingerprint(&short).is_err());
    let none = sdp("");
    assert!(expected_fingerprint(&none).is_err());
}

#[test]
fn a_pem_certificate_hashes_its_der_bytes() {
    let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    let want: Vec<String> = Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(pem_fingerprint(PEM), Some(want.join(":")));
    assert_eq!(pem_fingerprint("no certificate here"), None);
}
