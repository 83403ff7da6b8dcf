//! The report and the checks that need no GStreamer.

use super::*;

#[test]
fn a_failed_check_fails_the_report_and_the_text_says_so() {
    let report = SelfTestReport {
        version: "1.2.3".into(),
        platform: "linux x86_64".into(),
        passed: false,
        checks: vec![
            check("gstreamer", "GStreamer", CheckStatus::Pass, "1.22.0".into()),
            check(
                "plugins",
                "GStreamer plugins",
                CheckStatus::Fail,
                "x".into(),
            ),
        ],
    };
    let text = report.to_text();
    assert!(text.contains("[PASS] GStreamer "), "{text}");
    assert!(text.contains("[FAIL] GStreamer plugins"), "{text}");
    assert!(
        text.contains("Result: FAIL (1 passed, 0 warnings, 1 failed)"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    assert_eq!(json["passed"], false);
    assert_eq!(json["checks"][1]["status"], "fail");
}

#[test]
fn the_window_drawing_check_says_what_the_app_does_on_this_machine() {
    use crate::webview::Machine;
    let no_gpu = check_webview(&Machine {
        render_nodes: 0,
        switch_set: false,
    });
    assert_eq!(no_gpu.status, CheckStatus::Pass);
    assert!(no_gpu.summary.contains("without accelerated compositing"));
    assert_eq!(no_gpu.data["compositingTurnedOff"], true);
    let gpu = check_webview(&Machine {
        render_nodes: 1,
        switch_set: false,
    });
    assert!(gpu.summary.contains("on the GPU"), "{}", gpu.summary);
    assert_eq!(gpu.data["compositingTurnedOff"], false);
    let set = check_webview(&Machine {
        render_nodes: 0,
        switch_set: true,
    });
    assert!(set.summary.contains("WEBKIT_DISABLE_COMPOSITING_MODE"));
    assert_eq!(set.data["compositingTurnedOff"], false);
}
