//! Checks of the packaging sources that need no root and no package build:
//! the WiX fragment builds with `wixl` and writes exactly the registry
//! values mulaqat-settings reads; the shipped configuration files load; the
//! systemd unit, the `.desktop` entry and the AppStream metadata validate.
//! External tools missing is a skip, except under `CI=true`, where it fails.
//! (Installing the .deb files is `packaging/linux/verify-debs.sh`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use mulaqat_settings::policy::{POLICY_KEYS, POLICY_REGISTRY_KEY};
use mulaqat_settings::{EffectiveSettings, MachinePolicy, SettingKey, UserSettings};

const UPGRADE_CODE: &str = "8C5A5FA3-53B2-4093-B5BB-47F770DB39B3";

fn root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Whether `tool` can be run; under CI a missing tool fails the test.
fn have(tool: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing (Debian package {package}; packaging/linux/install-deps.sh --test)"
        );
        eprintln!("SKIPPED: {tool} is not installed (Debian package {package})");
    }
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// A product like the one Tauri's main.wxs template makes, around the
/// fragment: AUTOLAUNCHAPP is the template's property.
const HARNESS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Mulaqat" UpgradeCode="UPGRADE" Language="1033" Manufacturer="Mulaqat" Version="0.1.0">
    <Package Id="*" InstallerVersion="450" Compressed="yes" InstallScope="perMachine" />
    <Property Id="AUTOLAUNCHAPP" />
    PROPERTIES
    <Media Id="1" Cabinet="app.cab" EmbedCab="yes" />
    <Directory Id="TARGETDIR" Name="SourceDir" />
    <Feature Id="External" Level="1">
      <ComponentGroupRef Id="GROUP" />
    </Feature>
  </Product>
</Wix>
"#;

