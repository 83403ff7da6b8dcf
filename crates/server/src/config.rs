//! Server settings: a TOML file, then command-line flags on top.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::janus::SfuConfig;
use crate::rooms::RoomSettings;

/// The address used when none is given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8717";

/// Everything `mulaqat-server` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The URL clients reach this server at, used in join links
    /// (`wss://meet.hospital.example`). Defaults to the listen address.
    pub public_url: Option<String>,
    /// Where the server secret and `rooms.toml` live.
    pub data_dir: Option<PathBuf>,
    /// The file holding the token-signing secret (default `<data_dir>/secret`).
    pub secret_file: Option<PathBuf>,
    /// Serve `wss://` with this certificate and key.
    pub tls: Option<TlsConfig>,
    /// Per-connection limits.
    pub limits: Limits,
    /// Room behaviour.
    pub rooms: RoomSettings,
    /// STUN and TURN servers handed to clients.
    pub ice: IceConfig,
    /// SFU rooms on Janus VideoRoom nodes (`[sfu]`, `[[sfu.nodes]]`).
    pub sfu: SfuConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN
                .parse()
                .unwrap_or_else(|_| unreachable!("constant address parses")),
            public_url: None,
            data_dir: None,
            secret_file: None,
            tls: None,
            limits: Limits::default(),
            rooms: RoomSettings::default(),
            ice: IceConfig::default(),
            sfu: SfuConfig::default(),
        }
    }
}

/// PEM files for `wss://`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Certificate chain, PEM.
    pub cert: PathBuf,
    /// Private key, PEM.
    pub key: PathBuf,
}

/// Limits applied to every connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest message answered with content; larger ones get `messageTooLarge`.
    pub max_message_bytes: usize,
    /// Sustained messages per second per connection.
    pub messages_per_second: u32,
    /// Messages a connection may send in a burst above the sustained rate.
    pub message_burst: u32,
    /// Seconds between pings.
    pub ping_interval_secs: u64,
    /// Seconds without any frame (pongs included) before a connection is dropped.
    pub idle_timeout_secs: u64,
    /// Seconds a new connection has to send `hello`.
    pub hello_timeout_secs: u64,
    /// Most open connections; beyond it new ones get HTTP 503.
    pub max_connections: usize,
    /// Messages queued for one slow client before it is disconnected.
    pub outbound_queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: mulaqat_protocol::DEFAULT_MAX_MESSAGE_BYTES,
            messages_per_second: 50,
            message_burst: 200,
            ping_interval_secs: 15,
            idle_timeout_secs: 45,
            hello_timeout_secs: 10,
            max_connections: 10_000,
            outbound_queue: 1024,
        }
    }
}

/// STUN and TURN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IceConfig {
    /// `stun:` URLs given to every client as they are.
    pub stun_urls: Vec<String>,
    /// `turn:`/`turns:` URLs of a coturn configured with `use-auth-secret`.
    pub turn_urls: Vec<String>,
    /// The file holding coturn's `static-auth-secret`.
    pub turn_secret_file: Option<PathBuf>,
    /// Seconds TURN credentials stay valid.
    pub turn_ttl_secs: u64,
    /// Tell clients to send media only through TURN (`icePolicy: "relay"`
    /// in `/.well-known/mulaqat`), which hides their addresses from each
    /// other. Needs `turn_urls`.
    pub force_relay: bool,
}

