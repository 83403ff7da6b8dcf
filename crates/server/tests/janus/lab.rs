//! Janus processes for tests: each with its own config folder (made from
//! `packaging/janus/`), a free WebSocket port on 127.0.0.1 and a random API
//! secret; killed when dropped, also when a test fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

/// The Janus binary. A missing one fails the test rather than skipping
/// it: the project's test set-up installs Janus (Debian package `janus`),
/// so its absence is a broken set-up, and SFU tests that pass without
/// running would hide regressions. (`#[ignore]` would not run them by
/// default at all.)
pub fn janus_binary() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("janus"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "janus is not on PATH: the SFU tests need the Debian package `janus` \
             (apt-get install janus, or packaging/linux/install-deps.sh --test)"
        )
    })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("addr").port()
}

/// One Janus node.
pub struct Janus {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub secret: String,
    pub admin_key: String,
    binary: PathBuf,
    child: Option<Child>,
}

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/janus")
}

impl Janus {
    pub fn start(binary: &Path) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = format!("test-secret-{:016x}", rand_u64());
        let admin_key = format!("test-admin-{:016x}", rand_u64());
        let port = free_port();
        let conf = dir.path();
        for name in [
            "janus.jcfg",
            "janus.transport.websockets.jcfg",
            "janus.plugin.videoroom.jcfg",
        ] {
            let text = std::fs::read_to_string(templates().join(name)).expect("template");
            let text = text
                .replace("\"/etc/janus\"", &format!("\"{}\"", conf.display()))
                .replace("@MULAQAT_JANUS_API_SECRET@", &secret)
                .replace("ws_port = 8188", &format!("ws_port = {port}"));
            let text = if name == "janus.plugin.videoroom.jcfg" {
                text.replace(
                    "#admin_key = \"@MULAQAT_JANUS_ADMIN_KEY@\"",
                    &format!("admin_key = \"{admin_key}\""),
                )
            } else {
                text
            };
            std::fs::write(conf.join(name), text).expect("write config");
        }
        let mut janus = Self {
            dir,
            port,
            secret,
            admin_key,
            binary: binary.to_owned(),
            child: None,
        };
        janus.launch();
        janus
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Starts the process and waits until its WebSocket port accepts.
    pub fn launch(&mut self) {
        let conf = self.dir.path();
        let log = std::fs::File::create(conf.join("janus.out")).expect("log file");
        let child = Command::new(&self.binary)
            .arg("-F")
            .arg(conf)
            .arg("-C")
            .arg(conf.join("janus.jcfg"))
            .arg("-L")
            .arg(conf.join("janus.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone"))
            .stderr(log)
            .spawn()
            .expect("start janus");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "janus did not listen on {} in time; see {}",
                self.port,
                conf.join("janus.out").display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The node's rooms, asked with the API secret (and the test's admin key).
    /// Janus's own list of its VideoRoom rooms.
    async fn listed(&self) -> Vec<serde_json::Value> {
        let (conn, _events) = mulaqat_server::janus::JanusConn::connect(
            &self.url(),
            &self.secret,
            Duration::from_secs(5),
        )
        .await
        .expect("connect to janus");
        let session = conn.create_session().await.expect("session");
        let handle = conn.attach_videoroom(session).await.expect("attach");
        let (data, _) = conn
            .message(
                session,
                handle,
                json!({"request": "list", "admin_key": self.admin_key}),
                None,
            )
            .await
            .expect("list");
        let _ = conn.destroy_session(session).await;
        data["list"].as_array().expect("a list").clone()
    }

    pub async fn rooms(&self) -> Vec<u64> {
        let listed = self.listed().await;
        listed.iter().filter_map(|r| r["room"].as_u64()).collect()
    }

    /// Each room's `videocodec`.
    pub async fn video_codecs(&self) -> Vec<String> {
        let listed = self.listed().await;
        let codec = |r: &serde_json::Value| r["videocodec"].as_str().map(str::to_owned);
        listed.iter().filter_map(codec).collect()
    }
}

impl Drop for Janus {
    fn drop(&mut self) {
        self.kill();
    }
}

fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    mulaqat_server::secret::fill_random(&mut bytes);
    u64::from_le_bytes(bytes)
}