#[test]
fn wix_fragment_builds_with_wixl_and_writes_the_policy_values_the_app_reads() {
    let fragment = read("packaging/windows/policy.wxs");
    // What wixl (msitools 0.101) cannot parse but WiX 3 needs: public
    // properties declared in a fragment (Secure, so they reach the
    // per-machine install), component conditions and Permanent. They are
    // checked as text here; everything else goes through wixl.
    let mut properties = String::new();
    let mut for_wixl = String::new();
    for line in fragment.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("<Property ") {
            assert!(trimmed.contains(r#"Secure="yes""#), "not secure: {trimmed}");
            properties.push_str(&trimmed.replace(r#" Secure="yes""#, ""));
        } else if trimmed.starts_with("<Condition>") {
            continue;
        } else {
            for_wixl.push_str(&line.replace(r#" Permanent="yes""#, ""));
            for_wixl.push('\n');
        }
    }
    assert!(properties.contains(r#"Id="SERVER_URL""#), "{properties}");
    assert!(properties.contains(r#"Id="LOCK_SERVER""#), "{properties}");
    assert!(
        !properties.contains("AUTOLAUNCHAPP"),
        "Tauri's template declares AUTOLAUNCHAPP; declaring it again fails the WiX link"
    );
    for (component, condition) in [
        ("MulaqatPolicyServerUrl", r#"SERVER_URL <> """#),
        (
            "MulaqatPolicyLockServer",
            r#"LOCK_SERVER = "0" OR LOCK_SERVER = "1""#,
        ),
        (
            "MulaqatPolicyLaunchAtLogin",
            r#"AUTOLAUNCHAPP = "0" OR AUTOLAUNCHAPP = "1""#,
        ),
    ] {
        let start = fragment
            .find(&format!(r#"<Component Id="{component}""#))
            .unwrap_or_else(|| panic!("no component {component}"));
        let body = &fragment[start..];
        let body = &body[..body.find("</Component>").expect("closed")];
        assert!(body.contains(r#"Permanent="yes""#), "{component}: {body}");
        assert!(body.contains(r#"Win64="yes""#), "{component}: {body}");
        assert!(
            body.contains(&format!("<Condition><![CDATA[{condition}]]></Condition>")),
            "{component} must be installed only when its property is given: {body}"
        );
    }

    if !have("wixl", "wixl") || !have("msiinfo", "msitools") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let harness = HARNESS
        .replace("UPGRADE", UPGRADE_CODE)
        .replace("PROPERTIES", &properties)
        .replace("GROUP", "MulaqatPolicy");
    std::fs::write(dir.path().join("product.wxs"), harness).expect("write");
    std::fs::write(dir.path().join("policy.wxs"), for_wixl).expect("write");
    let msi = dir.path().join("test.msi");
    run(Command::new("wixl")
        .args(["-a", "x64", "-o"])
        .arg(&msi)
        .arg(dir.path().join("product.wxs"))
        .arg(dir.path().join("policy.wxs")));
    let registry = run(Command::new("msiinfo")
        .arg("export")
        .arg(&msi)
        .arg("Registry"));
    // Root 2 is HKEY_LOCAL_MACHINE; '#' marks a REG_DWORD value.
    let mut rows: Vec<(String, String)> = registry
        .lines()
        .skip(3)
        .map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            assert_eq!(cols.get(1), Some(&"2"), "not HKLM: {row}");
            assert_eq!(cols.get(2), Some(&POLICY_REGISTRY_KEY), "{row}");
            (cols[3].to_owned(), cols[4].to_owned())
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("launch_at_login".into(), "#[AUTOLAUNCHAPP]".into()),
            ("lock_server".into(), "#[LOCK_SERVER]".into()),
            ("server_url".into(), "[SERVER_URL]".into()),
        ]
    );
    for (name, _) in &rows {
        assert!(
            POLICY_KEYS.contains(&name.as_str()),
            "{name} is not a policy key"
        );
    }
    // 256: 64-bit component (not redirected to WOW6432Node); 4: registry key path.
    let components = run(Command::new("msiinfo")
        .arg("export")
        .arg(&msi)
        .arg("Component"));
    assert_eq!(
        components
            .lines()
            .skip(3)
            .filter(|r| r.contains("\t260\t"))
            .count(),
        3,
        "{components}"
    );
}

#[test]
fn tauri_config_pins_the_upgrade_code_and_includes_the_fragment() {
    let conf: serde_json::Value =
        serde_json::from_str(&read("src-tauri/tauri.conf.json")).expect("valid JSON");
    let wix = &conf["bundle"]["windows"]["wix"];
    assert_eq!(wix["upgradeCode"], UPGRADE_CODE);
    assert_eq!(wix["componentGroupRefs"][0], "MulaqatPolicy");
    let fragment = wix["fragmentPaths"][0].as_str().expect("a fragment");
    assert!(
        root().join("src-tauri").join(fragment).is_file(),
        "{fragment}"
    );
    assert!(
        read("packaging/windows/policy.wxs").contains(r#"<ComponentGroup Id="MulaqatPolicy">"#)
    );
    let overlay: serde_json::Value =
        serde_json::from_str(&read("packaging/windows/tauri.msi.conf.json")).expect("valid JSON");
    assert_eq!(overlay["bundle"]["targets"][0], "msi");
}

#[test]
fn shipped_server_toml_loads_and_keeps_the_service_on_loopback() {
    let path = root().join("packaging/linux/server/server.toml");
    let config = mulaqat_server::config::ServerConfig::load(&path).expect("server.toml loads");
    assert!(config.listen.ip().is_loopback(), "{}", config.listen);
    assert_eq!(
        config.data_dir.as_deref(),
        Some(Path::new("/var/lib/mulaqat-server"))
    );
    // The commented examples are valid too once uncommented.
    let text = read("packaging/linux/server/server.toml");
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if !rest.starts_with(' ') && !rest.is_empty() => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let full = dir.path().join("server.toml");
    std::fs::write(&full, uncommented).expect("write");
    let config = mulaqat_server::config::ServerConfig::load(&full)
        .expect("server.toml with every example uncommented loads");
    assert!(config.tls.is_some() && !config.ice.turn_urls.is_empty());
    assert!(config.ice.turn_urls.iter().any(|u| u.contains(":443")));
}

#[test]
fn shipped_policy_locks_nothing_and_its_examples_are_every_key() {
    let text = read("packaging/linux/desktop/policy.toml");
    let (policy, warnings) = MachinePolicy::from_toml(&text).expect("valid TOML");
    assert!(
        policy.is_empty() && warnings.is_empty(),
        "{policy:?} {warnings:?}"
    );
    let uncommented: String = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix('#')
                .filter(|r| r.contains(" = ") && !r.starts_with(' '))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (policy, warnings) = MachinePolicy::from_toml(&uncommented).expect("valid TOML");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut keys: Vec<&str> = uncommented
        .lines()
        .filter_map(|l| l.split(" = ").next())
        .collect();
    keys.sort_unstable();
    let mut all = POLICY_KEYS.to_vec();
    all.sort_unstable();
    assert_eq!(keys, all, "the example should show every policy key once");
    let effective = EffectiveSettings::new(UserSettings::default(), policy);
    assert!(effective.is_locked(SettingKey::ServerUrl));
}

#[test]
fn systemd_unit_verifies_and_is_hardened() {
    let unit = read("packaging/linux/server/mulaqat-server.service");
    for setting in [
        "User=mulaqat-server",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "StateDirectory=mulaqat-server",
        "ExecStart=/usr/bin/mulaqat-server serve --config /etc/mulaqat/server.toml",
    ] {
        assert!(unit.contains(setting), "missing {setting:?}");
    }
    if !have("systemd-analyze", "systemd") {
        return;
    }
    let path = root().join("packaging/linux/server/mulaqat-server.service");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let text = String::from_utf8_lossy(&out.stderr);
    // The binary is not installed on the machine running the tests.
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("/usr/bin/mulaqat-server is not executable"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(problems.is_empty(), "systemd-analyze verify: {problems:#?}");
    // An exposure score of at most 2.0 of 10 ("OK").
    run(Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path));
}

#[test]
fn desktop_entry_handles_mulaqat_links_and_validates() {
    let entry = read("packaging/linux/desktop/org.mulaqat.Mulaqat.desktop");
    assert!(entry.contains("\nMimeType=x-scheme-handler/mulaqat;\n"));
    assert!(entry.contains("\nExec=mulaqat %u\n"));
    let metainfo = read("packaging/linux/desktop/org.mulaqat.Mulaqat.metainfo.xml");
    assert!(
        metainfo
            .contains("<launchable type=\"desktop-id\">org.mulaqat.Mulaqat.desktop</launchable>")
    );
    if have("desktop-file-validate", "desktop-file-utils") {
        run(Command::new("desktop-file-validate")
            .arg(root().join("packaging/linux/desktop/org.mulaqat.Mulaqat.desktop")));
    }
    if have("appstreamcli", "appstream") {
        run(Command::new("appstreamcli")
            .args(["validate", "--no-net"])
            .arg(root().join("packaging/linux/desktop/org.mulaqat.Mulaqat.metainfo.xml")));
    }
}
