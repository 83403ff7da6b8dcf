//! Settings, their updates, command errors and recent rooms.

use std::collections::BTreeSet;

use mulaqat_protocol as proto;
use mulaqat_settings as settings;
use serde_json::{Value, json};
use ts_rs::TS;

use super::assert_json;
use crate::ipc::*;

#[test]
fn settings_carry_each_value_with_its_lock_under_the_ui_names() {
    let user = settings::UserSettings {
        display_name: None,
        camera: Some("v4l2:/dev/video0".into()),
        quality: settings::Quality::P720,
        language: Some("ur-PK".into()),
        ..Default::default()
    };
    let policy = settings::MachinePolicy {
        server_url: Some("https://meet.hospital.example".into()),
        quality: Some(settings::Quality::P1080),
        encoder: Some(settings::EncoderPreference::Hardware),
        ..Default::default()
    };
    let view = settings::EffectiveSettings::new(user, policy).view();
    let ui = Settings::from(&view);
    assert_json(
        &ui,
        json!({
            "serverUrl": {"value": "https://meet.hospital.example", "locked": true},
            "displayName": {"value": "", "locked": false},
            "cameraId": {"value": "v4l2:/dev/video0", "locked": false},
            "microphoneId": {"value": null, "locked": false},
            "speakerId": {"value": null, "locked": false},
            "quality": {"value": "p1080", "locked": true},
            "encoderPreference": {"value": "hardware", "locked": true},
            "clinicalAudio": {"value": false, "locked": false},
            "language": {"value": "ur", "locked": false},
            "launchAtLogin": {"value": false, "locked": false},
            "knockSound": {"value": true, "locked": false},
        }),
    );
    assert_eq!(ui.values().camera_id.as_deref(), Some("v4l2:/dev/video0"));
}

#[test]
fn the_ui_has_one_key_for_each_setting_the_person_sets_and_no_other() {
    // The UI's keys as the bindings declare them: `"serverUrl" | ...`.
    let declared: BTreeSet<SettingKey> = SettingKey::inline(&ts_rs::Config::new())
        .split('|')
        .map(|name| serde_json::from_value(json!(name.trim().trim_matches('"'))).expect("a key"))
        .collect();
    // They are the keys of `SettingValues`.
    let view = settings::EffectiveSettings::new(
        settings::UserSettings::default(),
        settings::MachinePolicy::default(),
    )
    .view();
    let Value::Object(values) = serde_json::to_value(Settings::from(&view).values()).expect("json")
    else {
        panic!("SettingValues is an object");
    };
    let named: BTreeSet<SettingKey> = values
        .keys()
        .map(|name| serde_json::from_value(json!(name)).expect("a key"))
        .collect();
    assert_eq!(declared, named);
    // Each is a different key the person sets in `mulaqat_settings`...
    let stored: BTreeSet<settings::SettingKey> = declared
        .iter()
        .map(|k| settings::SettingKey::from(*k))
        .collect();
    assert_eq!(stored.len(), declared.len(), "two UI keys name one setting");
    // ...and every key the person sets has its UI key, and back.
    for key in settings::SettingKey::ALL {
        match SettingKey::try_from(key) {
            Ok(ui_key) => {
                assert!(key.is_personal(), "{key} is shown but only policy sets it");
                assert_eq!(settings::SettingKey::from(ui_key), key);
                assert!(declared.contains(&ui_key), "{key}");
            }
            Err(refused) => {
                assert!(!key.is_personal(), "the UI has no key for {key}");
                assert_eq!(refused, key);
            }
        }
    }
    assert!(stored.iter().all(|k| k.is_personal()));
}

#[test]
fn a_setting_update_becomes_a_settings_change() {
    let parse = |v: Value| -> UpdateSettingArgs { serde_json::from_value(v).expect("args") };
    let camera = parse(json!({"key": "cameraId", "value": "test:camera"}));
    assert_eq!(camera.key(), SettingKey::CameraId);
    assert_eq!(
        camera.into_change(),
        Ok(settings::SettingChange::Camera(Some("test:camera".into())))
    );
    assert_eq!(
        parse(json!({"key": "quality", "value": "auto"})).into_change(),
        Ok(settings::SettingChange::Quality(settings::Quality::Auto))
    );
    assert_eq!(
        parse(json!({"key": "language", "value": "system"})).into_change(),
        Ok(settings::SettingChange::Language(None))
    );
    assert_eq!(
        parse(json!({"key": "displayName", "value": "  "})).into_change(),
        Ok(settings::SettingChange::DisplayName(None))
    );
    assert_eq!(
        parse(json!({"key": "knockSound", "value": false})).into_change(),
        Ok(settings::SettingChange::KnockSound(false))
    );
    // An encoder element Mulaqat knows is pinned; one it does not is refused.
    assert_eq!(
        parse(json!({"key": "encoderPreference", "value": "vah264enc"})).into_change(),
        Ok(settings::SettingChange::Encoder(
            settings::EncoderPreference::Pinned("vah264enc".into())
        ))
    );
    assert_eq!(
        parse(json!({"key": "encoderPreference", "value": "software"})).into_change(),
        Ok(settings::SettingChange::Encoder(
            settings::EncoderPreference::Software
        ))
    );
    for unknown in ["madeupenc", "x264 enc"] {
        let refused = parse(json!({"key": "encoderPreference", "value": unknown})).into_change();
        assert_eq!(
            refused.map_err(|e| e.code),
            Err(CommandErrorCode::InvalidField),
            "{unknown}"
        );
    }
    assert!(
        serde_json::from_value::<UpdateSettingArgs>(json!({"key": "quality", "value": "1080p"}))
            .is_err()
    );
}

#[test]
fn command_errors_have_a_code_to_switch_on() {
    let err = CommandError {
        code: CommandErrorCode::SettingLocked,
        message: "set by IT".into(),
    };
    assert_json(
        &err,
        json!({"code": "settingLocked", "message": "set by IT"}),
    );
    let from_server = CommandError {
        code: proto::ErrorCode::RoomFull.into(),
        message: "full".into(),
    };
    assert_json(&from_server, json!({"code": "roomFull", "message": "full"}));

    let mut effective = settings::EffectiveSettings::new(
        settings::UserSettings::default(),
        settings::MachinePolicy {
            clinical_audio: Some(true),
            ..Default::default()
        },
    );
    let locked = effective
        .update(settings::SettingChange::ClinicalAudio(false))
        .expect_err("locked");
    assert_eq!(
        CommandError::from(locked).code,
        CommandErrorCode::SettingLocked
    );
    let invalid = effective
        .update(settings::SettingChange::Language(Some("not a tag".into())))
        .expect_err("invalid");
    assert_eq!(
        CommandError::from(invalid).code,
        CommandErrorCode::InvalidField
    );
}

#[test]
fn recent_rooms_are_offered_on_their_own_server() {
    let room = settings::RecentRoom {
        room: proto::RoomId::new("ward-7").expect("room"),
        server: "https://meet.hospital.example".into(),
        name: None,
        last_joined: proto::UnixMillis(1_700_000_000_000),
    };
    assert_json(
        &RecentRoom::from(&room),
        json!({"label": "ward-7", "server": "meet.hospital.example",
               "target": {"type": "recent", "server": "https://meet.hospital.example",
                          "room": "ward-7"},
               "lastJoinedAt": 1_700_000_000_000_u64}),
    );
    assert_eq!(Language::from_tag(Some("en-GB")), Language::En);
    assert_eq!(Language::from_tag(Some("fr")), Language::System);
    assert_eq!(Language::from_tag(None), Language::System);
}
