//! A desktop session of our own for the portal test: a private D-Bus
//! session bus, a PipeWire daemon with WirePlumber (which links a reader to
//! the node it asks for, as on a real desktop), and a "screen": a PipeWire
//! video source made the way a compositor's screencast stream is, with a
//! variable frame rate.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gst::prelude::*;

/// The processes of the session, stopped when it is dropped.
pub struct Desktop {
    dir: tempfile::TempDir,
    pub bus_address: String,
    children: Vec<(&'static str, Child)>,
}

impl Desktop {
    /// Starts the bus, PipeWire and WirePlumber, and waits until they are up.
    pub fn start() -> Desktop {
        let dir = tempfile::tempdir().expect("a directory for the session");
        let runtime = dir.path().join("run");
        std::fs::create_dir(&runtime).expect("runtime directory");
        let bus_socket = dir.path().join("bus");
        let bus_address = format!("unix:path={}", bus_socket.display());
        let mut desktop = Desktop {
            dir,
            bus_address,
            children: Vec::new(),
        };
        desktop.spawn("dbus-daemon", "dbus", |c| {
            c.args(["--nofork", "--nopidfile"])
                .arg(format!("--config-file={}", desktop_bus_config(&bus_socket)))
        });
        wait_for(&bus_socket, "the session bus");
        desktop.spawn("pipewire", "pipewire", |c| c);
        wait_for(&desktop.pipewire_socket(), "PipeWire's socket");
        desktop.spawn("wireplumber", "wireplumber", |c| c);
        desktop.wait_for_object("WirePlumber's client", |object| {
            object["type"] == "PipeWire:Interface:Client"
                && object["info"]["props"]["application.name"] == "WirePlumber"
        });
        desktop
    }

    /// PipeWire's socket: what the portal connects a reader to.
    pub fn pipewire_socket(&self) -> PathBuf {
        self.dir.path().join("run").join("pipewire-0")
    }

    /// Runs `program` (from `package`) in the session's environment.
    fn spawn(
        &mut self,
        program: &'static str,
        package: &str,
        args: impl FnOnce(&mut Command) -> &mut Command,
    ) {
        let mut command = self.command(program);
        args(&mut command);
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program} runs (packaging/linux/install-deps.sh --test installs {package}): {e}")
            });
        self.children.push((program, child));
    }

    /// `program` with this session's runtime directory, bus and a home of
    /// its own (nothing of the machine's own session is touched).
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        let home = self.dir.path();
        command
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env_remove("PIPEWIRE_REMOTE")
            .env_remove("PIPEWIRE_RUNTIME_DIR")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        command
    }

    /// PipeWire's objects, as `pw-dump` lists them.
    fn objects(&self) -> Vec<serde_json::Value> {
        let out = self
            .command("pw-dump")
            .stderr(Stdio::null())
            .output()
            .expect("pw-dump runs (package pipewire-bin)");
        serde_json::from_slice(&out.stdout).unwrap_or_default()
    }

    /// Waits up to 10 s for an object that `matches`.
    fn wait_for_object(
        &self,
        what: &str,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = self.objects().into_iter().find(|o| matches(o)) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not appear in PipeWire"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to 10 s until no node is named `name`.
    pub fn wait_node_gone(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .objects()
            .iter()
            .any(|object| object["info"]["props"]["node.name"] == name)
        {
            assert!(Instant::now() < deadline, "{name} stays in PipeWire");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The id of the node named `name`.
    pub fn node_id(&self, name: &str) -> u32 {
        let node = self.wait_for_object(name, |object| {
            object["type"] == "PipeWire:Interface:Node"
                && object["info"]["props"]["node.name"] == name
        });
        node["id"]
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
            .expect("a node id")
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A bus that starts no services (the machine's session bus would start a
/// real portal if one is installed) and lets anyone own any name.
fn desktop_bus_config(socket: &Path) -> String {
    let config = socket.with_extension("conf");
    std::fs::write(
        &config,
        format!(
            "<busconfig><type>session</type><listen>unix:path={}</listen>\
             <auth>EXTERNAL</auth><policy context=\"default\">\
             <allow send_destination=\"*\"/><allow receive_sender=\"*\"/>\
             <allow own=\"*\"/></policy></busconfig>",
            socket.display()
        ),
    )
    .expect("bus configuration");
    config.display().to_string()
}

fn wait_for(path: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(Instant::now() < deadline, "{what} did not appear");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A screen being cast: a black ball moving over white, 1600x1000 (16:10,
/// as many laptop screens), offered to PipeWire with a variable rate
/// (`0/1`, at most 30 a second) as GNOME's and wlroots' screencasts do.
pub struct Screen {
    pipeline: gst::Pipeline,
    _connection: UnixStream,
}

pub const SCREEN_NODE: &str = "mulaqat-test-screen";
pub const SCREEN_SIZE: (i32, i32) = (1600, 1000);

impl Screen {
    pub fn start(desktop: &Desktop) -> Screen {
        mulaqat_media::init().expect("gstreamer");
        let connection = UnixStream::connect(desktop.pipewire_socket()).expect("PipeWire");
        let (w, h) = SCREEN_SIZE;
        let description = format!(
            "videotestsrc is-live=true pattern=ball background-color=0xffffffff \
             foreground-color=0xff000000 \
             ! video/x-raw,format=BGRx,width={w},height={h},framerate=30/1 \
             ! capssetter caps=\"video/x-raw,framerate=0/1,max-framerate=30/1\" \
             ! pipewiresink mode=provide fd={fd} \
               stream-properties=\"props,media.class=Video/Source,node.name={SCREEN_NODE}\"",
            fd = connection.as_raw_fd(),
        );
        let pipeline = gst::parse::launch(&description)
            .expect("the screen's pipeline (capssetter: gstreamer1.0-plugins-good)")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        pipeline
            .set_state(gst::State::Playing)
            .expect("the screen is cast");
        Screen {
            pipeline,
            _connection: connection,
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
