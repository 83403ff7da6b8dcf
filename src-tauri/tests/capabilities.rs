//! Least privilege, checked: the main window's capability grants exactly
//! Mulaqat's own commands (each registered with the handler, given a
//! permission by build.rs and named in the UI's contract, whose mock backend
//! fails to compile without a case for each) plus listening to events,
//! nothing else; the CSP
//! allows no eval, no inline script, no remote origin, no framing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// `"name",` entries of the COMMANDS list in build.rs.
fn build_rs_commands() -> BTreeSet<String> {
    let text = read("build.rs");
    let list = text.split("const COMMANDS").nth(1).unwrap();
    let list = &list[..list.find("];").unwrap()];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Functions marked `#[tauri::command]` in src/commands.rs.
fn command_functions() -> BTreeSet<String> {
    let text = read("src/commands.rs");
    text.split("#[tauri::command]")
        .skip(1)
        .map(|rest| {
            let after_fn = rest.split("fn ").nth(1).unwrap();
            after_fn
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Names inside `generate_handler![...]`.
fn registered_handlers() -> BTreeSet<String> {
    let text = read("src/commands.rs");
    let list = text.split("generate_handler![").nth(1).unwrap();
    let list = &list[..list.find(']').unwrap()];
    list.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The UI contract's `COMMAND_NAMES` (camelCase), as the Rust commands they
/// invoke (snake_case, as `rustCommandName` in `ui/src/lib/ipc/tauri.ts`).
fn contract_commands() -> BTreeSet<String> {
    let text = read("../ui/src/lib/ipc/contract.ts");
    let list = text.split("export const COMMAND_NAMES = [").nth(1).unwrap();
    let list = &list[..list.find(']').unwrap()];
    let snake = |name: &str| {
        name.chars().fold(String::new(), |mut out, c| {
            if c.is_ascii_uppercase() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            out
        })
    };
    list.split('"').skip(1).step_by(2).map(snake).collect()
}

fn capability() -> serde_json::Value {
    serde_json::from_str(&read("capabilities/main-window.json")).unwrap()
}

#[test]
fn every_command_is_registered_permitted_and_granted_and_nothing_else_is() {
    let declared = build_rs_commands();
    assert_eq!(
        declared,
        command_functions(),
        "build.rs vs #[tauri::command]"
    );
    assert_eq!(
        declared,
        registered_handlers(),
        "build.rs vs generate_handler!"
    );
    assert_eq!(
        declared,
        contract_commands(),
        "build.rs vs the UI contract's COMMAND_NAMES"
    );

    let cap = capability();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(cap["local"], true, "only the bundled UI");
    assert!(
        cap.get("remote").is_none(),
        "no remote origin may call commands"
    );
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names").to_owned())
        .collect();
    let mut expected: BTreeSet<String> = declared
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(granted, expected);
}

#[test]
fn the_content_security_policy_is_strict() {
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = &conf["app"]["security"]["csp"];
    let directive = |name: &str| csp[name].as_str().unwrap_or_default().to_owned();
    assert_eq!(directive("default-src"), "'self'");
    assert_eq!(
        directive("script-src"),
        "'self'",
        "no inline script, no eval"
    );
    for name in ["object-src", "frame-src"] {
        assert_eq!(directive(name), "'none'", "{name}");
    }
    assert_eq!(
        directive("frame-ancestors"),
        "'none'",
        "the UI cannot be framed"
    );
    let all = csp.to_string();
    assert!(!all.contains("unsafe-eval"), "{all}");
    for (name, value) in csp.as_object().unwrap() {
        if name != "connect-src" {
            let value = value.as_str().unwrap();
            assert!(
                !value.contains("http") && !value.contains("ws:"),
                "{name} names no origin beyond the app: {value}"
            );
        }
    }
    assert!(
        directive("connect-src")
            .split_whitespace()
            .all(|src| src == "ipc:" || src == "http://ipc.localhost" || src == "ws://127.0.0.1:*"),
        "IPC (ipc: on Linux and macOS, http://ipc.localhost on Windows) and the local frame socket only"
    );
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
}
