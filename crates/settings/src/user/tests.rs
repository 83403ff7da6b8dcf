//! The settings file and what it holds.

use std::path::Path;

use super::*;
use crate::error::SettingsError;

fn room(name: &str) -> RoomId {
    RoomId::new(name).expect("room id")
}

fn full() -> UserSettings {
    let mut settings = UserSettings {
        server_url: Some("https://meet.hospital.example".into()),
        display_name: Some("ڈاکٹر عائشہ".into()),
        camera: Some("v4l2:/dev/video0".into()),
        microphone: Some("alsa:hw:1".into()),
        speaker: Some("pulse:sink-2".into()),
        quality: Quality::P1080,
        encoder: EncoderPreference::Hardware,
        clinical_audio: true,
        language: Some("ur".into()),
        launch_at_login: true,
        knock_sound: false,
        recent_rooms: Vec::new(),
    };
    settings.record_recent_room(
        room("cardiology-3"),
        "https://meet.hospital.example",
        Some("Cardiology".into()),
        UnixMillis(1_700_000_000_000),
    );
    settings
}

#[test]
fn settings_round_trip_through_a_file_with_mode_0600() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SettingsFile::at(dir.path().join("nested/settings.toml"));
    assert_eq!(
        file.load().expect("missing is default"),
        UserSettings::default()
    );
    let settings = full();
    file.save(&settings).expect("save");
    assert_eq!(file.load().expect("load"), settings);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file.path())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("settings.toml")]);
}

#[test]
fn the_file_uses_the_documented_camel_case_keys() {
    let text = full().to_toml().expect("toml");
    for key in [
        "serverUrl = ",
        "displayName = ",
        "camera = ",
        "microphone = ",
        "speaker = ",
        "quality = \"1080p\"",
        "encoder = \"hardware\"",
        "clinicalAudio = true",
        "language = \"ur\"",
        "launchAtLogin = true",
        "knockSound = false",
        "[[recentRooms]]",
        "lastJoined = 1700000000000",
    ] {
        assert!(text.contains(key), "{key} missing from:\n{text}");
    }
}

#[test]
fn missing_keys_take_defaults_and_unknown_keys_are_reported() {
    let (settings, unknown) =
        UserSettings::from_toml("quality = \"720p\"\nfutureThing = 3\n[newTable]\nx = 1\n")
            .expect("parses");
    assert_eq!(settings.quality, Quality::P720);
    assert_eq!(settings.encoder, EncoderPreference::Auto);
    assert!(!settings.clinical_audio);
    assert!(
        settings.knock_sound,
        "the knock sound is on unless turned off"
    );
    assert_eq!(
        unknown,
        vec!["futureThing".to_owned(), "newTable".to_owned()]
    );
}

#[test]
fn an_encoder_is_a_kind_or_an_element_name_and_nonsense_is_refused() {
    for (text, want) in [
        ("auto", EncoderPreference::Auto),
        ("hardware", EncoderPreference::Hardware),
        ("software", EncoderPreference::Software),
        ("vah264enc", EncoderPreference::Pinned("vah264enc".into())),
    ] {
        let (settings, _) =
            UserSettings::from_toml(&format!("encoder = \"{text}\"\n")).expect(text);
        assert_eq!(settings.encoder, want);
        let written = settings.to_toml().expect("toml");
        assert!(
            written.contains(&format!("encoder = \"{text}\"")),
            "{written}"
        );
    }
    for bad in ["", "X264 enc", "<script>", "a/b"] {
        let err = EncoderPreference::try_from(bad.to_owned()).expect_err(bad);
        assert!(err.contains("auto, hardware, software"), "{err}");
    }
}

