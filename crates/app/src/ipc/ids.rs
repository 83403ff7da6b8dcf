//! Identifiers as the UI holds them: plain strings and numbers.
//!
//! The domain crates wrap these in checked newtypes (`mulaqat_protocol::ParticipantId`
//! accepts 1–64 characters of `A-Z a-z 0-9 . _ -`); across the IPC boundary they are
//! the JSON values those newtypes serialise to, so the aliases here are plain
//! `String`/`u64`. A value coming *from* the UI is checked when it is turned back into
//! the domain type ([`participant_id`], [`room_id`]).
//!
//! In TypeScript each alias keeps its name (`type ParticipantId = string;`): the
//! markers in [`ts`] give it, and fields name them with `#[ts(as = "ts::ParticipantId")]`.

use mulaqat_protocol::IdError;

/// `mulaqat_protocol::ParticipantId`: 1–64 chars of `A-Z a-z 0-9 . _ -`.
pub type ParticipantId = String;
/// `mulaqat_protocol::RoomId`.
pub type RoomId = String;
/// `mulaqat_media::TrackId`: `local:camera`, `local:screen`, `<peer>:video`.
pub type TrackId = String;
/// `mulaqat_media::DeviceId`; test devices are `test:camera`, `test:mic`, `test:speaker`.
pub type DeviceId = String;
/// `mulaqat_media::PeerId` (the call client uses the participant id).
pub type PeerId = String;
/// `mulaqat_protocol::UnixMillis`: milliseconds since the Unix epoch.
pub type UnixMillis = u64;

/// A participant id from the UI, checked.
pub fn participant_id(id: &str) -> Result<mulaqat_protocol::ParticipantId, IdError> {
    mulaqat_protocol::ParticipantId::new(id)
}

/// A room id from the UI, checked.
pub fn room_id(id: &str) -> Result<mulaqat_protocol::RoomId, IdError> {
    mulaqat_protocol::RoomId::new(id)
}

/// TypeScript names for the aliases: each renders as `type <Name> = string;` (or
/// `number`). Never built; only named in `#[ts(as = "..")]`.
pub mod ts {
    use ts_rs::TS;

    /// `mulaqat_protocol::ParticipantId`: 1–64 chars of `A-Z a-z 0-9 . _ -`.
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "string")]
    pub struct ParticipantId;

    /// `mulaqat_protocol::RoomId`.
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "string")]
    pub struct RoomId;

    /// `mulaqat_media::TrackId`: `local:camera`, `local:screen`, `<peer>:video`.
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "string")]
    pub struct TrackId;

    /// `mulaqat_media::DeviceId`; test devices are `test:camera`, `test:mic`, `test:speaker`.
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "string")]
    pub struct DeviceId;

    /// `mulaqat_media::PeerId` (the call client uses the participant id).
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "string")]
    pub struct PeerId;

    /// `mulaqat_protocol::UnixMillis`: milliseconds since the Unix epoch.
    #[derive(Debug, Clone, Copy, TS)]
    #[ts(type = "number")]
    pub struct UnixMillis;
}
