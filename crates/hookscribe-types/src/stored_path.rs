//! Paths as the database and the worker protocol keep them: text, losslessly.
//!
//! A path whose bytes are valid UTF-8 (nearly all) is kept as itself. One that is not (a
//! file named in Latin-1 on an old share) is kept as a NUL, a marker, then its bytes in
//! hex: no path can contain NUL, so nothing else reads that way, and the file is found
//! again byte for byte instead of being mangled by a lossy conversion.

use std::path::{Path, PathBuf};

/// What starts a path kept as hex bytes.
const HEX_MARK: &str = "\u{0}hex:";

/// `path` as text to store.
pub fn to_stored(path: &Path) -> String {
    match path.to_str() {
        Some(text) => text.to_string(),
        None => format!("{HEX_MARK}{}", hex(path.as_os_str().as_encoded_bytes())),
    }
}

/// The path stored as `text`.
pub fn from_stored(text: &str) -> PathBuf {
    match text.strip_prefix(HEX_MARK).and_then(unhex) {
        Some(bytes) => os_path(bytes),
        None => PathBuf::from(text),
    }
}

/// The stored path for people to read (undecodable bytes shown as `�`).
pub fn shown(text: &str) -> String {
    if text.starts_with(HEX_MARK) {
        from_stored(text).to_string_lossy().into_owned()
    } else {
        text.to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(unix)]
fn os_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn os_path(bytes: Vec<u8>) -> PathBuf {
    // Elsewhere paths that are not UTF-8 cannot be stored to begin with.
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn every_path_comes_back_byte_for_byte() {
        let plain = Path::new("/rec/Team call (2).m4a");
        assert_eq!(to_stored(plain), "/rec/Team call (2).m4a");
        assert_eq!(from_stored(&to_stored(plain)), plain);

        let latin1 = Path::new(std::ffi::OsStr::from_bytes(b"/rec/caf\xe9.wav"));
        let stored = to_stored(latin1);
        assert!(stored.starts_with(HEX_MARK), "{stored:?}");
        assert_eq!(from_stored(&stored), latin1);
        assert_eq!(shown(&stored), "/rec/caf\u{fffd}.wav");
        assert_eq!(shown("/rec/a.wav"), "/rec/a.wav");
        // Not hex after the mark: read as it is.
        assert_eq!(from_stored("\u{0}hex:zz"), PathBuf::from("\u{0}hex:zz"));
    }
}
