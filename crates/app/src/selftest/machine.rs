//! The checks of this machine's set-up: the OS secret store, the machine
//! policy and how the window is drawn.

use mulaqat_settings::{CredentialStore, EffectiveSettings, MachinePolicy, UserSettings};
use serde_json::{Value, json};

use super::{Check, CheckStatus, check};

pub(super) fn check_secret_store() -> Check {
    let title = "Secret store";
    match CredentialStore::open() {
        Ok(_) => {
            let mut c = check(
                "secret-store",
                title,
                CheckStatus::Pass,
                "the OS keyring answers: passwords and tokens can be remembered".to_owned(),
            );
            c.data = json!({ "available": true });
            c
        }
        Err(e) => {
            let mut c = check(
                "secret-store",
                title,
                CheckStatus::Warn,
                "not available: Mulaqat works, but asks for passwords each time instead of \
                 remembering them"
                    .to_owned(),
            );
            c.details.push(e.to_string());
            if cfg!(target_os = "linux") {
                c.details.push(
                    "Passwords are kept only through the Secret Service of the person's desktop \
                     session (GNOME Keyring, KWallet); a root shell or SSH session without one \
                     is expected to show this."
                        .to_owned(),
                );
            }
            c.data = json!({ "available": false, "error": e.to_string() });
            c
        }
    }
}

pub(super) fn check_policy() -> Check {
    let title = "Machine policy";
    let loaded = match MachinePolicy::load() {
        Ok(loaded) => loaded,
        Err(e) => {
            let mut c = check(
                "policy",
                title,
                CheckStatus::Fail,
                format!(
                    "the policy cannot be used, so nothing is locked: {e}; the app runs with \
                     each person's own settings until it is fixed"
                ),
            );
            c.data = json!({ "error": e.to_string() });
            return c;
        }
    };
    let effective = EffectiveSettings::new(UserSettings::default(), loaded.policy.clone());
    let locked: Vec<&str> = effective.locked().iter().map(|k| k.as_str()).collect();
    let values = serde_json::to_value(&loaded.policy).unwrap_or(Value::Null);
    let set: Vec<(String, Value)> = match &values {
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let summary = if loaded.policy.is_empty() {
        format!("{}: nothing is locked", loaded.source)
    } else {
        let locked_text = if locked.is_empty() {
            "none".to_owned()
        } else {
            locked.join(", ")
        };
        format!(
            "from {}: {} keys set; locked: {locked_text}",
            loaded.source,
            set.len()
        )
    };
    let status = if loaded.warnings.is_empty() {
        CheckStatus::Pass
    } else {
        CheckStatus::Warn
    };
    let mut c = check("policy", title, status, summary);
    for (key, value) in &set {
        c.details.push(format!("{key} = {value}"));
    }
    for warning in &loaded.warnings {
        c.details.push(format!("warning: {warning}"));
    }
    c.data = json!({
        "source": loaded.source,
        "policy": values,
        "locked": locked,
        "warnings": loaded.warnings,
    });
    c
}

/// How the window will draw: on the GPU, or, where there is none, without
/// WebKit's accelerated compositing (see [`crate::webview`]).
pub(super) fn check_webview(machine: &crate::webview::Machine) -> Check {
    let off = crate::webview::turn_compositing_off(machine);
    let summary = if machine.switch_set {
        format!(
            "{} is set here, so WebKit follows it",
            crate::webview::COMPOSITING_SWITCH
        )
    } else if off {
        "no GPU render node (/dev/dri/renderD*): the window draws without accelerated \
         compositing, which would run in software here"
            .to_owned()
    } else {
        format!(
            "{} GPU render node(s): the window composites on the GPU",
            machine.render_nodes
        )
    };
    let mut c = check("webview", "Window drawing", CheckStatus::Pass, summary);
    c.data = json!({
        "renderNodes": machine.render_nodes,
        "switchSet": machine.switch_set,
        "compositingTurnedOff": off,
    });
    c
}
