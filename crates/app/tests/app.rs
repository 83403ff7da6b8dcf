//! Two app backends in one process make a call the way two people would:
//! one starts a meeting on this computer's embedded server, the other joins
//! with the guest link; both see each other and receive video.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use mulaqat_app::ipc::{BrowserLinkNote, CallEvent, CallState, JoinTarget, QualityChoice};
use mulaqat_app::{App, AppConfig, AppEvent, CommandErrorCode};
use mulaqat_media::devices::TestDevices;
use mulaqat_settings::SettingsFile;
use tokio::sync::mpsc;

struct Person {
    app: App,
    events: mpsc::UnboundedReceiver<AppEvent>,
    _dir: tempfile::TempDir,
}

async fn person(policy: Option<&str>) -> Person {
    let dir = tempfile::tempdir().unwrap();
    let policy = match policy {
        Some(text) => {
            let file = dir.path().join("policy.toml");
            std::fs::write(&file, text).unwrap();
            mulaqat_settings::MachinePolicy::load_file(&file)
        }
        None => mulaqat_settings::MachinePolicy::load_file(&dir.path().join("none.toml")),
    };
    let (tx, events) = mpsc::unbounded_channel();
    let app = App::start(
        AppConfig {
            settings_file: SettingsFile::at(dir.path().join("settings.toml")),
            policy,
            test_devices: TestDevices::Only,
            embedded_listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().join("server"),
        },
        Arc::new(tx),
    )
    .await
    .expect("the app starts without a camera or a server");
    Person {
        app,
        events,
        _dir: dir,
    }
}

