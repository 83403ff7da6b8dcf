//! The settings in force: policy over the person's choices.

use super::*;
use crate::user::Quality;

fn user() -> UserSettings {
    UserSettings {
        server_url: Some("https://home.example".into()),
        quality: Quality::P720,
        clinical_audio: false,
        language: Some("en".into()),
        ..UserSettings::default()
    }
}

fn policy() -> MachinePolicy {
    MachinePolicy {
        server_url: Some("https://meet.hospital.example".into()),
        quality: Some(Quality::P1080),
        clinical_audio: Some(true),
        relay_only: Some(true),
        ..MachinePolicy::default()
    }
}

#[test]
fn policy_keys_override_and_lock_the_rest_stay_the_persons() {
    let settings = EffectiveSettings::new(user(), policy());
    assert_eq!(
        settings.values().server_url.as_deref(),
        Some("https://meet.hospital.example")
    );
    assert_eq!(settings.values().quality, Quality::P1080);
    assert!(settings.values().clinical_audio);
    assert_eq!(settings.values().language.as_deref(), Some("en"));
    assert!(settings.relay_only());
    assert!(settings.allow_guest_links());
    let open_server = ServerInfo {
        origin: "https://meet.hospital.example".into(),
        server: None,
        signalling_url: "wss://meet.hospital.example/ws".into(),
        ice_policy: IcePolicy::All,
        protocol_version: 1,
        min_protocol_version: 1,
        limits: Default::default(),
    };
    assert!(settings.relay_only_with(&open_server));
    let mine = EffectiveSettings::new(user(), MachinePolicy::default());
    assert!(!mine.relay_only_with(&open_server));
    let relaying = ServerInfo {
        ice_policy: IcePolicy::Relay,
        ..open_server
    };
    assert!(mine.relay_only_with(&relaying));
    let locked: Vec<_> = settings.locked().iter().copied().collect();
    assert_eq!(
        locked,
        vec![
            SettingKey::ServerUrl,
            SettingKey::Quality,
            SettingKey::ClinicalAudio,
            SettingKey::RelayOnly
        ]
    );
    // The person's own values are kept for saving.
    assert_eq!(settings.user(), &user());
}

#[test]
fn changing_a_locked_key_is_refused_with_a_message_naming_it() {
    let mut settings = EffectiveSettings::new(user(), policy());
    let err = settings
        .update(SettingChange::Quality(Quality::P360))
        .expect_err("locked");
    assert!(matches!(
        err,
        SettingsError::Locked {
            key: SettingKey::Quality
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains("video quality") && text.contains("IT department"),
        "{text}"
    );
    assert_eq!(settings.values().quality, Quality::P1080);
    assert_eq!(settings.user().quality, Quality::P720);

    settings
        .update(SettingChange::Language(Some("ur".into())))
        .expect("not locked");
    assert_eq!(settings.values().language.as_deref(), Some("ur"));
}

#[test]
fn a_server_preset_is_used_until_the_person_picks_one() {
    let preset = MachinePolicy {
        server_url: Some("https://meet.hospital.example".into()),
        lock_server: Some(false),
        ..MachinePolicy::default()
    };
    let mut settings = EffectiveSettings::new(UserSettings::default(), preset.clone());
    assert_eq!(
        settings.values().server_url.as_deref(),
        Some("https://meet.hospital.example")
    );
    assert!(!settings.is_locked(SettingKey::ServerUrl));
    settings
        .update(SettingChange::ServerUrl(Some("other.example/".into())))
        .expect("preset is not locked");
    assert_eq!(
        settings.values().server_url.as_deref(),
        Some("https://other.example")
    );
    assert!(settings.check_server("https://anything.example").is_ok());
}

#[test]
fn join_links_to_another_server_are_refused_when_the_server_is_locked() {
    let settings = EffectiveSettings::new(user(), policy());
    assert!(settings.check_server("meet.hospital.example").is_ok());
    assert!(
        settings
            .check_server("https://meet.hospital.example/")
            .is_ok()
    );
    let err = settings
        .check_server("https://evil.example")
        .expect_err("other server");
    assert!(matches!(
        err,
        SettingsError::Locked {
            key: SettingKey::ServerUrl
        }
    ));
}

#[test]
fn updates_are_checked_and_normalised() {
    let mut settings = EffectiveSettings::new(UserSettings::default(), MachinePolicy::default());
    settings
        .update(SettingChange::DisplayName(Some("  Dr. Khan ".into())))
        .expect("name");
    assert_eq!(settings.values().display_name.as_deref(), Some("Dr. Khan"));
    for bad in [
        SettingChange::DisplayName(Some("\u{202E}evil".into())),
        SettingChange::ServerUrl(Some("not a url at all".into())),
        SettingChange::Language(Some("english please".into())),
        SettingChange::Camera(Some("cam\u{0}".into())),
    ] {
        let key = bad.key();
        let err = settings.update(bad).expect_err("refused");
        assert!(
            matches!(&err, SettingsError::Invalid { key: k, .. } if *k == key),
            "{err:?}"
        );
    }
    settings
        .update(SettingChange::Camera(Some(String::new())))
        .expect("empty is default");
    assert_eq!(settings.values().camera, None);
}

#[test]
fn the_view_serialises_values_with_their_locks() {
    let settings = EffectiveSettings::new(user(), policy());
    let json = serde_json::to_value(settings.view()).expect("json");
    assert_eq!(json["quality"]["value"], "1080p");
    assert_eq!(json["quality"]["locked"], true);
    assert_eq!(json["language"]["value"], "en");
    assert_eq!(json["language"]["locked"], false);
    assert_eq!(json["relayOnly"]["value"], true);
    assert_eq!(json["allowGuestLinks"]["value"], true);
    assert_eq!(json["allowGuestLinks"]["locked"], false);
    assert!(json["notices"].as_array().expect("notices").is_empty());
}

#[test]
fn changes_from_the_ui_are_json_key_value_pairs() {
    let change: SettingChange =
        serde_json::from_str(r#"{"key":"quality","value":"2160p"}"#).expect("parses");
    assert_eq!(change, SettingChange::Quality(Quality::P2160));
    let change: SettingChange =
        serde_json::from_str(r#"{"key":"serverUrl","value":null}"#).expect("parses");
    assert_eq!(change, SettingChange::ServerUrl(None));
    for key in SettingKey::ALL {
        let json = serde_json::to_value(key).expect("json");
        assert_eq!(json, key.as_str());
    }
}

#[test]
fn an_unreadable_policy_is_a_notice_and_nothing_is_locked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SettingsFile::at(dir.path().join("settings.toml"));
    let policy_path = dir.path().join("policy.toml");
    std::fs::write(&policy_path, "quality = \n").expect("write");
    let settings = EffectiveSettings::load(&file, MachinePolicy::load_file(&policy_path));
    assert!(settings.locked().is_empty());
    assert_eq!(settings.notices().len(), 1);
    assert!(settings.notices()[0].contains("policy.toml"));
}

#[test]
fn language_tags() {
    for ok in ["en", "ur", "ur-PK", "zh-Hant-TW"] {
        assert!(check_language(ok).is_ok(), "{ok}");
    }
    for bad in ["", "e", "english", "en_US", "en--x", "-en", "12"] {
        assert!(check_language(bad).is_err(), "{bad}");
    }
}
