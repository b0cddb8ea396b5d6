//! Which paths in a watched folder are recordings to transcribe.

use std::path::Path;

use globset::{GlobSet, GlobSetBuilder};

use super::options::{After, FolderOptions};

/// Names that mean "not finished yet" or "not mine": partial downloads, editor temp files,
/// hidden files.
fn is_temporary(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || [".part", ".crdownload", ".tmp", ".download", ".partial"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
}

#[derive(Debug, thiserror::Error)]
#[error("bad pattern '{pattern}': {reason}")]
pub struct PatternError {
    pattern: String,
    reason: String,
}

fn build(patterns: &[String]) -> Result<GlobSet, PatternError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| PatternError {
                pattern: pattern.clone(),
                reason: e.kind().to_string(),
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| PatternError {
        pattern: patterns.join(", "),
        reason: e.to_string(),
    })
}

/// Checks patterns without building a filter (for `folders add`).
pub fn validate(patterns: &[String]) -> Result<(), PatternError> {
    build(patterns).map(|_| ())
}

pub struct FileFilter {
    root: std::path::PathBuf,
    include: GlobSet,
    exclude: GlobSet,
    recursive: bool,
    /// Folders Hookscribe writes into (sidecar output, the "move after" subfolder).
    own_dirs: Vec<std::path::PathBuf>,
}

impl FileFilter {
    pub fn new(root: &Path, options: &FolderOptions) -> Result<Self, PatternError> {
        let mut own_dirs = Vec::new();
        if let After::Move(sub) = &options.after {
            own_dirs.push(root.join(sub));
        }
        if let Some(dir) = &options.output_dir {
            own_dirs.push(root.join(dir));
        }
        Ok(Self {
            root: root.to_path_buf(),
            include: build(&options.include)?,
            exclude: build(&options.exclude)?,
            recursive: options.recursive,
            own_dirs,
        })
    }

    /// Whether `path` (inside the folder) is a recording to transcribe.
    pub fn wants(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        let components: Vec<_> = relative.components().collect();
        if components.is_empty() || (!self.recursive && components.len() > 1) {
            return false;
        }
        if self.own_dirs.iter().any(|dir| path.starts_with(dir)) {
            return false;
        }
        // Hidden or temporary anywhere on the way (".git/", "x.part").
        if components
            .iter()
            .any(|c| is_temporary(&c.as_os_str().to_string_lossy()))
        {
            return false;
        }
        let Some(name) = path.file_name() else {
            return false;
        };
        (self.include.is_match(name) || self.include.is_match(relative))
            && !(self.exclude.is_match(name) || self.exclude.is_match(relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(options: FolderOptions) -> FileFilter {
        FileFilter::new(Path::new("/w"), &options).unwrap()
    }

    #[test]
    fn audio_and_video_are_wanted_and_temporary_names_are_not() {
        let f = filter(FolderOptions::default());
        assert!(f.wants(Path::new("/w/call.MP3")));
        assert!(f.wants(Path::new("/w/clip.webm")));
        for name in [
            "/w/call.mp3.part",
            "/w/x.crdownload",
            "/w/.hidden.wav",
            "/w/~$draft.wav",
            "/w/a.tmp",
            "/w/notes.txt",
            "/w/a.srt",
        ] {
            assert!(!f.wants(Path::new(name)), "{name}");
        }
        assert!(!f.wants(Path::new("/elsewhere/a.wav")));
        assert!(
            !f.wants(Path::new("/w/sub/a.wav")),
            "not recursive by default"
        );
    }

    #[test]
    fn recursion_excludes_and_own_folders() {
        let f = filter(FolderOptions {
            recursive: true,
            exclude: vec!["*draft*".into()],
            after: After::Move("done".into()),
            output_dir: Some("transcripts".into()),
            ..FolderOptions::default()
        });
        assert!(f.wants(Path::new("/w/2026/01/a.wav")));
        assert!(!f.wants(Path::new("/w/draft-1.wav")));
        assert!(
            !f.wants(Path::new("/w/done/a.wav")),
            "moved files never trigger again"
        );
        assert!(!f.wants(Path::new("/w/transcripts/a.wav")));
        assert!(!f.wants(Path::new("/w/.sync/a.wav")));
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let err = validate(&["*.{wav".to_string()]).unwrap_err().to_string();
        assert!(err.contains("'*.{wav'"), "{err}");
    }
}
