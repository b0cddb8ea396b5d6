//! The catalog of whisper.cpp ggml models published in `ggerganov/whisper.cpp` on
//! Hugging Face.
//!
//! SHA-1 digests are the ones whisper.cpp's `models/README.md` publishes. The quantized
//! files have no published SHA-1; for those (and as a second check for all) the downloader
//! verifies the SHA-256 that Hugging Face announces for every LFS file.

use serde::Serialize;
use ts_rs::TS;

/// The model a fresh install uses, downloaded (or imported, offline) by the setup. 8-bit
/// weights: 14-17% faster than f16 and 45% smaller, with the same word error rate on
/// every recording benches/peer.sh measures (benches/peer-results.md).
pub const DEFAULT_MODEL: &str = "tiny.en-q8_0";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Languages {
    /// English only (`*.en` models): faster and more accurate on English.
    English,
    /// 99 languages, with language detection and translation to English.
    Multilingual,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct CatalogEntry {
    /// The name users type: `tiny.en`, `large-v3-turbo-q5_0`, …
    pub name: &'static str,
    /// Approximate size on disk in MiB (shown before downloading).
    pub size_mib: u32,
    pub languages: Languages,
    /// whisper.cpp's published SHA-1, where there is one.
    pub sha1: Option<&'static str>,
}

impl CatalogEntry {
    /// The file name in the Hugging Face repository and in the models folder.
    pub fn file_name(&self) -> String {
        format!("ggml-{}.bin", self.name)
    }

    pub fn is_quantized(&self) -> bool {
        self.name.contains("-q")
    }
}

const fn entry(
    name: &'static str,
    size_mib: u32,
    languages: Languages,
    sha1: Option<&'static str>,
) -> CatalogEntry {
    CatalogEntry {
        name,
        size_mib,
        languages,
        sha1,
    }
}

use Languages::{English as EN, Multilingual as ML};

pub const CATALOG: &[CatalogEntry] = &[
    entry(
        "tiny",
        75,
        ML,
        Some("bd577a113a864445d4c299885e0cb97d4ba92b5f"),
    ),
    entry(
        "tiny.en",
        75,
        EN,
        Some("c78c86eb1a8faa21b369bcd33207cc90d64ae9df"),
    ),
    entry("tiny-q5_1", 31, ML, None),
    entry("tiny.en-q5_1", 31, EN, None),
    entry("tiny.en-q8_0", 42, EN, None),
    entry("tiny-q8_0", 42, ML, None),
    entry(
        "base",
        142,
        ML,
        Some("465707469ff3a37a2b9b8d8f89f2f99de7299dac"),
    ),
    entry(
        "base.en",
        142,
        EN,
        Some("137c40403d78fd54d454da0f9bd998f78703390c"),
    ),
    entry("base-q5_1", 57, ML, None),
    entry("base.en-q5_1", 57, EN, None),
    entry("base-q8_0", 78, ML, None),
    entry(
        "small",
        466,
        ML,
        Some("55356645c2b361a969dfd0ef2c5a50d530afd8d5"),
    ),
    entry(
        "small.en",
        466,
        EN,
        Some("db8a495a91d927739e50b3fc1cc4c6b8f6c2d022"),
    ),
    entry("small-q5_1", 181, ML, None),
    entry("small.en-q5_1", 181, EN, None),
    entry("small-q8_0", 252, ML, None),
    entry(
        "medium",
        1533,
        ML,
        Some("fd9727b6e1217c2f614f9b698455c4ffd82463b4"),
    ),
    entry(
        "medium.en",
        1533,
        EN,
        Some("8c30f0e44ce9560643ebd10bbe50cd20eafd3723"),
    ),
    entry("medium-q5_0", 514, ML, None),
    entry("medium.en-q5_0", 514, EN, None),
    entry("medium-q8_0", 785, ML, None),
    entry(
        "large-v3",
        2965,
        ML,
        Some("ad82bf6a9043ceed055076d0fd39f5f186ff8062"),
    ),
    entry(
        "large-v3-q5_0",
        1080,
        ML,
        Some("e6e2ed78495d403bef4b7cff42ef4aaadcfea8de"),
    ),
    entry(
        "large-v3-turbo",
        1549,
        ML,
        Some("4af2b29d7ec73d781377bfd1758ca957a807e941"),
    ),
    entry(
        "large-v3-turbo-q5_0",
        547,
        ML,
        Some("e050f7970618a659205450ad97eb95a18d69c9ee"),
    ),
    entry("large-v3-turbo-q8_0", 834, ML, None),
];

/// Looks a model up by name. Accepts the file name form (`ggml-tiny.en.bin`) too.
pub fn find(name: &str) -> Option<&'static CatalogEntry> {
    let name = name.strip_prefix("ggml-").unwrap_or(name);
    let name = name.strip_suffix(".bin").unwrap_or(name);
    CATALOG.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_default_is_listed() {
        let mut names: Vec<_> = CATALOG.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert!(find(DEFAULT_MODEL).is_some());
    }

    #[test]
    fn the_issue_s_required_models_are_all_present() {
        for name in [
            "tiny",
            "tiny.en",
            "base",
            "base.en",
            "small",
            "small.en",
            "medium",
            "medium.en",
            "large-v3",
            "large-v3-turbo",
        ] {
            assert!(find(name).is_some(), "{name} missing from the catalog");
        }
    }

    #[test]
    fn english_models_are_marked_and_quantized_detected() {
        assert_eq!(find("base.en").unwrap().languages, Languages::English);
        assert_eq!(find("base").unwrap().languages, Languages::Multilingual);
        assert!(find("tiny-q5_1").unwrap().is_quantized());
        assert!(!find("tiny").unwrap().is_quantized());
        assert_eq!(find("ggml-tiny.en.bin").unwrap().name, "tiny.en");
        assert_eq!(find("tiny.en").unwrap().file_name(), "ggml-tiny.en.bin");
        assert!(find("huge").is_none());
    }
}