#[test]
fn a_damaged_file_is_an_error_with_the_path_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SettingsFile::at(dir.path().join("settings.toml"));
    std::fs::write(file.path(), "quality = \"720p\"\nclinicalAudio = maybe\n").expect("write");
    let err = file.load().expect_err("damaged");
    assert!(
        matches!(err, SettingsError::Corrupt { line: Some(2), .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("settings.toml"), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn a_file_that_is_not_text_counts_as_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SettingsFile::at(dir.path().join("settings.toml"));
    std::fs::write(file.path(), b"quality = \"\xff\"\n").expect("write");
    assert!(matches!(
        file.load(),
        Err(SettingsError::Corrupt { line: None, .. })
    ));
    let (_, recovery) = file.load_or_default();
    assert!(recovery.and_then(|r| r.moved_to).is_some(), "kept aside");
}

#[test]
fn load_or_default_keeps_the_damaged_file_beside_the_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SettingsFile::at(dir.path().join("settings.toml"));
    std::fs::write(file.path(), "quality = \"8k\"\n").expect("write");
    let (settings, recovery) = file.load_or_default();
    assert_eq!(settings, UserSettings::default());
    let recovery = recovery.expect("recovered");
    let kept = recovery.moved_to.clone().expect("moved aside");
    let kept_name = kept
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        kept_name.starts_with("settings.toml.broken-"),
        "{kept_name}"
    );
    assert_eq!(
        std::fs::read_to_string(&kept).expect("kept"),
        "quality = \"8k\"\n"
    );
    assert!(!file.path().exists());
    assert!(recovery.to_string().contains("default settings"));
    // Saving afterwards does not touch the kept copy.
    file.save(&settings).expect("save");
    assert!(kept.exists());
}

#[test]
fn recent_rooms_are_newest_first_unique_and_capped() {
    let mut settings = UserSettings::default();
    for i in 0..15u64 {
        settings.record_recent_room(
            room(&format!("room-{i}")),
            "https://a.example",
            None,
            UnixMillis(i),
        );
    }
    settings.record_recent_room(room("room-12"), "https://a.example", None, UnixMillis(99));
    settings.record_recent_room(room("room-12"), "https://b.example", None, UnixMillis(100));
    let names: Vec<_> = settings
        .recent_rooms
        .iter()
        .map(|r| (r.room.as_str().to_owned(), r.server.as_str().to_owned()))
        .collect();
    assert_eq!(names.len(), MAX_RECENT_ROOMS);
    assert_eq!(names[0], ("room-12".into(), "https://b.example".into()));
    assert_eq!(names[1], ("room-12".into(), "https://a.example".into()));
    assert_eq!(names[2].0, "room-14");
    assert_eq!(
        names
            .iter()
            .filter(|(r, s)| r == "room-12" && s == "https://a.example")
            .count(),
        1
    );
}

#[test]
fn a_hand_edited_list_is_put_in_order() {
    let mut text = String::new();
    for i in 0..12 {
        text.push_str(&format!(
            "[[recentRooms]]\nroom = \"r{i}\"\nserver = \"s\"\nlastJoined = {i}\n"
        ));
    }
    let (settings, _) = UserSettings::from_toml(&text).expect("parses");
    assert_eq!(settings.recent_rooms.len(), MAX_RECENT_ROOMS);
    assert_eq!(settings.recent_rooms[0].room.as_str(), "r11");
}

#[test]
fn settings_never_hold_anything_named_like_a_secret() {
    let value = serde_json::to_value(full()).expect("json");
    let mut keys = Vec::new();
    collect_keys(&value, &mut keys);
    assert!(keys.len() > 10, "{keys:?}");
    for key in keys {
        let lower = key.to_lowercase();
        for word in ["password", "passwd", "token", "secret", "credential"] {
            assert!(
                !lower.contains(word),
                "settings key {key} looks like a secret"
            );
        }
    }
    let toml = full().to_toml().expect("toml").to_lowercase();
    for word in ["password", "token", "secret"] {
        assert!(!toml.contains(word), "{toml}");
    }
}

fn collect_keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

#[test]
fn the_config_dir_can_be_chosen_by_environment() {
    let chosen = SettingsFile::location_for(Some("/srv/kiosk/mulaqat".into())).expect("set");
    assert_eq!(chosen.path(), Path::new("/srv/kiosk/mulaqat/settings.toml"));
    // Unset or empty falls back to the platform folder, named for Mulaqat.
    if let Ok(platform) = SettingsFile::location_for(Some("".into())) {
        assert!(platform.path().ends_with(SETTINGS_FILE_NAME));
        assert!(
            platform
                .path()
                .to_string_lossy()
                .to_lowercase()
                .contains("mulaqat")
        );
    }
}
