//! Hookscribe's SQLite store: the one source of truth for settings, jobs, transcripts,
//! watched folders, webhook endpoints, messages and delivery attempts.
//!
//! This crate is the ground floor. It knows tables and transactions, not what the rows
//! mean to whisper or to a webhook receiver: webhook bodies, message ids and delivery
//! decisions are made above it and handed in (see [`messages::NewMessage`] and
//! [`delivery::Decision`]). Every connection is opened the same way (WAL, busy timeout,
//! foreign keys) so that the desktop app, `hookscribe run` and one-off CLI commands can
//! share one database file.

pub mod delivery;
pub mod endpoints;
pub mod folders;
pub mod jobs;
pub mod messages;
mod migrations;
mod process;
pub mod transcripts;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

pub use hookscribe_types::time::now_ms;
pub use process::process_alive;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the database {path}: {source}; check that its folder is writable")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database {path} has schema version {found}, newer than this Hookscribe understands ({supported}); update Hookscribe")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no job {0}")]
    NoSuchJob(i64),
    #[error("no webhook endpoint {0}")]
    NoSuchEndpoint(i64),
    #[error("no delivery {0}")]
    NoSuchMessage(i64),
    #[error("no watched folder {0}")]
    NoSuchFolder(i64),
    #[error("no transcript {0}")]
    NoSuchTranscript(i64),
    #[error("job {id} is {status}; {action}")]
    WrongState {
        id: i64,
        status: &'static str,
        action: &'static str,
    },
    /// The caller's outbox builder could not build a job's messages; nothing was written.
    #[error("cannot build the webhook messages: {0}")]
    Outbox(String),
}

impl StoreError {
    /// Whether the error is about a row that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::NoSuchJob(_)
                | Self::NoSuchEndpoint(_)
                | Self::NoSuchMessage(_)
                | Self::NoSuchFolder(_)
                | Self::NoSuchTranscript(_)
        )
    }

    /// Whether another process held the database too long (`database is locked`).
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Self::Sql(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }

    /// Whether a uniqueness or other constraint refused the write.
    pub fn is_constraint(&self) -> bool {
        matches!(
            self,
            Self::Sql(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation
        )
    }
}

/// An open database with the schema migrated to the latest version.
pub struct Store {
    conn: Connection,
}

/// The database holds webhook signing secrets and secret header values: it is created
/// readable by this user only (0600; SQLite gives its -wal and -shm files the same
/// mode), and one left readable by others by an older version is narrowed when opened.
/// Narrowing is best effort: on file systems without Unix modes (a FAT drive, some
/// network shares) `chmod` fails or does nothing, and the database must still open.
#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // Create it only if it is new (an existing database is narrowed below).
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => return Err(error),
        _ => {}
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = Path::new(&name);
        if let Ok(meta) = std::fs::metadata(file) {
            if meta.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        create_private(path).map_err(|source| StoreError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        migrations::migrate(&mut conn, path)?;
        Ok(Self { conn })
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(migrations::current_version(&self.conn)?)
    }

    /// Changes whenever another connection commits to the database (SQLite's
    /// `PRAGMA data_version`): a cheap way to notice work written by other processes.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    /// A stored setting, or `None` if it was never set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, unixepoch())
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [key, value],
        )?;
        Ok(())
    }

    pub fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }
}

/// JSON text for a column; serializing plain data cannot fail, and `fallback` covers it
/// if it ever did.
pub(crate) fn to_json(value: &impl serde::Serialize, fallback: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| fallback.into())
}

/// A store in a temporary folder, for unit tests.
#[cfg(test)]
pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("open store");
    (dir, store)
}

#[cfg(all(test, unix))]
mod private_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_database_and_its_journal_are_readable_by_this_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hookscribe.db");
        let store = Store::open(&path).unwrap();
        store.set_setting("probe", "1").unwrap();
        assert_eq!(mode(&path), 0o600);
        for journal in ["hookscribe.db-wal", "hookscribe.db-shm"] {
            assert_eq!(mode(&dir.path().join(journal)), 0o600, "{journal}");
        }
    }

    #[test]
    fn a_database_readable_by_others_is_narrowed_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hookscribe.db");
        drop(Store::open(&path).unwrap());
        let wal = dir.path().join("hookscribe.db-wal");
        std::fs::write(&wal, b"").unwrap();
        for file in [&path, &wal] {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(
            store.setting("missing").unwrap(),
            None,
            "and it still works"
        );
    }
}
