use super::*;

#[test]
fn a_portal_screen_is_read_from_its_pipewire_node_and_none_says_so() {
    crate::init().expect("gstreamer");
    let src = source_element(&ScreenSource::Portal, (15, Some((7, 42))), "portal-src")
        .expect("pipewiresrc (gstreamer1.0-pipewire)");
    assert_eq!(
        src.factory().map(|f| f.name().to_string()).as_deref(),
        Some("pipewiresrc")
    );
    assert_eq!(src.property::<i32>("fd"), 7);
    // The node's id, where an id is taken (not `target-object`).
    assert_eq!(
        src.property::<Option<String>>("path").as_deref(),
        Some("42")
    );
    assert_eq!(src.property::<Option<String>>("target-object"), None);
    assert_eq!(src.property::<i32>("keepalive-time"), 1000);
    let err = source_element(&ScreenSource::Portal, (15, None), "portal-none").unwrap_err();
    assert!(err.to_string().contains("sharing dialog"), "{err}");
}
