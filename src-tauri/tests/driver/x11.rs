//! The window as the X server sees it, and a window manager's part in
//! closing it: Xvfb has no window manager, so the test sends the ICCCM
//! `WM_DELETE_WINDOW` message itself (what a title bar's × makes the window
//! manager send; GTK turns it into `delete-event`, Tauri into
//! `CloseRequested`).

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, MapState, Window,
};
use x11rb::rust_connection::RustConnection;
use x11rb::{CURRENT_TIME, NONE};

pub struct Display {
    conn: RustConnection,
    root: Window,
    wm_protocols: u32,
    wm_delete_window: u32,
    net_wm_pid: u32,
}

/// A top-level window with its title and owner.
#[derive(Debug, Clone)]
pub struct TopLevel {
    pub id: Window,
    pub title: String,
    pub pid: Option<u32>,
    pub viewable: bool,
}

impl Display {
    pub fn open(display: &str) -> Display {
        let (conn, screen) = x11rb::connect(Some(display))
            .unwrap_or_else(|e| panic!("no X connection to {display}: {e}"));
        let root = conn.setup().roots[screen].root;
        let atom = |name: &str| {
            conn.intern_atom(false, name.as_bytes())
                .unwrap()
                .reply()
                .unwrap()
                .atom
        };
        let (wm_protocols, wm_delete_window, net_wm_pid) = (
            atom("WM_PROTOCOLS"),
            atom("WM_DELETE_WINDOW"),
            atom("_NET_WM_PID"),
        );
        Display {
            conn,
            root,
            wm_protocols,
            wm_delete_window,
            net_wm_pid,
        }
    }

    fn property(&self, window: Window, property: u32, kind: u32) -> Option<Vec<u8>> {
        let reply = self
            .conn
            .get_property(false, window, property, kind, 0, 1024)
            .ok()?
            .reply()
            .ok()?;
        (reply.type_ != NONE).then_some(reply.value)
    }

    fn words(&self, window: Window, property: u32, kind: impl Into<u32>) -> Vec<u32> {
        self.property(window, property, kind.into())
            .unwrap_or_default()
            .chunks_exact(4)
            .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
            .collect()
    }

    /// The top-level windows that take `WM_DELETE_WINDOW`, as a window
    /// manager would list them (GTK's own helper windows do not).
    pub fn top_levels(&self) -> Vec<TopLevel> {
        let children = self
            .conn
            .query_tree(self.root)
            .unwrap()
            .reply()
            .unwrap()
            .children;
        children
            .into_iter()
            .filter(|&w| {
                self.words(w, self.wm_protocols, AtomEnum::ATOM)
                    .contains(&self.wm_delete_window)
            })
            .map(|id| TopLevel {
                id,
                title: String::from_utf8_lossy(
                    &self
                        .property(id, AtomEnum::WM_NAME.into(), AtomEnum::ANY.into())
                        .unwrap_or_default(),
                )
                .into_owned(),
                pid: self
                    .words(id, self.net_wm_pid, AtomEnum::CARDINAL)
                    .first()
                    .copied(),
                viewable: self
                    .conn
                    .get_window_attributes(id)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .is_some_and(|a| a.map_state == MapState::VIEWABLE),
            })
            .collect()
    }

    /// The top-level window titled `title` (shown or hidden).
    pub fn find(&self, title: &str) -> Option<TopLevel> {
        self.top_levels().into_iter().find(|w| w.title == title)
    }

    /// Asks `window` to close, as a window manager does for the × button.
    pub fn request_close(&self, window: Window) {
        let message = ClientMessageEvent::new(
            32,
            window,
            self.wm_protocols,
            [self.wm_delete_window, CURRENT_TIME, 0, 0, 0],
        );
        self.conn
            .send_event(false, window, EventMask::NO_EVENT, message)
            .unwrap()
            .check()
            .unwrap();
    }
}
