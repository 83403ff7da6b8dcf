//! A Janus node in the lab's `srv` namespace, configured from the
//! templates in `packaging/janus/` with a random API secret, its WebSocket
//! API on 127.0.0.1:8188 of that namespace (where `mulaqat-server` runs),
//! its media on the bridge. Killed with the lab, also when a test fails.
//!
//! Used by the SFU tests (`crates/cli/tests/sfu`) and the SFU bench
//! (`crates/cli/benches/sfu.rs`). Needs root and Debian's `janus`
//! ([`crate::netns::available`] with `&["janus"]` says whether both are there).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::{Lab, tool};
use crate::procs::Proc;

/// The WebSocket API, inside `srv`.
pub const JANUS_URL: &str = "ws://127.0.0.1:8188";

/// One Janus process (restartable).
#[derive(Debug)]
pub struct Janus {
    /// The running process.
    pub proc: Proc,
    /// Its config folder (and log).
    pub dir: PathBuf,
    /// The file holding the API secret, for `mulaqat-server`.
    pub secret_file: PathBuf,
    runs: u32,
}

/// `packaging/janus/` of the workspace (this crate is `crates/lab`).
fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/janus")
}

fn random_secret() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Janus {
    /// Writes the config into `<lab dir>/janus` and starts Janus in `srv`.
    pub fn start(lab: &Lab) -> Janus {
        let dir = lab.dir().join("janus");
        std::fs::create_dir_all(&dir).expect("janus folder");
        let secret = format!("lab-{}", random_secret());
        for name in [
            "janus.jcfg",
            "janus.transport.websockets.jcfg",
            "janus.plugin.videoroom.jcfg",
        ] {
            let text = std::fs::read_to_string(templates().join(name)).expect("janus template");
            let text = text
                .replace("\"/etc/janus\"", &format!("\"{}\"", dir.display()))
                .replace("@MULAQAT_JANUS_API_SECRET@", &secret);
            std::fs::write(dir.join(name), text).expect("write janus config");
        }
        let secret_file = dir.join("api-secret");
        std::fs::write(&secret_file, &secret).expect("write the secret file");
        let proc = launch(lab, &dir, 0);
        Janus {
            proc,
            dir,
            secret_file,
            runs: 0,
        }
    }

    /// `[sfu]` for `mulaqat-server`: this node, and a quick node timeout.
    pub fn server_config(&self) -> String {
        format!(
            "[sfu]\nrequest_timeout_ms = 3000\nretry_max_ms = 2000\n\n[[sfu.nodes]]\nname = \"janus\"\n\
             url = \"{JANUS_URL}\"\napi_secret_file = \"{}\"\n",
            self.secret_file.display()
        )
    }

    /// SIGKILL, as a crash.
    pub fn kill(&self) {
        self.proc.kill();
    }

    /// Starts it again with the same config.
    pub fn restart(&mut self, lab: &Lab) {
        self.proc.kill();
        self.runs += 1;
        self.proc = launch(lab, &self.dir, self.runs);
    }
}

fn launch(lab: &Lab, dir: &Path, run: u32) -> Proc {
    let janus = tool("janus").expect("janus is installed");
    let label = if run == 0 {
        "janus".to_owned()
    } else {
        format!("janus run {}", run + 1)
    };
    let args: Vec<OsString> = vec![
        "-F".into(),
        dir.into(),
        "-C".into(),
        dir.join("janus.jcfg").into(),
        "-L".into(),
        dir.join(format!("janus-{run}.log")).into(),
    ];
    let proc = Proc::spawn(
        Some(lab),
        Some(&lab.ns("srv")),
        &label,
        &janus,
        &args,
        lab.dir(),
    );
    proc.wait_line("WebSockets thread started", Duration::from_secs(15))
        .unwrap_or_else(|e| panic!("janus did not start: {e}"));
    proc
}
