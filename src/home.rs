//! Where Hookscribe keeps its data: the database, the models, logs.
//!
//! `HOOKSCRIBE_HOME` overrides the platform data directory so that tests, portable installs
//! and several profiles never touch the user's real data.

use std::path::{Path, PathBuf};

/// Environment variable that overrides the data directory.
pub const HOME_ENV: &str = "HOOKSCRIBE_HOME";

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("no data directory could be found for this user; set {HOME_ENV} to a writable folder")]
    NoPlatformDir,
    #[error(
        "cannot create the data directory {path}: {source}; set {HOME_ENV} to a writable folder"
    )]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The data directory and the well-known paths inside it.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `HOOKSCRIBE_HOME` if set and non-empty, else the platform data dir
    /// (`~/.local/share/hookscribe` on Linux). Creates it if missing.
    pub fn from_env() -> Result<Self, HomeError> {
        let root = match std::env::var_os(HOME_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => directories::ProjectDirs::from("", "", "hookscribe")
                .ok_or(HomeError::NoPlatformDir)?
                .data_dir()
                .to_path_buf(),
        };
        Self::at(root)
    }

    /// A home at an explicit directory (created if missing).
    pub fn at(root: impl Into<PathBuf>) -> Result<Self, HomeError> {
        let home = Self { root: root.into() };
        home.ensure_dir(&home.root)?;
        home.keep_private();
        home.ensure_dir(&home.models_dir())?;
        Ok(home)
    }

    /// The folder holds the database (webhook signing secrets) and every transcript:
    /// readable by this user only (0700), narrowed if an older version left it open.
    /// Best effort: a file system without Unix modes must not stop Hookscribe.
    #[cfg(unix)]
    fn keep_private(&self) {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(&self.root) else {
            return;
        };
        if meta.permissions().mode() & 0o077 == 0 {
            return;
        }
        if let Err(error) =
            std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))
        {
            tracing::warn!(
                path = %self.root.display(),
                %error,
                "cannot make the data folder private to this user; other users may read it"
            );
        }
    }

    #[cfg(not(unix))]
    fn keep_private(&self) {}

    fn ensure_dir(&self, path: &Path) -> Result<(), HomeError> {
        std::fs::create_dir_all(path).map_err(|source| HomeError::Create {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Installed ggml model files, one `<name>.bin` each.
    pub fn models_dir(&self) -> PathBuf {
        self.root.join("models")
    }

    /// Recordings received by the local API, each in a folder of its own (so it keeps the
    /// name the client gave it), removed with their job.
    pub fn uploads_dir(&self) -> PathBuf {
        self.root.join("uploads")
    }

    /// Removes a received recording and its folder. Recordings received before uploads
    /// had folders lie straight in `uploads_dir`, which stays.
    pub fn remove_upload(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)?;
        let uploads = self.uploads_dir();
        if let Some(folder) = path
            .parent()
            .filter(|f| *f != uploads && f.starts_with(&uploads))
        {
            if let Err(error) = std::fs::remove_dir(folder) {
                tracing::warn!(folder = %folder.display(), %error, "cannot remove an upload's folder");
            }
        }
        Ok(())
    }

    /// The SQLite database that holds settings, jobs, transcripts and deliveries.
    pub fn database_path(&self) -> PathBuf {
        self.root.join("hookscribe.db")
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_data_folder_is_private_to_this_user_new_or_old() {
        let dir = tempfile::tempdir().unwrap();
        let new = Home::at(dir.path().join("new")).unwrap();
        assert_eq!(mode(new.root()), 0o700);

        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        Home::at(&old).unwrap();
        assert_eq!(mode(&old), 0o700);
    }

    #[test]
    fn removing_an_upload_removes_its_folder_but_never_the_uploads_folder() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path()).unwrap();
        let folder = home.uploads_dir().join("1-abc");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("memo.wav"), b"x").unwrap();
        home.remove_upload(&folder.join("memo.wav")).unwrap();
        assert!(!folder.exists());
        // Received before uploads had folders: straight in the uploads folder.
        let old = home.uploads_dir().join("1-abc-old.wav");
        std::fs::write(&old, b"x").unwrap();
        home.remove_upload(&old).unwrap();
        assert!(!old.exists());
        assert!(home.uploads_dir().is_dir());
    }
}
