//! coturn in the lab's `srv` namespace with REST credentials
//! (`use-auth-secret`, what mulaqat-server issues), as in
//! `shared/notes/test-lab.md` §3.2: listening and relaying on the bridge
//! address, its own relay port range, pid file and user database in the
//! lab's folder, killed with the lab.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::netns::{Lab, SERVER_ADDR, tool};
use crate::procs::Proc;

/// The TURN port.
pub const PORT: u16 = 3478;

/// A running turnserver.
#[derive(Debug)]
pub struct Coturn {
    /// The process.
    pub proc: Proc,
    /// A file holding the shared secret (for mulaqat-server's `turn_secret_file`).
    pub secret_file: PathBuf,
    /// The TURN URL for clients.
    pub url: String,
}

impl Coturn {
    /// Starts turnserver in `srv` with a random shared secret.
    pub fn start(lab: &Lab) -> Coturn {
        let turnserver = tool("turnserver").expect("turnserver (coturn) is installed");
        let dir = lab.dir();
        let secret = format!("lab-{}-{}", std::process::id(), rand_suffix());
        let secret_file = dir.join("turn-secret");
        std::fs::write(&secret_file, &secret).expect("write the TURN secret");
        let arg = |s: String| OsString::from(s);
        let args = vec![
            arg("-n".into()),
            arg(format!("--listening-ip={SERVER_ADDR}")),
            arg(format!("--relay-ip={SERVER_ADDR}")),
            arg(format!("--listening-port={PORT}")),
            arg("--min-port=49160".into()),
            arg("--max-port=49260".into()),
            arg("--fingerprint".into()),
            arg("--use-auth-secret".into()),
            arg(format!("--static-auth-secret={secret}")),
            arg("--realm=mulaqat.test".into()),
            arg("--no-tls".into()),
            arg("--no-dtls".into()),
            arg("--no-cli".into()),
            arg("--no-multicast-peers".into()),
            arg(format!(
                "--pidfile={}",
                dir.join("turnserver.pid").display()
            )),
            arg(format!("--userdb={}", dir.join("turndb").display())),
            arg("--log-file=stdout".into()),
            arg("--simple-log".into()),
        ];
        let proc = Proc::spawn(
            Some(lab),
            Some(&lab.ns("srv")),
            "turnserver",
            &turnserver,
            &args,
            dir,
        );
        proc.wait_line("Total General servers", Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("turnserver did not start: {e}"));
        Coturn {
            proc,
            secret_file,
            url: format!("turn:{SERVER_ADDR}:{PORT}?transport=udp"),
        }
    }

    /// mulaqat-server's `[ice]` section for this relay.
    pub fn server_config(&self, ttl_secs: u64) -> String {
        self.server_config_for(&[&self.url], ttl_secs)
    }

    /// mulaqat-server's `[ice]` section handing out `urls` (this relay's
    /// TCP URL, or a relay in front of it) with this relay's secret.
    pub fn server_config_for(&self, urls: &[&str], ttl_secs: u64) -> String {
        let urls: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
        format!(
            "[ice]\nturn_urls = [{}]\nturn_secret_file = \"{}\"\nturn_ttl_secs = {ttl_secs}\n",
            urls.join(", "),
            self.secret_file.display()
        )
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) ^ d.as_secs())
        .unwrap_or(0)
}
