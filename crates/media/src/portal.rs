//! Sharing the screen from a Wayland session. A Wayland compositor shows no
//! application another's pixels: the desktop portal (xdg-desktop-portal's
//! ScreenCast) asks the person, in the desktop's own dialog, which screen
//! or window to share, and hands back a PipeWire stream that `pipewiresrc`
//! reads.
//!
//! The portal's session lasts as long as the [`PortalScreen`]: a thread of
//! its own keeps the D-Bus connection the session belongs to, and dropping
//! the `PortalScreen` closes the session (the desktop's "sharing" indicator
//! goes with it). A caller that stops waiting while the dialog is open
//! (the call ended) drops the connection, and the portal closes the dialog.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ashpd::desktop::screencast::{
    CursorMode, Screencast, SelectSourcesOptions, SourceType, Stream,
};
use ashpd::desktop::{PersistMode, ResponseError, Session};
use futures_util::StreamExt;
use tokio::sync::oneshot;

/// Why no screen came from the portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The person closed the dialog without choosing: nothing to report.
    #[error("no screen was chosen to share")]
    Cancelled,
    /// No portal answered on the session bus.
    #[error(
        "the desktop's screen sharing service did not answer ({0}); install xdg-desktop-portal \
         and your desktop's part of it (xdg-desktop-portal-gnome or xdg-desktop-portal-kde), \
         or sign in with an X11 session"
    )]
    Unreachable(String),
    /// The portal answered, and did not give a screen.
    #[error("the desktop did not share the screen: {0}")]
    Refused(String),
}

/// A screen (or window) the person chose in the portal's dialog, while it
/// is shared.
pub struct PortalScreen {
    /// The PipeWire connection the portal opened for us.
    remote: OwnedFd,
    /// The stream's node on it.
    node: u32,
    /// The size the portal reported, if it did.
    size: Option<(i32, i32)>,
    /// Set when the desktop ended the session (the person stopped sharing
    /// from the desktop's own indicator): the stream stops, and
    /// `pipewiresrc` would go on repeating its last frame.
    ended: Arc<AtomicBool>,
    /// Dropped with the screen: the portal thread then closes the session.
    _end: oneshot::Sender<()>,
}

impl std::fmt::Debug for PortalScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalScreen")
            .field("node", &self.node)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl PortalScreen {
    /// The PipeWire connection (for `pipewiresrc`'s `fd`, which it
    /// duplicates: this one stays ours) and the stream's node.
    pub(crate) fn pipewire(&self) -> (i32, u32) {
        (self.remote.as_raw_fd(), self.node)
    }

    /// Whether the desktop has ended the sharing on its side: the portal
    /// closed the session (the desktop's own "stop sharing" does), or the
    /// portal went away.
    pub fn ended_by_desktop(&self) -> bool {
        self.ended.load(Ordering::Relaxed)
    }
}

/// What the portal thread hands back once the person has chosen.
type Chosen = (OwnedFd, Stream);

/// Asks the desktop which screen or window to share, on the session bus.
/// Resolves when the person has chosen or closed the dialog.
pub async fn choose_screen() -> Result<PortalScreen, PortalError> {
    choose_screen_on(None).await
}

/// [`choose_screen`] on the bus at `address` (a D-Bus address), or on the
/// session bus.
pub async fn choose_screen_on(address: Option<String>) -> Result<PortalScreen, PortalError> {
    let (chosen, chosen_rx) = oneshot::channel::<Result<Chosen, PortalError>>();
    let (end, end_rx) = oneshot::channel::<()>();
    let ended = Arc::new(AtomicBool::new(false));
    let ended_by_desktop = ended.clone();
    std::thread::Builder::new()
        .name("mulaqat-portal".into())
        .spawn(move || portal_thread(address, chosen, (end_rx, ended_by_desktop)))
        .map_err(|e| PortalError::Unreachable(format!("no thread for it: {e}")))?;
    let (remote, stream) = chosen_rx
        .await
        .map_err(|_| PortalError::Refused("the request ended without an answer".into()))??;
    tracing::info!(node = stream.pipe_wire_node_id(), size = ?stream.size(), "the portal shares a screen");
    Ok(PortalScreen {
        remote,
        node: stream.pipe_wire_node_id(),
        size: stream.size(),
        ended,
        _end: end,
    })
}

/// Runs the portal's request and then holds its session until `end` is
/// dropped (or the caller gave up waiting), or the desktop closes it
/// (then `ended` is set).
fn portal_thread(
    address: Option<String>,
    mut chosen: oneshot::Sender<Result<Chosen, PortalError>>,
    (end, ended): (oneshot::Receiver<()>, Arc<AtomicBool>),
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = chosen.send(Err(PortalError::Unreachable(e.to_string())));
            return;
        }
    };
    runtime.block_on(async move {
        let opened = tokio::select! {
            opened = open(address) => opened,
            () = chosen.closed() => {
                tracing::debug!("nobody waits for the screen any more: the portal's dialog is dropped");
                return;
            }
        };
        match opened {
            Ok((proxy, session, remote, stream)) => {
                let closed = session.receive_closed().await;
                if let Err(e) = &closed {
                    tracing::warn!(error = %e, "cannot follow the portal's session: a stop from the desktop will go unnoticed");
                }
                if chosen.send(Ok((remote, stream))).is_err() {
                    let _ = session.close().await;
                    return;
                }
                // Shared until the screen is dropped, or the desktop ends it.
                let desktop_ended = async {
                    match closed {
                        Ok(mut closed) => closed.next().await,
                        Err(_) => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = end => {
                        if let Err(e) = session.close().await {
                            tracing::debug!(error = %e, "closing the portal's session");
                        }
                    }
                    _ = desktop_ended => {
                        ended.store(true, Ordering::Relaxed);
                        tracing::info!("the desktop ended the screen sharing");
                    }
                }
                drop(proxy);
                tracing::info!("the portal's screen sharing session is closed");
            }
            Err(e) => {
                let _ = chosen.send(Err(e));
            }
        }
    });
}

