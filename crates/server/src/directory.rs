//! Rooms set up ahead of time, kept in `<data_dir>/rooms.toml`:
//!
//! ```toml
//! [rooms.cardiology-3]
//! kind = "consultation"
//!
//! [rooms.command-daily]
//! kind = "meeting"
//! max_participants = 20
//! ```
//!
//! `mulaqat-server room create|list|delete` edit it; a running server
//! notices changes within a few seconds.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use mulaqat_protocol::RoomId;
use serde::{Deserialize, Serialize};

use crate::rooms::RoomDefinition;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomsFile {
    #[serde(default)]
    rooms: BTreeMap<RoomId, RoomDefinition>,
}

/// Why the rooms file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Reading or writing failed.
    #[error("cannot use rooms file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("rooms file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
}

/// The rooms file.
#[derive(Debug, Clone)]
pub struct RoomDirectory {
    path: PathBuf,
}

impl RoomDirectory {
    /// The directory kept at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where it is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<RoomsFile, DirectoryError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RoomsFile::default()),
            Err(source) => {
                return Err(DirectoryError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| DirectoryError::Parse {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    fn write(&self, file: &RoomsFile) -> Result<(), DirectoryError> {
        let io = |source| DirectoryError::Io {
            path: self.path.clone(),
            source,
        };
        let text = toml::to_string_pretty(file).map_err(|e| DirectoryError::Parse {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Write then rename, so a running server never reads half a file.
        let tmp = self.path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Every room set up ahead of time.
    pub fn load(&self) -> Result<HashMap<RoomId, RoomDefinition>, DirectoryError> {
        Ok(self.read()?.rooms.into_iter().collect())
    }

    /// Sorted by name, for listing.
    pub fn list(&self) -> Result<Vec<(RoomId, RoomDefinition)>, DirectoryError> {
        Ok(self.read()?.rooms.into_iter().collect())
    }

    /// Adds or replaces a room; returns whether it existed.
    pub fn put(&self, room: RoomId, definition: RoomDefinition) -> Result<bool, DirectoryError> {
        let mut file = self.read()?;
        let existed = file.rooms.insert(room, definition).is_some();
        self.write(&file)?;
        Ok(existed)
    }

    /// Removes a room; returns whether it existed.
    pub fn remove(&self, room: &RoomId) -> Result<bool, DirectoryError> {
        let mut file = self.read()?;
        let existed = file.rooms.remove(room).is_some();
        if existed {
            self.write(&file)?;
        }
        Ok(existed)
    }

    /// When the file last changed, if it exists.
    pub fn modified(&self) -> Option<std::time::SystemTime> {
        std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use mulaqat_protocol::RoomKind;

    use super::*;

    #[test]
    fn rooms_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let directory = RoomDirectory::new(dir.path().join("rooms.toml"));
        assert!(directory.load().expect("empty").is_empty());
        let room = RoomId::new("command-daily").expect("valid");
        let def = RoomDefinition {
            kind: RoomKind::Meeting,
            lobby: Some(false),
            max_participants: Some(20),
        };
        assert!(!directory.put(room.clone(), def.clone()).expect("put"));
        assert_eq!(directory.load().expect("load").get(&room), Some(&def));
        assert!(directory.remove(&room).expect("remove"));
        assert!(!directory.remove(&room).expect("remove again"));
    }

    #[test]
    fn a_hand_edited_mistake_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rooms.toml");
        std::fs::write(&path, "[rooms.\"bad room\"]\nkind = \"meeting\"\n").expect("write");
        let err = RoomDirectory::new(&path).load().expect_err("invalid id");
        assert!(err.to_string().contains("rooms.toml"), "{err}");
    }
}