/// Waits for an event matching `pred`, up to `within`.
async fn wait_for(
    events: &mut mpsc::UnboundedReceiver<AppEvent>,
    within: Duration,
    mut pred: impl FnMut(&AppEvent) -> bool,
) -> bool {
    tokio::time::timeout(within, async {
        while let Some(event) = events.recv().await {
            if pred(&event) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

fn in_call(event: &AppEvent) -> bool {
    matches!(
        event,
        AppEvent::CallEvent(CallEvent::StateChanged {
            state: CallState::InCall { .. }
        })
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_meeting_started_here_is_joined_with_its_guest_link_and_video_flows() {
    let mut doctor = person(None).await;
    let mut family = person(None).await;
    assert!(doctor.app.app_info().embedded_server);
    assert!(
        !doctor.app.list_devices().is_empty(),
        "test devices stand in"
    );

    let meeting = doctor
        .app
        .start_meeting(false)
        .await
        .expect("a meeting starts here");
    assert!(meeting.guest_link.starts_with("mulaqat://join?"));
    // Guests without the app get the same token in a browser link; on this
    // loopback-only test server a browser could use its camera.
    let guest_token = meeting.guest_link.split("token=").nth(1).unwrap();
    assert!(
        meeting.browser_link.starts_with("http://127.0.0.1:")
            && meeting
                .browser_link
                .ends_with(&format!("/join#t={guest_token}")),
        "{}",
        meeting.browser_link
    );
    let note = (!mulaqat_server::web::built_in()).then_some(BrowserLinkNote::NoBrowserClient);
    assert_eq!(meeting.browser_link_note, note);

    doctor
        .app
        .join_call(
            JoinTarget::RoomCode {
                room_code: meeting.room_code.clone(),
            },
            "Dr. Ayesha".into(),
            QualityChoice::P360,
        )
        .await
        .expect("the host joins by room code");
    assert!(wait_for(&mut doctor.events, Duration::from_secs(10), in_call).await);

    family
        .app
        .join_call(
            JoinTarget::Link {
                link: meeting.guest_link.clone(),
            },
            "Amina".into(),
            QualityChoice::P360,
        )
        .await
        .expect("the guest joins by link");
    assert!(wait_for(&mut family.events, Duration::from_secs(10), in_call).await);

    let video_from_other = |event: &AppEvent| {
        matches!(event, AppEvent::Stats(report)
            if report.inbound.iter().any(|s| s.frames_decoded > 10 && s.resolution.as_ref().is_some_and(|r| r.width == 640 && r.height == 360)))
    };
    assert!(
        wait_for(
            &mut family.events,
            Duration::from_secs(20),
            video_from_other
        )
        .await,
        "the guest receives the host's video at 640x360"
    );
    assert!(
        wait_for(
            &mut doctor.events,
            Duration::from_secs(20),
            video_from_other
        )
        .await,
        "the host receives the guest's video"
    );

    let snapshot = doctor.app.call_snapshot().await;
    let names: Vec<_> = snapshot
        .participants
        .iter()
        .map(|p| p.display_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Dr. Ayesha", "Amina"],
        "a reloaded UI sees both, in join order"
    );
    assert!(snapshot.joined_at.is_some());

    family.app.set_mic_muted(true).await.unwrap();
    assert!(family.app.call_snapshot().await.local.mic_muted);
    assert!(
        wait_for(&mut family.events, Duration::from_secs(5), |e| matches!(e,
            AppEvent::CallSnapshot(s) if s.local.mic_muted))
        .await,
        "the guest's window is sent the call with the microphone muted"
    );
    let amina_muted = |e: &AppEvent| {
        matches!(e, AppEvent::CallSnapshot(s)
            if s.participants.iter().any(|p| p.display_name == "Amina" && !p.media.audio))
    };
    assert!(
        wait_for(&mut doctor.events, Duration::from_secs(5), amina_muted).await,
        "the host's window is sent the call with the guest muted"
    );
    assert!(
        wait_for(&mut doctor.events, Duration::from_secs(5), |e| matches!(e,
            AppEvent::CallEvent(CallEvent::MediaStateChanged { state, .. }) if !state.audio))
        .await,
        "then the change itself, for what the window does besides drawing it"
    );

    family.app.leave_call().await.unwrap();
    assert!(
        wait_for(&mut doctor.events, Duration::from_secs(5), |e| matches!(
            e,
            AppEvent::CallEvent(CallEvent::ParticipantLeft { .. })
        ))
        .await
    );
    let err = family.app.send_chat("anyone?".into()).await.unwrap_err();
    assert_eq!(err.code, CommandErrorCode::NotInCall);
    doctor.app.shutdown().await;
    family.app.shutdown().await;
}

#[tokio::test]
async fn a_link_to_a_server_other_than_the_locked_one_is_refused() {
    let person = person(Some(
        "server_url = \"https://meet.hospital.example\"\nlock_server = true\n",
    ))
    .await;
    let token = mulaqat_server::token::TokenSigner::new(b"another-server-secret-of-32-bytes")
        .issue(
            mulaqat_protocol::RoomId::new("ward-7").unwrap(),
            mulaqat_protocol::Role::Guest,
            mulaqat_protocol::UnixMillis(1_700_000_000_000),
            3600,
        );
    let err = person
        .app
        .join_call(
            JoinTarget::Link {
                link: mulaqat_server::token::join_link("ws://10.0.0.9:8717", &token),
            },
            "Dr. Khan".into(),
            QualityChoice::Auto,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, CommandErrorCode::SettingLocked, "{err:?}");
    assert!(err.message.contains("IT department"), "{}", err.message);
    let settings = person.app.settings();
    assert!(settings.server_url.locked);
    assert!(!person.app.app_info().embedded_server);
    person.app.shutdown().await;
}

#[tokio::test]
async fn bad_links_and_unknown_codes_say_what_to_do() {
    let person = person(None).await;
    for target in [
        JoinTarget::Link {
            link: "https://example.org/call".into(),
        },
        JoinTarget::RoomCode {
            room_code: "consult-0000".into(),
        },
    ] {
        let err = person
            .app
            .join_call(target, "A".into(), QualityChoice::Auto)
            .await
            .unwrap_err();
        assert_eq!(err.code, CommandErrorCode::InvalidLink, "{err:?}");
    }
    person.app.shutdown().await;
}
