//! The token-signing secret: 32 random bytes kept as hex in a file that only
//! the server's user can read. Several servers behind one name share it.

use std::path::{Path, PathBuf};

/// Bytes of a new secret.
const SECRET_BYTES: usize = 32;
/// The fewest bytes accepted from a file someone wrote by hand.
const MIN_SECRET_BYTES: usize = 16;

/// Why the secret could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Reading or creating the file failed.
    #[error("cannot use secret file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold enough hex.
    #[error(
        "secret file {path} must hold at least {MIN_SECRET_BYTES} bytes as hex; delete it to have a new one made"
    )]
    TooShort {
        /// The file.
        path: PathBuf,
    },
}

/// A fresh random secret (for an embedded server that lives as long as the app).
pub fn random() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    fill_random(&mut bytes);
    bytes
}

/// Fills `bytes` from the operating system's random source.
pub fn fill_random(bytes: &mut [u8]) {
    // A server that issues secrets cannot go on without randomness; the
    // source does not fail on supported platforms.
    if getrandom::fill(bytes).is_err() {
        panic!("the operating system's random number source failed");
    }
}

/// Reads the secret at `path`, creating it (mode 0600, parent 0700) if absent.
pub fn load_or_create(path: &Path) -> Result<Vec<u8>, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = decode_hex(text.trim()).ok_or_else(|| SecretError::TooShort {
                path: path.to_owned(),
            })?;
            if bytes.len() < MIN_SECRET_BYTES {
                return Err(SecretError::TooShort {
                    path: path.to_owned(),
                });
            }
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = random();
            if let Some(parent) = path.parent() {
                create_private_dir(parent).map_err(io)?;
            }
            write_private(path, &encode_hex(&secret)).map_err(io)?;
            Ok(secret)
        }
        Err(e) => Err(io(e)),
    }
}

/// Reads a secret that must already exist (coturn's shared secret), as raw text.
pub fn read_text(path: &Path) -> Result<Vec<u8>, SecretError> {
    let text = std::fs::read_to_string(path).map_err(|source| SecretError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(text.trim().as_bytes().to_vec())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{text}\n"))
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state/secret");
        let first = load_or_create(&path).expect("created");
        assert_eq!(first.len(), SECRET_BYTES);
        assert_eq!(load_or_create(&path).expect("read back"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_bad_file_is_an_error_not_a_new_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "abcd\n").expect("write");
        assert!(matches!(
            load_or_create(&path),
            Err(SecretError::TooShort { .. })
        ));
        std::fs::write(&path, "not hex at all, not hex at all!!").expect("write");
        assert!(matches!(
            load_or_create(&path),
            Err(SecretError::TooShort { .. })
        ));
    }
}
