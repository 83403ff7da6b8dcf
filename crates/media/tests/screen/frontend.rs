//! A stand-in for xdg-desktop-portal's ScreenCast frontend on the test's
//! bus. It answers as the real one does once the person has chosen in the
//! desktop's dialog: requests answered by a `Response` signal on the
//! request's object, a session object, the chosen stream's PipeWire node
//! and a connection to PipeWire. Only the dialog is not there: the test
//! says what the person chose.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use zbus::message::Header;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";

/// What the person does in the dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Picks the screen cast on `node`.
    Screen { node: u32, size: (i32, i32) },
    /// Closes the dialog.
    Cancel,
}

/// The frontend, while it serves on the bus.
pub struct Frontend {
    connection: zbus::Connection,
    state: Arc<Mutex<Shared>>,
}

#[derive(Default)]
struct Shared {
    /// The portal methods called, in order.
    calls: Vec<&'static str>,
    /// The sessions opened and not closed.
    sessions: Vec<OwnedObjectPath>,
}

impl Frontend {
    /// Serves as `org.freedesktop.portal.Desktop` on the bus at `address`.
    pub async fn serve(address: &str, choice: Choice, pipewire: PathBuf) -> Frontend {
        let state = Arc::new(Mutex::new(Shared::default()));
        let screencast = ScreenCast {
            choice,
            pipewire,
            state: state.clone(),
        };
        let connection = zbus::connection::Builder::address(address)
            .expect("the bus address")
            .name("org.freedesktop.portal.Desktop")
            .expect("the portal's name")
            .serve_at(PORTAL_PATH, screencast)
            .expect("the ScreenCast object")
            .build()
            .await
            .expect("the frontend joins the bus");
        Frontend { connection, state }
    }

    /// The portal methods called so far, in order.
    pub fn calls(&self) -> Vec<&'static str> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The sessions open now.
    pub fn open_sessions(&self) -> usize {
        self.state.lock().unwrap().sessions.len()
    }

    /// The person presses the desktop's own "stop sharing": every session
    /// is closed from the portal's side.
    pub async fn stop_sharing(&self) {
        let sessions = std::mem::take(&mut self.state.lock().unwrap().sessions);
        for session in sessions {
            let _ = self
                .connection
                .object_server()
                .remove::<Session, _>(&session)
                .await;
            self.connection
                .emit_signal(
                    None::<&str>,
                    &session,
                    "org.freedesktop.portal.Session",
                    "Closed",
                    &(HashMap::<&str, Value<'_>>::new(),),
                )
                .await
                .expect("the Closed signal");
        }
    }
}

struct ScreenCast {
    choice: Choice,
    pipewire: PathBuf,
    state: Arc<Mutex<Shared>>,
}

/// `/org/freedesktop/portal/desktop/<kind>/<sender>/<token>`, the object
/// path a caller expects its request or session at.
fn handle_path(
    kind: &str,
    header: &Header<'_>,
    options: &HashMap<String, OwnedValue>,
    key: &str,
) -> OwnedObjectPath {
    let sender = header
        .sender()
        .map(|s| s.trim_start_matches(':').replace('.', "_"))
        .unwrap_or_default();
    let token = options
        .get(key)
        .and_then(|v| v.downcast_ref::<String>().ok())
        .unwrap_or_else(|| "t".into());
    ObjectPath::try_from(format!("{PORTAL_PATH}/{kind}/{sender}/{token}"))
        .expect("a valid path")
        .into()
}

/// Answers the request at `request` with `code` (0 done, 1 cancelled) and
/// `results`, as the portal does when the dialog closes.
async fn respond(
    connection: &zbus::Connection,
    request: &OwnedObjectPath,
    code: u32,
    results: HashMap<&str, Value<'_>>,
) {
    connection
        .emit_signal(
            None::<&str>,
            request,
            "org.freedesktop.portal.Request",
            "Response",
            &(code, results),
        )
        .await
        .expect("the Response signal");
}

#[zbus::interface(name = "org.freedesktop.portal.ScreenCast")]
impl ScreenCast {
    async fn create_session(
        &self,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> OwnedObjectPath {
        let request = handle_path("request", &header, &options, "handle_token");
        let session = handle_path("session", &header, &options, "session_handle_token");
        {
            let mut state = self.state.lock().unwrap();
            state.calls.push("CreateSession");
            state.sessions.push(session.clone());
        }
        let session_object = Session {
            state: self.state.clone(),
            path: session.clone(),
        };
        let connection = connection.clone();
        let reply = request.clone();
        tokio::spawn(async move {
            connection
                .object_server()
                .at(&session, session_object)
                .await
                .expect("the session object");
            let results = HashMap::from([("session_handle", Value::from(session.as_str()))]);
            respond(&connection, &reply, 0, results).await;
        });
        request
    }

    async fn select_sources(
        &self,
        _session: ObjectPath<'_>,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> OwnedObjectPath {
        self.state.lock().unwrap().calls.push("SelectSources");
        let request = handle_path("request", &header, &options, "handle_token");
        respond(connection, &request, 0, HashMap::new()).await;
        request
    }

    async fn start(
        &self,
        _session: ObjectPath<'_>,
        _parent_window: &str,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: Header<'_>,
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> OwnedObjectPath {
        self.state.lock().unwrap().calls.push("Start");
        let request = handle_path("request", &header, &options, "handle_token");
        match self.choice {
            Choice::Screen { node, size } => {
                let properties: HashMap<&str, Value<'_>> = HashMap::from([
                    ("size", Value::from(size)),
                    ("source_type", Value::from(1u32)),
                ]);
                let streams = vec![(node, properties)];
                let results = HashMap::from([("streams", Value::from(streams))]);
                respond(connection, &request, 0, results).await;
            }
            Choice::Cancel => respond(connection, &request, 1, HashMap::new()).await,
        }
        request
    }

    async fn open_pipe_wire_remote(
        &self,
        _session: ObjectPath<'_>,
        _options: HashMap<String, OwnedValue>,
    ) -> zbus::fdo::Result<zbus::zvariant::OwnedFd> {
        self.state.lock().unwrap().calls.push("OpenPipeWireRemote");
        // The real portal gives a connection that sees only the chosen
        // node; the reader cannot tell the difference.
        let stream = std::os::unix::net::UnixStream::connect(&self.pipewire)
            .map_err(|e| zbus::fdo::Error::Failed(format!("PipeWire: {e}")))?;
        Ok(std::os::fd::OwnedFd::from(stream).into())
    }

    #[zbus(property, name = "AvailableSourceTypes")]
    fn available_source_types(&self) -> u32 {
        // Monitors and windows.
        1 | 2
    }

    #[zbus(property, name = "AvailableCursorModes")]
    fn available_cursor_modes(&self) -> u32 {
        // Hidden and embedded.
        1 | 2
    }

    #[zbus(property, name = "version")]
    fn version(&self) -> u32 {
        4
    }
}

/// A portal session, closed by its owner or by the desktop.
struct Session {
    state: Arc<Mutex<Shared>>,
    path: OwnedObjectPath,
}

#[zbus::interface(name = "org.freedesktop.portal.Session")]
impl Session {
    async fn close(&self, #[zbus(object_server)] server: &zbus::ObjectServer) {
        {
            let mut state = self.state.lock().unwrap();
            state.calls.push("Close");
            state.sessions.retain(|s| s != &self.path);
        }
        let server = server.clone();
        let path = self.path.clone();
        tokio::spawn(async move {
            let _ = server.remove::<Session, _>(&path).await;
        });
    }

    #[zbus(property, name = "version")]
    fn version(&self) -> u32 {
        1
    }
}