/// The portal's ScreenCast dance: a session, the person's choice, the stream
/// and its PipeWire connection.
async fn open(
    address: Option<String>,
) -> Result<(Screencast, Session<Screencast>, OwnedFd, Stream), PortalError> {
    let proxy = match address {
        Some(address) => {
            let connection = ashpd::zbus::connection::Builder::address(address.as_str())
                .map_err(|e| PortalError::Unreachable(e.to_string()))?
                .build()
                .await
                .map_err(|e| PortalError::Unreachable(e.to_string()))?;
            Screencast::with_connection(connection).await
        }
        None => Screencast::new().await,
    }
    .map_err(|e| PortalError::Unreachable(e.to_string()))?;
    let cursor = match proxy.available_cursor_modes().await {
        Ok(modes) if modes.contains(CursorMode::Embedded) => CursorMode::Embedded,
        _ => CursorMode::Hidden,
    };
    let sources = proxy
        .available_source_types()
        .await
        .map_err(|e| PortalError::Unreachable(e.to_string()))?
        & (SourceType::Monitor | SourceType::Window);
    if sources.is_empty() {
        return Err(PortalError::Refused(
            "it offers neither screens nor windows".into(),
        ));
    }
    let session = proxy
        .create_session(Default::default())
        .await
        .map_err(refusal)?;
    proxy
        .select_sources(
            &session,
            SelectSourcesOptions::default()
                .set_cursor_mode(cursor)
                .set_sources(sources)
                .set_multiple(false)
                .set_persist_mode(PersistMode::DoNot),
        )
        .await
        .and_then(|request| request.response())
        .map_err(refusal)?;
    let streams = proxy
        .start(&session, None, Default::default())
        .await
        .and_then(|request| request.response())
        .map_err(refusal)?;
    let stream = streams
        .streams()
        .first()
        .cloned()
        .ok_or_else(|| PortalError::Refused("no stream came with the answer".into()))?;
    let remote = proxy
        .open_pipe_wire_remote(&session, Default::default())
        .await
        .map_err(refusal)?;
    Ok((proxy, session, remote, stream))
}

/// A portal error in our terms: a closed dialog is not a failure.
fn refusal(error: ashpd::Error) -> PortalError {
    match error {
        ashpd::Error::Response(ResponseError::Cancelled) => PortalError::Cancelled,
        ashpd::Error::PortalNotFound(_) | ashpd::Error::Zbus(_) => {
            PortalError::Unreachable(error.to_string())
        }
        other => PortalError::Refused(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_dialog_is_a_cancel_and_a_missing_portal_says_what_to_install() {
        assert_eq!(
            refusal(ashpd::Error::Response(ResponseError::Cancelled)),
            PortalError::Cancelled
        );
        assert!(matches!(
            refusal(ashpd::Error::Response(ResponseError::Other)),
            PortalError::Refused(_)
        ));
        let missing = PortalError::Unreachable("ServiceUnknown".into()).to_string();
        assert!(missing.contains("xdg-desktop-portal"), "{missing}");
        assert!(missing.contains("X11"), "{missing}");
    }

    /// A session bus with no portal on it (a desktop without
    /// xdg-desktop-portal): said so at once, with what to install.
    #[tokio::test]
    async fn a_bus_without_the_portal_says_what_to_install() {
        let dir = tempfile::tempdir().expect("dir");
        let address = format!("unix:path={}", dir.path().join("bus").display());
        // A bus of our own that starts no services (the session bus's
        // configuration would start a portal installed on this machine).
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>{address}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\"/><allow receive_sender=\"*\"/>\
                 <allow own=\"*\"/></policy></busconfig>"
            ),
        )
        .expect("bus configuration");
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--nofork", "--nopidfile"])
            .arg(format!("--config-file={}", config.display()))
            .spawn()
            .expect("dbus-daemon (package dbus) runs");
        let socket = dir.path().join("bus");
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            choose_screen_on(Some(address)),
        )
        .await;
        let _ = daemon.kill();
        let _ = daemon.wait();
        match answer.expect("an answer in time") {
            Err(e @ PortalError::Unreachable(_)) => {
                assert!(e.to_string().contains("xdg-desktop-portal"), "{e}");
            }
            other => panic!("expected the portal to be unreachable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn no_bus_is_a_clear_error_not_a_hang() {
        let dir = tempfile::tempdir().expect("dir");
        let address = format!("unix:path={}", dir.path().join("no-bus").display());
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            choose_screen_on(Some(address)),
        )
        .await
        .expect("an answer in time");
        match answer {
            Err(PortalError::Unreachable(why)) => assert!(!why.is_empty()),
            other => panic!("expected the portal to be unreachable, got {other:?}"),
        }
    }
}
