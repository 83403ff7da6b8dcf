//! In-process servers for tests (feature `testing`, for dev-dependencies):
//! on a free loopback port, with a data directory of their own that goes
//! with them, and join tokens signed with their secret.
//!
//! ```no_run
//! # async fn example() -> Result<(), mulaqat_server::testing::TestServerError> {
//! use mulaqat_protocol::{Role, RoomId};
//! use mulaqat_server::testing::TestServer;
//!
//! let server = TestServer::start_with(|config| config.rooms.max_participants = 2).await?;
//! let room = RoomId::new("ward-7").expect("a valid room name");
//! let token = server.token(&room, Role::Host);
//! let url = server.ws_url(); // ws://127.0.0.1:<port>/ws
//! # let _ = (token, url);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use mulaqat_protocol::{Role, RoomId, UnixMillis};

use crate::config::ServerConfig;
use crate::server::{RunningServer, StartError, start};
use crate::token::TokenSigner;

/// The secret test servers sign join tokens with.
pub const TEST_SECRET: &[u8] = b"mulaqat-test-server-secret-32-by";

/// How long the tokens of [`TestServer::token`] are valid.
pub const TOKEN_TTL_SECS: u64 = 3600;

/// Why a test server did not start.
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    /// Its data directory could not be made.
    #[error("cannot make a data directory for the test server: {0}")]
    DataDir(#[source] std::io::Error),
    /// The server refused its configuration or could not listen.
    #[error(transparent)]
    Start(#[from] StartError),
}

/// A running server for a test; dropping it stops nothing gracefully (call
/// [`TestServer::shutdown`] for that) but removes its data directory.
#[derive(Debug)]
pub struct TestServer {
    server: RunningServer,
    signer: TokenSigner,
    data_dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with the default settings.
    pub async fn start() -> Result<Self, TestServerError> {
        Self::start_with(|_| {}).await
    }

    /// A server with the settings `configure` makes (rooms, `[sfu]`,
    /// `[ice]`, TLS, limits…). It starts from the defaults with `listen` on
    /// a free loopback port and `data_dir` a new empty directory; both may
    /// be changed.
    pub async fn start_with(
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Result<Self, TestServerError> {
        let data_dir = tempfile::tempdir().map_err(TestServerError::DataDir)?;
        let mut config = ServerConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            // Nothing set up ahead of time unless a test writes it.
            data_dir: Some(data_dir.path().to_owned()),
            ..ServerConfig::default()
        };
        configure(&mut config);
        let server = start(config, TEST_SECRET.to_vec()).await?;
        Ok(Self {
            server,
            signer: TokenSigner::new(TEST_SECRET),
            data_dir,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Its signalling WebSocket: `ws://127.0.0.1:<port>/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.local_addr())
    }

    /// Its HTTP origin: `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.local_addr())
    }

    /// The running server (its client URL, for one).
    pub fn running(&self) -> &RunningServer {
        &self.server
    }

    /// Its data directory (the token secret aside: see [`TEST_SECRET`]).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Signs tokens with its secret, for tokens of other times or lives.
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// A join token for `room` as `role`, valid for [`TOKEN_TTL_SECS`] from now.
    pub fn token(&self, room: &RoomId, role: Role) -> String {
        self.signer.issue(room.clone(), role, now(), TOKEN_TTL_SECS)
    }

    /// Tells every client the server is going away, closes their
    /// connections, stops listening, and removes the data directory.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

fn now() -> UnixMillis {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UnixMillis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}
