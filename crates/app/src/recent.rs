//! Recent rooms: the room and its server go in the settings file, the room's
//! join token (a secret) only in the OS keyring. Without a keyring the room
//! is still listed, and joining it asks for the link again.

use std::sync::OnceLock;

use mulaqat_client::link::JoinLink;
use mulaqat_protocol::RoomId;
use mulaqat_settings::{Account, Credentials, Secret};

use crate::error::{CommandError, CommandErrorCode};

/// The keyring, opened on first use (it may take a moment, or be absent).
#[derive(Debug, Default)]
pub(crate) struct RoomTokens {
    credentials: OnceLock<Credentials>,
}

/// The keyring entry for a room's token on a server.
fn account(server: &str, room: &str) -> Option<Account> {
    Account::new(server, &format!("room-link:{room}")).ok()
}

impl RoomTokens {
    fn credentials(&self) -> &Credentials {
        self.credentials.get_or_init(Credentials::open)
    }

    /// Keeps a joined room's token in the keyring, so that it can be joined
    /// again from the home screen.
    pub(crate) fn keep(&self, link: &JoinLink) {
        match (
            self.credentials(),
            account(&link.server, link.room.as_str()),
        ) {
            (Credentials::Keyring(store), Some(account)) => {
                if let Err(e) = store.store(&account, &Secret::new(link.token.clone())) {
                    tracing::warn!("the room's link was not kept in the keyring: {e}");
                }
            }
            (Credentials::PromptEachTime(why), _) => {
                tracing::debug!("the room's link is not kept: {why}");
            }
            (_, None) => {}
        }
    }

    /// The link to join a recent room again: its server and the token kept in
    /// the keyring.
    pub(crate) fn link(&self, server: &str, room: &str) -> Result<JoinLink, CommandError> {
        let ask_again = |why: &str| {
            CommandError::new(
                CommandErrorCode::InvalidLink,
                format!("{why}; open the invitation link for this room again"),
            )
        };
        let account =
            account(server, room).ok_or_else(|| ask_again("this room's entry is damaged"))?;
        let store = match self.credentials() {
            Credentials::Keyring(store) => store,
            Credentials::PromptEachTime(_) => {
                return Err(ask_again(
                    "the link was not kept because this computer has no secret store",
                ));
            }
        };
        let token = store
            .load(&account)
            .map_err(|e| {
                ask_again(&format!(
                    "the link could not be read from the keyring ({e})"
                ))
            })?
            .ok_or_else(|| ask_again("the link for this room was not kept"))?;
        let link = JoinLink::from_parts(server.to_owned(), token.expose().to_owned())
            .map_err(|e| ask_again(&format!("the kept link is not valid ({e})")))?;
        if link.room != RoomId::new(room).map_err(|_| ask_again("the room name is not valid"))? {
            return Err(ask_again("the kept link is for another room"));
        }
        Ok(link)
    }
}
