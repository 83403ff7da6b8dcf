//! Our publications to the SFU: the camera's always, the screen's while we share.

use std::time::Instant;

use tracing::info;

use super::*;

impl Session {
    pub(super) fn publish(&mut self, now: Instant, publication: SfuPublication) {
        self.sfu.publications.insert(
            publication,
            Publication {
                signalling: Signalling::default(),
                deadline: Some(now + PUBLISH_TIMEOUT),
            },
        );
        self.sfu.republish_at.remove(&publication);
        let ice_servers = self.ice_servers().to_vec();
        let video_codec = self
            .sfu
            .access
            .as_ref()
            .map(|a| a.video_codec)
            .unwrap_or_default();
        self.media_command(MediaCommand::Publish {
            publication,
            video_codec,
            ice_servers,
        });
    }

    /// Whether we publish `publication` when we can: the camera always, the
    /// screen while we share it.
    pub(super) fn wants(&self, publication: SfuPublication) -> bool {
        match publication {
            Camera => true,
            Screen => self.media.screen,
        }
    }

    /// Makes or ends the screen's publication as sharing and the SFU allow.
    pub(in crate::session) fn sync_screen_publication(&mut self, now: Instant) {
        let want = self.wants(Screen) && self.sfu.access.is_some() && self.linked_in_call();
        let have = self.sfu.publications.contains_key(&Screen);
        if want && !have && !self.sfu.republish_at.contains_key(&Screen) {
            info!("publishing the shared screen");
            self.publish(now, Screen);
        } else if !self.wants(Screen) {
            self.sfu.republish_at.remove(&Screen);
            if self.sfu.publications.remove(&Screen).is_some() {
                info!("screen no longer shared: ending its publication");
                self.media_command(MediaCommand::CloseSfu {
                    target: SfuTarget::Publication(Screen),
                });
                if self.linked_in_call() {
                    self.send(ClientMsg::SfuUnpublish {
                        publication: Screen,
                    });
                }
            }
        }
    }
}
