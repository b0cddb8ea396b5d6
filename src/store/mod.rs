//! SQLite store: the one source of truth for settings (and, as the product grows, jobs,
//! transcripts and deliveries).
//!
//! Every connection is opened the same way (WAL, busy timeout, foreign keys) so that the
//! desktop app, `hookscribe run` and one-off CLI commands can share one database file.

pub mod folders;
pub mod jobs;
mod migrations;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

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
    #[error("no webhook endpoint {0}; see `hookscribe webhooks list`")]
    NoSuchEndpoint(i64),
    #[error("no delivery {0}; see `hookscribe deliveries list`")]
    NoSuchMessage(i64),
    #[error("cannot make a webhook message id: {0}")]
    Random(String),
    #[error("job {id} is {status}; {action}")]
    WrongState {
        id: i64,
        status: &'static str,
        action: &'static str,
    },
}

/// An open database with the schema migrated to the latest version.
pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
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

/// A store in a temporary folder, for unit tests.
#[cfg(test)]
pub(crate) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("db.sqlite")).expect("open store");
    (dir, store)
}
