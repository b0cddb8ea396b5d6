//! Watched folders and the files seen in them. A folder's options are stored as JSON: the
//! watcher gives them meaning.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::Value;

use crate::jobs::{insert_job, JobId, NewJob};
use crate::{Store, StoreError};

pub type FolderId = i64;

#[derive(Debug, Clone)]
pub struct FolderRecord {
    pub id: FolderId,
    pub path: String,
    /// The folder's options as stored (`Value::Null` if the stored text is not JSON).
    pub options: Value,
    pub paused: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

const FOLDER_SELECT: &str = "SELECT id, path, options, paused, created_at FROM folders";

fn folder_from_row(row: &rusqlite::Row) -> rusqlite::Result<FolderRecord> {
    let options: String = row.get(2)?;
    Ok(FolderRecord {
        id: row.get(0)?,
        path: row.get(1)?,
        options: serde_json::from_str(&options).unwrap_or(Value::Null),
        paused: row.get(3)?,
        created_at: row.get(4)?,
    })
}

impl Store {
    pub fn add_folder(&self, path: &str, options: &Value) -> Result<FolderId, StoreError> {
        self.conn.execute(
            "INSERT INTO folders (path, options, created_at) VALUES (?1, ?2, unixepoch() * 1000)",
            params![path, crate::to_json(options, "{}")],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn update_folder_options(&self, id: FolderId, options: &Value) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE folders SET options = ?2 WHERE id = ?1",
            params![id, crate::to_json(options, "{}")],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchFolder(id));
        }
        Ok(())
    }

    pub fn folders(&self) -> Result<Vec<FolderRecord>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("{FOLDER_SELECT} ORDER BY id"))?;
        let folders = statement
            .query_map([], folder_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(folders)
    }

    pub fn folder(&self, id: FolderId) -> Result<FolderRecord, StoreError> {
        self.conn
            .query_row(
                &format!("{FOLDER_SELECT} WHERE id = ?1"),
                [id],
                folder_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchFolder(id))
    }

    /// The folder watching exactly this path, if any.
    pub fn folder_at(&self, path: &str) -> Result<Option<FolderRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("{FOLDER_SELECT} WHERE path = ?1"),
                [path],
                folder_from_row,
            )
            .optional()?)
    }

    pub fn remove_folder(&self, id: FolderId) -> Result<(), StoreError> {
        if self
            .conn
            .execute("DELETE FROM folders WHERE id = ?1", [id])?
            == 0
        {
            return Err(StoreError::NoSuchFolder(id));
        }
        Ok(())
    }

    pub fn set_folder_paused(&self, id: FolderId, paused: bool) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE folders SET paused = ?2 WHERE id = ?1",
            params![id, paused],
        )?;
        if changed == 0 {
            return Err(StoreError::NoSuchFolder(id));
        }
        Ok(())
    }

    /// Whether this exact file version (size + mtime) was already queued.
    pub fn seen(
        &self,
        folder: FolderId,
        path: &str,
        size: u64,
        mtime_ms: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM seen_files WHERE folder_id = ?1 AND path = ?2 AND size = ?3 AND mtime_ms = ?4",
                params![folder, path, size as i64, mtime_ms],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Queues a job for a folder file and records the version seen, in one transaction, so
    /// a file is queued once however many events and scans report it. `announce` gets the
    /// job before the commit (see [`crate::jobs::Announce`]).
    pub fn enqueue_seen(
        &mut self,
        folder: FolderId,
        path: &str,
        size: u64,
        mtime_ms: i64,
        job: &NewJob,
        announce: crate::jobs::Announce<'_>,
    ) -> Result<Option<JobId>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let already: bool = tx
            .query_row(
                "SELECT 1 FROM seen_files WHERE folder_id = ?1 AND path = ?2 AND size = ?3 AND mtime_ms = ?4",
                params![folder, path, size as i64, mtime_ms],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if already {
            return Ok(None);
        }
        let id = insert_job(&tx, job)?;
        tx.execute(
            "INSERT INTO seen_files (folder_id, path, size, mtime_ms, job_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(folder_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, job_id = excluded.job_id",
            params![folder, path, size as i64, mtime_ms, id],
        )?;
        announce(&crate::jobs::job_in(&tx, id)?);
        tx.commit()?;
        Ok(Some(id))
    }
}
