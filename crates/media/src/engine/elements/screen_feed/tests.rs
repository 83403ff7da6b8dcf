use std::sync::Mutex;
use std::sync::mpsc;

use super::*;

/// The generated test screen at 360p, 15 fps, its feed in a call-like
/// pipeline ending in an appsink: the feed, that pipeline and its sink.
fn feed_in_a_call() -> (ScreenFeed, gst::Pipeline, gst_app::AppSink) {
    crate::init().expect("gstreamer");
    let feed = ScreenFeed::new(
        &ScreenSource::Test,
        (Quality::P360, 15),
        None,
        "test-screen",
    )
    .expect("the test screen");
    let call = gst::Pipeline::new();
    let sink = capture::latest_only_sink("call-sink", None).expect("appsink");
    call.add_many([feed.element(), sink.upcast_ref()])
        .expect("add");
    feed.element().link(&sink).expect("link");
    call.set_state(gst::State::Playing).expect("the call runs");
    (feed, call, sink)
}

/// Started, with a channel that gets what `started` and `lost` say.
fn start(feed: &ScreenFeed) -> mpsc::Receiver<Result<(), String>> {
    let (tx, rx) = mpsc::channel();
    let lost = Mutex::new(tx.clone());
    feed.start(
        &ScreenSource::Test,
        move |started| drop(tx.send(started.map_err(|(_, reason)| reason))),
        move |reason| drop(lost.lock().expect("lost").send(Err(reason))),
    )
    .expect("the capture's thread");
    rx
}

#[test]
fn a_started_capture_feeds_its_frames_into_the_call_stamped_on_its_clock() {
    let (feed, call, sink) = feed_in_a_call();
    // The call has run a second when the capture starts from zero.
    std::thread::sleep(Duration::from_secs(1));
    let said = start(&feed);
    assert_eq!(said.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
    let sample = sink
        .try_pull_sample(gst::ClockTime::from_seconds(5))
        .expect("a frame reaches the call");
    let info = sample
        .caps()
        .and_then(|caps| gst_video::VideoInfo::from_caps(caps).ok())
        .expect("video caps");
    assert_eq!((info.width(), info.height()), (640, 360));
    let pts = sample.buffer().and_then(|b| b.pts()).expect("stamped");
    let now = call
        .current_running_time()
        .expect("the call's running time");
    assert!(
        pts >= gst::ClockTime::from_mseconds(900) && pts <= now,
        "stamped on the call's clock: {pts}, the call at {now}"
    );
    drop(feed);
    call.set_state(gst::State::Null).expect("stop");
}

#[test]
fn a_capture_failing_while_it_runs_is_reported_once_as_lost() {
    let (feed, call, _sink) = feed_in_a_call();
    let said = start(&feed);
    assert_eq!(said.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
    let failure = gst::message::Error::builder(gst::ResourceError::Read, "the screen went away")
        .src(&feed.capture)
        .build();
    feed.capture.post_message(failure).expect("posted");
    assert_eq!(
        said.recv_timeout(Duration::from_secs(5)),
        Ok(Err("the screen went away".to_owned()))
    );
    assert!(
        said.recv_timeout(Duration::from_millis(500)).is_err(),
        "said once"
    );
    drop(feed);
    call.set_state(gst::State::Null).expect("stop");
}

#[test]
fn a_dropped_feed_stops_its_capture_and_says_nothing_more() {
    let (feed, call, _sink) = feed_in_a_call();
    let said = start(&feed);
    assert_eq!(said.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
    let capture = feed.capture.clone();
    drop(feed);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while capture.current_state() != gst::State::Null {
        assert!(std::time::Instant::now() < deadline, "the capture stops");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        matches!(
            said.recv_timeout(Duration::from_millis(500)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        ),
        "nothing more is said, and the capture's thread is gone"
    );
    call.set_state(gst::State::Null).expect("stop");
}
