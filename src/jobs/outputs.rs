//! What happens after a watched folder's file is transcribed: sidecar files in the
//! folder's formats (next to the source or in its output folder), then the source left in
//! place or moved into a subfolder. Every file written is recorded with the job, so
//! deleting the job removes them.

use std::path::{Path, PathBuf};

use crate::asr::Transcript;
use crate::watch::{After, FolderOptions};
use hookscribe_store::jobs::JobId;
use hookscribe_store::Store;

/// The watched folder a job came from, as its outputs need it.
pub struct FolderJob<'a> {
    pub path: &'a str,
    pub options: &'a FolderOptions,
}

/// `dir/name`, or `dir/stem (2).ext`, … if that exists.
fn free_path(dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let candidate = dir.join(name);
    if !candidate.exists() {
        return candidate;
    }
    let original = Path::new(name);
    let stem = original.file_stem().unwrap_or_default().to_string_lossy();
    let ext = original
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(candidate)
}

/// Writes the folder's outputs for one job; failures are logged, not fatal: the
/// transcript is already safe in the database.
pub fn write(
    store: &Store,
    job: JobId,
    source: &Path,
    folder: &FolderJob<'_>,
    transcript: &Transcript,
) {
    let root = Path::new(folder.path);
    let options = folder.options;
    let target_dir = match &options.output_dir {
        Some(dir) => root.join(dir),
        None => source
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| root.to_path_buf()),
    };
    if !options.formats.is_empty() {
        if let Err(error) = std::fs::create_dir_all(&target_dir) {
            tracing::warn!(%error, dir = %target_dir.display(), "cannot create the output folder");
            return;
        }
    }
    let stem = source.file_stem().unwrap_or_default();
    for format in &options.formats {
        let mut name = stem.to_os_string();
        name.push(".");
        name.push(format.extension());
        let path = target_dir.join(&name);
        // Recorded before it exists, so the folder watcher never mistakes it for a new
        // recording, whatever the folder's patterns.
        let _ = store.add_job_output(job, &path.display().to_string());
        match std::fs::write(&path, format.render(transcript)) {
            Ok(()) => {}
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "cannot write the transcript file")
            }
        }
    }
    if let After::Move(sub) = &options.after {
        let dir = root.join(sub);
        let moved = std::fs::create_dir_all(&dir).and_then(|_| {
            let dest = free_path(&dir, source.file_name().unwrap_or_default());
            std::fs::rename(source, &dest).map(|_| dest)
        });
        match moved {
            Ok(dest) => tracing::info!(to = %dest.display(), "source moved"),
            Err(error) => tracing::warn!(%error, "cannot move the source"),
        }
    }
}
