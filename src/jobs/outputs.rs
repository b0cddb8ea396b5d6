//! What happens when a watched folder's file is transcribed: sidecar files in the
//! folder's formats (next to the source or in its output folder) before the job is marked
//! completed, then the source left in place or moved into a subfolder. Every file written
//! is recorded with the job, so deleting the job removes them.

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

/// The names a sidecar may take, in order: `stem.ext`, then `stem.hookscribe.ext`, then
/// `stem.hookscribe (2).ext`, … (the first that is free, or the job's own from an
/// earlier run).
fn sidecar_names(stem: &std::ffi::OsStr, ext: &str) -> impl Iterator<Item = std::ffi::OsString> {
    let stem = stem.to_os_string();
    let ext = ext.to_string();
    (0..).map(move |n: u32| {
        let mut name = stem.clone();
        match n {
            0 => {}
            1 => name.push(".hookscribe"),
            n => name.push(format!(".hookscribe ({n})")),
        }
        name.push(".");
        name.push(&ext);
        name
    })
}

/// Writes one sidecar without ever replacing a file Hookscribe did not write for this
/// job: the user's own `interview.txt` stays, and so does another recording's `a.txt`
/// (`a.mp3` and `a.wav` in one folder). Only a file that was created is recorded.
fn write_sidecar(
    store: &Store,
    job: JobId,
    own: &[String],
    dir: &Path,
    stem: &std::ffi::OsStr,
    ext: &str,
    fill: impl Fn(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    for name in sidecar_names(stem, ext).take(100) {
        let path = dir.join(name);
        let shown = hookscribe_types::stored_path::to_stored(&path);
        let mine = own.contains(&shown);
        // Recorded before it exists, so the folder watcher never mistakes it for a new
        // recording, whatever the folder's patterns.
        if !mine {
            let _ = store.add_job_output(job, &shown);
        }
        let opened = if mine {
            std::fs::File::create(&path)
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
        };
        match opened {
            Ok(mut file) => return fill(&mut file).map(|()| path),
            Err(error) => {
                if !mine {
                    let _ = store.remove_job_output(job, &shown);
                }
                if error.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err(error);
                }
            }
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "every name for the transcript file is taken",
    ))
}

/// Writes the folder's transcript files for one job and returns the ones written. Called
/// before the job is marked completed, so that whoever sees it completed (the window, the
/// local API, a webhook receiver, a script) finds its files there. Failures are logged,
/// not fatal: the transcript is safe in the database either way.
pub fn write_sidecars(
    store: &Store,
    job: JobId,
    source: &Path,
    folder: &FolderJob<'_>,
    transcript: &Transcript,
) -> Vec<PathBuf> {
    let options = folder.options;
    if options.formats.is_empty() {
        return Vec::new();
    }
    let target_dir = match &options.output_dir {
        Some(dir) => Path::new(folder.path).join(dir),
        None => source
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(folder.path)),
    };
    if let Err(error) = std::fs::create_dir_all(&target_dir) {
        tracing::warn!(%error, dir = %target_dir.display(), "cannot create the output folder");
        return Vec::new();
    }
    let stem = source.file_stem().unwrap_or_default();
    let own: Vec<String> = store.job_outputs(job).unwrap_or_default();
    let mut written = Vec::new();
    for format in &options.formats {
        match write_sidecar(
            store,
            job,
            &own,
            &target_dir,
            stem,
            format.extension(),
            |file| std::io::Write::write_all(file, format.render(transcript).as_bytes()),
        ) {
            Ok(path) => {
                tracing::debug!(path = %path.display(), "transcript file written");
                written.push(path);
            }
            Err(error) => {
                tracing::warn!(%error, dir = %target_dir.display(), "cannot write the transcript file")
            }
        }
    }
    written
}

/// Removes transcript files written for a job that then did not complete (cancelled in
/// the moment between): a cancelled job leaves no transcript behind.
pub fn discard_sidecars(store: &Store, job: JobId, written: &[PathBuf]) {
    for path in written {
        if let Err(error) = std::fs::remove_file(path) {
            tracing::warn!(%error, path = %path.display(), "cannot remove the transcript file");
        }
        let _ = store.remove_job_output(job, &hookscribe_types::stored_path::to_stored(path));
    }
}

/// What the folder asks for once the job is completed: the source left in place or moved
/// into a subfolder. Failures are logged, not fatal.
pub fn finish_source(source: &Path, folder: &FolderJob<'_>) {
    let After::Move(sub) = &folder.options.after else {
        return;
    };
    let dir = Path::new(folder.path).join(sub);
    let moved = std::fs::create_dir_all(&dir).and_then(|_| {
        let dest = free_path(&dir, source.file_name().unwrap_or_default());
        std::fs::rename(source, &dest).map(|_| dest)
    });
    match moved {
        Ok(dest) => tracing::info!(to = %dest.display(), "source moved"),
        Err(error) => tracing::warn!(%error, "cannot move the source"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookscribe_store::jobs::{NewJob, Origin};

    fn job(store: &Store, path: &str) -> JobId {
        store
            .enqueue(&NewJob {
                source_path: path.into(),
                origin: Origin::Folder,
                folder_id: None,
                options: serde_json::json!({}),
                metadata: None,
                route: Default::default(),
            })
            .unwrap()
    }

    fn write_txt(store: &Store, job: JobId, dir: &Path, stem: &str, text: &str) -> PathBuf {
        let own = store.job_outputs(job).unwrap();
        write_sidecar(
            store,
            job,
            &own,
            dir,
            std::ffi::OsStr::new(stem),
            "txt",
            |f| std::io::Write::write_all(f, text.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn sidecars_never_replace_a_file_hookscribe_did_not_write_for_the_job() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let folder = dir.path().join("calls");
        std::fs::create_dir(&folder).unwrap();
        // The user's own notes, named like the recording.
        std::fs::write(folder.join("interview.txt"), "my notes").unwrap();

        let interview = job(&store, "/calls/interview.mp3");
        let written = write_txt(&store, interview, &folder, "interview", "transcript");
        assert_eq!(written, folder.join("interview.hookscribe.txt"));
        assert_eq!(
            std::fs::read_to_string(folder.join("interview.txt")).unwrap(),
            "my notes"
        );
        assert_eq!(
            store.job_outputs(interview).unwrap(),
            [written.display().to_string()]
        );

        // Two recordings with one stem: each keeps its own file.
        let a_mp3 = job(&store, "/calls/a.mp3");
        let a_wav = job(&store, "/calls/a.wav");
        let first = write_txt(&store, a_mp3, &folder, "a", "from the mp3");
        let second = write_txt(&store, a_wav, &folder, "a", "from the wav");
        assert_eq!(first, folder.join("a.txt"));
        assert_eq!(second, folder.join("a.hookscribe.txt"));
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "from the mp3");

        // The same job run again rewrites its own file rather than making another.
        let again = write_txt(&store, a_wav, &folder, "a", "from the wav, again");
        assert_eq!(again, second);
        assert_eq!(
            std::fs::read_to_string(&second).unwrap(),
            "from the wav, again"
        );
        assert_eq!(
            store.job_outputs(a_wav).unwrap().len(),
            1,
            "only what was created is recorded"
        );
    }
}
