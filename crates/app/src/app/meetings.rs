//! Meetings this computer hosts on its embedded server.

use mulaqat_protocol::UnixMillis;

use super::{App, locked};
use crate::error::{CommandError, CommandErrorCode};
use crate::ipc;
use crate::meeting::{EmbeddedServer, new_room_id};
use crate::snapshot::unix_millis;

impl App {
    /// Starts a meeting on this computer's embedded server and returns its links.
    pub async fn start_meeting(&self, lobby: bool) -> Result<ipc::StartedMeeting, CommandError> {
        if locked(&self.settings).values().server_url.is_some() {
            return Err(CommandError::new(
                CommandErrorCode::ServerUnreachable,
                "starting meetings on your hospital's server needs an account there, which this \
                 version cannot sign in to yet; ask the server's administrator for a host link",
            ));
        }
        if !locked(&self.settings).allow_guest_links() {
            return Err(CommandError::new(
                CommandErrorCode::Forbidden,
                "your IT department does not allow guest invitation links on this computer",
            ));
        }
        let mut embedded = self.embedded.lock().await;
        if embedded.is_none() {
            *embedded = Some(
                EmbeddedServer::start(self.embedded_listen, self.data_dir.clone(), lobby).await?,
            );
        }
        let Some(server) = embedded.as_ref() else {
            return Err(CommandError::internal("the embedded server is not running"));
        };
        let links = server.links(new_room_id()?, UnixMillis(unix_millis()))?;
        let started = ipc::StartedMeeting {
            room_code: links.room.to_string(),
            room: links.room.to_string(),
            host_link: links.host_link,
            guest_link: links.guest_link,
            browser_link: links.guest_browser_link,
            browser_link_note: links.browser_note,
            server: ipc::MeetingServer::Embedded,
        };
        locked(&self.meetings).push(started.clone());
        Ok(started)
    }
}