impl Default for IceConfig {
    fn default() -> Self {
        Self {
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret_file: None,
            turn_ttl_secs: 3600,
            force_relay: false,
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("config file {path} is invalid: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        source: Box<toml::de::Error>,
    },
    /// A value is out of range.
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl ServerConfig {
    /// Reads a TOML file; missing keys keep their defaults, unknown keys are errors.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that would make the server misbehave.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        let positive = [
            ("limits.max_message_bytes", l.max_message_bytes as u64),
            (
                "limits.messages_per_second",
                u64::from(l.messages_per_second),
            ),
            ("limits.message_burst", u64::from(l.message_burst)),
            ("limits.ping_interval_secs", l.ping_interval_secs),
            ("limits.hello_timeout_secs", l.hello_timeout_secs),
            ("limits.max_connections", l.max_connections as u64),
            ("limits.outbound_queue", l.outbound_queue as u64),
            (
                "rooms.max_participants",
                u64::from(self.rooms.max_participants),
            ),
            ("ice.turn_ttl_secs", self.ice.turn_ttl_secs),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError::Invalid(format!(
                "{name} must be greater than 0"
            )));
        }
        if l.idle_timeout_secs <= l.ping_interval_secs {
            return Err(ConfigError::Invalid(
                "limits.idle_timeout_secs must be longer than limits.ping_interval_secs".into(),
            ));
        }
        if !self.ice.turn_urls.is_empty() && self.ice.turn_secret_file.is_none() {
            return Err(ConfigError::Invalid(
                "ice.turn_urls needs ice.turn_secret_file (coturn's static-auth-secret)".into(),
            ));
        }
        if let Some(problem) = self.sfu.problem() {
            return Err(ConfigError::Invalid(problem));
        }
        if self.ice.force_relay && self.ice.turn_urls.is_empty() {
            return Err(ConfigError::Invalid(
                "ice.force_relay needs ice.turn_urls (relay-only media cannot work without TURN)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The data directory: configured, else `$STATE_DIRECTORY` (systemd),
    /// else `$XDG_DATA_HOME/mulaqat-server` or `~/.local/share/mulaqat-server`.
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os("STATE_DIRECTORY") {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
            return PathBuf::from(dir).join("mulaqat-server");
        }
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        home.join(".local/share/mulaqat-server")
    }

    /// The token-signing secret's file.
    pub fn secret_path(&self) -> PathBuf {
        self.secret_file
            .clone()
            .unwrap_or_else(|| self.data_dir().join("secret"))
    }

    /// The rooms set up ahead of time.
    pub fn rooms_path(&self) -> PathBuf {
        self.data_dir().join("rooms.toml")
    }

    /// The URL for join links: `public_url`, else derived from `addr`.
    pub fn client_url(&self, addr: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let scheme = if self.tls.is_some() { "wss" } else { "ws" };
                format!("{scheme}://{addr}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_file_keeps_defaults_for_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\n[rooms]\nmax_participants = 6\n[ice]\nstun_urls = [\"stun:127.0.0.1:3478\"]\n",
        )
        .expect("write");
        let config = ServerConfig::load(&path).expect("loads");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.rooms.max_participants, 6);
        assert_eq!(config.limits, Limits::default());
    }

    #[test]
    fn typos_and_nonsense_are_reported_with_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.toml");
        std::fs::write(&path, "[limits]\nmesages_per_second = 5\n").expect("write");
        let err = ServerConfig::load(&path).expect_err("typo").to_string();
        assert!(err.contains("mesages_per_second"), "{err}");

        std::fs::write(&path, "[limits]\nmessages_per_second = 0\n").expect("write");
        let err = ServerConfig::load(&path).expect_err("zero").to_string();
        assert!(
            err.contains("messages_per_second must be greater than 0"),
            "{err}"
        );

        std::fs::write(&path, "[ice]\nturn_urls = [\"turn:x\"]\n").expect("write");
        let err = ServerConfig::load(&path)
            .expect_err("no secret")
            .to_string();
        assert!(err.contains("turn_secret_file"), "{err}");

        std::fs::write(&path, "[ice]\nforce_relay = true\n").expect("write");
        let err = ServerConfig::load(&path)
            .expect_err("relay without TURN")
            .to_string();
        assert!(err.contains("force_relay needs ice.turn_urls"), "{err}");

        let err = ServerConfig::load(&dir.path().join("missing.toml")).expect_err("missing");
        assert!(err.to_string().contains("missing.toml"));
    }
}
