//! What the media engine reports about our SFU connections: their offers,
//! answers and candidates going out, and their media connecting or failing.

use std::time::Instant;

use tracing::{debug, info};

use super::*;

impl Session {
    /// Media engine reports about SFU connections.
    pub(in crate::session) fn sfu_media(
        &mut self,
        now: Instant,
        input: crate::session::MediaInput,
    ) {
        use crate::session::MediaInput;
        match input {
            MediaInput::SfuLocalDescription { target, sdp } => self.sfu_describe(target, sdp),
            MediaInput::SfuLocalCandidate { target, candidate } => {
                let linked = self.linked_in_call();
                let Some(signalling) = self.signalling_mut(target) else {
                    debug!(?target, "candidate of a closed SFU connection: dropped");
                    return;
                };
                if !signalling.described {
                    signalling.held.push(candidate);
                } else if linked {
                    self.send(ClientMsg::SfuCandidate { target, candidate });
                }
            }
            MediaInput::SfuConnected { target } => {
                if let SfuTarget::Publication(p) = target
                    && let Some(publication) = self.sfu.publications.get_mut(&p)
                {
                    publication.deadline = None;
                }
                if let Some(signalling) = self.signalling_mut(target) {
                    signalling.connected = true;
                    info!(?target, "SFU media connected");
                }
            }
            MediaInput::SfuFailed { target } => self.sfu_failed(now, target),
            other => debug!(?other, "not an SFU report"),
        }
    }

    pub(super) fn signalling_mut(&mut self, target: SfuTarget) -> Option<&mut Signalling> {
        match target {
            SfuTarget::Publication(p) => {
                self.sfu.publications.get_mut(&p).map(|p| &mut p.signalling)
            }
            SfuTarget::Subscription(n) => self
                .sfu
                .subscriptions
                .get_mut(&n)
                .map(|s| &mut s.signalling),
        }
    }

    pub(super) fn sfu_describe(&mut self, target: SfuTarget, sdp: String) {
        if !self.linked_in_call() {
            debug!(?target, "SFU description dropped: no link");
            return;
        }
        let Some(pin) = self.sfu.access.as_ref().map(|a| a.pin.clone()) else {
            return;
        };
        let Some(signalling) = self.signalling_mut(target) else {
            debug!(?target, "description of a closed SFU connection: dropped");
            return;
        };
        signalling.described = true;
        let held = std::mem::take(&mut signalling.held);
        match target {
            SfuTarget::Publication(publication) => self.send(ClientMsg::SfuPublish {
                pin,
                publication,
                sdp,
            }),
            SfuTarget::Subscription(subscription) => {
                self.send(ClientMsg::SfuAnswer { subscription, sdp })
            }
        }
        for candidate in held {
            self.send(ClientMsg::SfuCandidate { target, candidate });
        }
    }

    pub(super) fn sfu_failed(&mut self, now: Instant, target: SfuTarget) {
        info!(?target, "SFU connection failed: setting it up again");
        match target {
            SfuTarget::Publication(p) => {
                if self.sfu.publications.remove(&p).is_none() {
                    return;
                }
                self.media_command(MediaCommand::CloseSfu { target });
                if self.linked_in_call() {
                    self.send(ClientMsg::SfuUnpublish { publication: p });
                }
                self.sfu.republish_at.insert(p, now + REPUBLISH_DELAY);
            }
            SfuTarget::Subscription(n) => {
                let tell = self.linked_in_call();
                if let Some(feed) = self.unsubscribe(n, tell)
                    && self.sfu.feeds.contains(&feed)
                    && tell
                {
                    self.subscribe(now, feed);
                }
            }
        }
    }
}
