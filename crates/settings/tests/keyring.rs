//! Credentials against a real Secret Service (Linux).
//!
//! Each outer test re-runs this test binary as a child process, so the
//! child gets its own environment: a private D-Bus session with its own
//! gnome-keyring (data and runtime folders in a tempdir), or a D-Bus
//! address that leads nowhere. The inner tests are `#[ignore]`d and do
//! nothing unless the outer test set `MULAQAT_KEYRING_TEST_CHILD`, so they
//! never touch the keyring of whoever runs `cargo test -- --ignored`.
#![cfg(target_os = "linux")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mulaqat_settings::{Account, CredentialError, CredentialStore, Credentials, Secret};

const CHILD_ENV: &str = "MULAQAT_KEYRING_TEST_CHILD";
const CHILD_LIMIT: Duration = Duration::from_secs(90);

/// The script run inside `dbus-run-session`: unlock a fresh login keyring
/// with a throwaway password, then become the inner test.
const SESSION_SCRIPT: &str = r#"printf '%s' test-unlock-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97
exec "$0" --exact "$1" --ignored --nocapture --test-threads=1"#;

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// Runs `command` with its output in files under `dir`, killing it after
/// `CHILD_LIMIT`. Returns (success, stdout + stderr).
fn run_bounded(mut command: Command, dir: &Path) -> (bool, String) {
    let out_path = dir.join("child.out");
    let err_path = dir.join("child.err");
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start the child test");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        std::fs::read_to_string(&out_path).unwrap_or_default(),
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    match status {
        Some(status) => (status.success(), output),
        None => panic!("the child test hung for {CHILD_LIMIT:?}:\n{output}"),
    }
}

#[test]
fn round_trip_through_a_private_secret_service() {
    let missing: Vec<_> = ["dbus-run-session", "gnome-keyring-daemon"]
        .into_iter()
        .filter(|tool| !on_path(tool))
        .collect();
    if !missing.is_empty() {
        let note = format!(
            "keyring round trip not run: {} not installed (packaging/linux/install-deps.sh --test)",
            missing.join(", ")
        );
        assert!(std::env::var_os("CI").is_none(), "{note}");
        eprintln!("note: {note}");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("xdg-data");
    let runtime = dir.path().join("xdg-run");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
            .expect("chmod 700");
    }
    let exe = std::env::current_exe().expect("test binary");
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", SESSION_SCRIPT])
        .arg(&exe)
        .arg("inner_round_trip")
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("HOME", dir.path())
        .env(CHILD_ENV, "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("DISPLAY");
    let (ok, output) = run_bounded(command, dir.path());
    assert!(ok, "the inner round trip failed:\n{output}");
    assert!(
        output.contains("test inner_round_trip ... ok"),
        "the inner test did not run:\n{output}"
    );
    assert!(
        data.join("keyrings").is_dir(),
        "the private keyring was not used:\n{output}"
    );
}

#[test]
#[ignore = "run by round_trip_through_a_private_secret_service in its own D-Bus session"]
fn inner_round_trip() {
    if std::env::var_os(CHILD_ENV).is_none() {
        eprintln!("skipped: only runs inside round_trip_through_a_private_secret_service");
        return;
    }
    let store = CredentialStore::open().expect("the private Secret Service opens");
    let account = Account::new("https://meet.hospital.example", "dr.khan").expect("account");
    let other = Account::new("https://meet.hospital.example", "turn-admin").expect("account");
    assert_eq!(store.load(&account).expect("load"), None);

    store
        .store(&account, &Secret::new("first-password"))
        .expect("store");
    let loaded = store.load(&account).expect("load").expect("stored");
    assert_eq!(loaded.expose(), "first-password");

    store
        .store(&account, &Secret::new("second pässwörd ✓"))
        .expect("overwrite");
    let loaded = store.load(&account).expect("load").expect("stored");
    assert_eq!(loaded.expose(), "second pässwörd ✓");

    store.store(&other, &Secret::new("other")).expect("store");

    // Other Secret Service clients see the entry under the documented names.
    if on_path("secret-tool") {
        let found = Command::new("secret-tool")
            .args(["lookup", "service", "mulaqat", "username", account.as_str()])
            .output()
            .expect("secret-tool");
        assert_eq!(String::from_utf8_lossy(&found.stdout), "second pässwörd ✓");
    }

    store.delete(&account).expect("delete");
    assert_eq!(
        store.load(&account).expect("load"),
        None,
        "the secret is gone"
    );
    store.delete(&account).expect("deleting nothing is fine");
    let kept = store
        .load(&other)
        .expect("load")
        .expect("the other account is untouched");
    assert_eq!(kept.expose(), "other");
    store.delete(&other).expect("delete");

    assert!(matches!(Credentials::open(), Credentials::Keyring(_)));
}

#[test]
fn without_a_session_bus_passwords_are_asked_each_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("test binary");
    let nowhere = dir.path().join("no-such-bus");
    let mut command = Command::new(exe);
    command
        .args([
            "--exact",
            "inner_no_secret_store",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", nowhere.display()),
        )
        .env("XDG_RUNTIME_DIR", dir.path())
        .env(CHILD_ENV, "1")
        .env_remove("DISPLAY");
    let started = Instant::now();
    let (ok, output) = run_bounded(command, dir.path());
    assert!(ok, "the inner test failed:\n{output}");
    assert!(
        output.contains("test inner_no_secret_store ... ok"),
        "the inner test did not run:\n{output}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
#[ignore = "run by without_a_session_bus_passwords_are_asked_each_time with no D-Bus"]
fn inner_no_secret_store() {
    if std::env::var_os(CHILD_ENV).is_none() {
        eprintln!("skipped: only runs inside without_a_session_bus_passwords_are_asked_each_time");
        return;
    }
    let started = Instant::now();
    let err = CredentialStore::open().expect_err("no Secret Service without a bus");
    assert!(
        matches!(err, CredentialError::NoSecretStore { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("ask for the password each time"), "{text}");

    match Credentials::open() {
        Credentials::PromptEachTime(reason) => {
            assert!(matches!(reason, CredentialError::NoSecretStore { .. }))
        }
        Credentials::Keyring(_) => panic!("a keyring without a bus"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
