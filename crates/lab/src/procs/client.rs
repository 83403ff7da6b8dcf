//! `mulaqat-cli` in a lab, and the stats JSON it writes.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::netns::Lab;

use super::{Bins, Proc};

/// A `mulaqat-cli join` (or `station`) with its stats file.
#[derive(Debug)]
pub struct Client {
    /// The running process.
    pub proc: Proc,
    /// Its `--stats-json` file.
    pub stats: PathBuf,
    /// Its display name.
    pub name: String,
}

impl Client {
    /// Runs `mulaqat-cli COMMAND LINK --name NAME --stats-json FILE ARGS` in
    /// client namespace `i` of `lab` (or here, for `None`).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        lab: Option<&Lab>,
        i: Option<usize>,
        dir: &Path,
        bins: &Bins,
        command: &str,
        link: &str,
        name: &str,
        args: &[&str],
    ) -> Client {
        let stats = dir.join(format!("stats-{}.json", name.replace(' ', "_")));
        let ns = match (lab, i) {
            (Some(lab), Some(i)) => Some(lab.client_ns(i)),
            _ => None,
        };
        // The link (its token) goes through the environment: a command line
        // is readable by every user of the machine.
        let mut all: Vec<OsString> = vec![
            command.into(),
            "--name".into(),
            name.into(),
            "--stats-json".into(),
            stats.clone().into(),
        ];
        all.extend(args.iter().map(OsString::from));
        let label = match i {
            Some(i) => format!("c{i} {name}"),
            None => name.to_owned(),
        };
        let env = [("MULAQAT_JOIN_LINK", link)];
        let proc = Proc::spawn_with_env(lab, ns.as_deref(), &label, &bins.cli, &all, &env, dir);
        Client {
            proc,
            stats,
            name: name.to_owned(),
        }
    }

    /// Its stats JSON now (None before the first write).
    pub fn stats(&self) -> Option<Stats> {
        Stats::read(&self.stats)
    }

    /// Its participant id, from `state: in the call as ID` (the latest one).
    pub fn participant_id(&self) -> Option<String> {
        self.proc
            .stdout()
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("state: in the call as ").map(str::to_owned))
    }

    /// The transcript and the stats, for assertion messages.
    pub fn report(&self) -> String {
        format!(
            "{}--- {} stats:\n{}\n",
            self.proc.transcript(),
            self.proc.label,
            self.stats()
                .map_or_else(|| "(none written)".to_owned(), |s| s.to_string())
        )
    }
}

/// A stats JSON document (see the cli's `stats.rs`).
#[derive(Debug, Clone)]
pub struct Stats(pub Value);

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string_pretty(&self.0).unwrap_or_default())
    }
}

impl Stats {
    /// Reads `path` (written atomically by the cli).
    pub fn read(path: &Path) -> Option<Stats> {
        Stats::read_timed(path).map(|(s, _)| s)
    }

    /// Reads `path` and when it was written (the cli writes it right after
    /// a stats report, so this is when the figures were taken).
    pub fn read_timed(path: &Path) -> Option<(Stats, std::time::SystemTime)> {
        let mut file = std::fs::File::open(path).ok()?;
        let written = file.metadata().ok()?.modified().ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        serde_json::from_str(&text)
            .ok()
            .map(|v| (Stats(v), written))
    }

    /// Remote participants: (id, entry).
    pub fn remotes(&self) -> Vec<(String, &Value)> {
        self.0["remote"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
            .unwrap_or_default()
    }

    /// One remote participant's entry.
    pub fn remote(&self, id: &str) -> Option<&Value> {
        self.0["remote"].get(id)
    }

    /// Remote participants not marked `present: false`.
    pub fn present(&self) -> Vec<(String, &Value)> {
        self.remotes()
            .into_iter()
            .filter(|(_, r)| r["present"].as_bool() != Some(false))
            .collect()
    }

    /// The remote participants whose video has frames at `width`x`height`.
    pub fn videos_at(&self, width: u64, height: u64) -> usize {
        self.remotes()
            .iter()
            .filter(|(_, r)| {
                frames(r) > 0
                    && r["video"]["width"].as_u64() == Some(width)
                    && r["video"]["height"].as_u64() == Some(height)
            })
            .count()
    }
}

/// Video frames received from a remote entry (0 if none).
pub fn frames(remote: &Value) -> u64 {
    remote["video"]["framesReceived"].as_u64().unwrap_or(0)
}

/// Video fps of a remote entry.
pub fn fps(remote: &Value) -> Option<f64> {
    remote["video"]["fps"].as_f64()
}
