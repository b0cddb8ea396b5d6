//! Watched folders and the files seen in them.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::store::jobs::JobId;

pub type FolderId = i64;

/// Common audio and video files Hookscribe can decode.
pub const DEFAULT_INCLUDE: &[&str] = &[
    "*.wav", "*.mp3", "*.m4a", "*.aac", "*.flac", "*.ogg", "*.oga", "*.opus", "*.aif", "*.aiff",
    "*.caf", "*.mp4", "*.m4v", "*.mov", "*.mkv", "*.webm",
];

/// What to do with a source file once its transcript is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase", tag = "action", content = "subfolder")]
pub enum After {
    #[default]
    Leave,
    /// Move it into this subfolder of the watched folder.
    Move(String),
}

/// Per-folder options, stored as JSON so they can grow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FolderOptions {
    #[serde(default)]
    pub recursive: bool,
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Formats written next to the source (or into `output_dir`).
    #[serde(default)]
    pub formats: Vec<crate::export::Format>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<String>,
    #[serde(default)]
    pub after: After,
    /// Attached to every job from this folder and carried into its webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Scan on a timer instead of relying on file-system events (network shares).
    #[serde(default)]
    pub poll: bool,
    /// A file must keep its size and modification time this long to count as complete.
    pub stable_ms: u64,
    /// Transcribe a file again even when the same content was transcribed before.
    #[serde(default)]
    pub rerun_duplicates: bool,
    /// The webhook endpoints this folder's jobs notify; `None`: every subscribed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<Vec<i64>>,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            recursive: false,
            include: DEFAULT_INCLUDE.iter().map(|s| s.to_string()).collect(),
            exclude: Vec::new(),
            model: None,
            language: None,
            formats: Vec::new(),
            output_dir: None,
            after: After::Leave,
            metadata: None,
            poll: false,
            stable_ms: 2000,
            rerun_duplicates: false,
            webhooks: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Folder {
    pub id: FolderId,
    pub path: String,
    pub options: FolderOptions,
    pub paused: bool,
}

fn folder_from_row(row: &rusqlite::Row) -> rusqlite::Result<Folder> {
    let options: String = row.get(2)?;
    Ok(Folder {
        id: row.get(0)?,
        path: row.get(1)?,
        options: serde_json::from_str(&options).unwrap_or_default(),
        paused: row.get(3)?,
    })
}

impl Store {
    pub fn add_folder(&self, path: &str, options: &FolderOptions) -> Result<FolderId, StoreError> {
        let json = serde_json::to_string(options).unwrap_or_else(|_| "{}".into());
        self.conn.execute(
            "INSERT INTO folders (path, options, created_at) VALUES (?1, ?2, unixepoch() * 1000)",
            params![path, json],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn folders(&self) -> Result<Vec<Folder>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, path, options, paused FROM folders ORDER BY id")?;
        let folders = statement
            .query_map([], folder_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(folders)
    }

    pub fn folder(&self, id: FolderId) -> Result<Option<Folder>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, path, options, paused FROM folders WHERE id = ?1",
                [id],
                folder_from_row,
            )
            .optional()?)
    }

    /// Returns whether a folder was removed.
    pub fn remove_folder(&self, id: FolderId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM folders WHERE id = ?1", [id])?
            == 1)
    }

    pub fn set_folder_paused(&self, id: FolderId, paused: bool) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE folders SET paused = ?2 WHERE id = ?1",
            params![id, paused],
        )? == 1)
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
    /// a file is queued once however many events and scans report it.
    pub fn enqueue_seen(
        &mut self,
        folder: FolderId,
        path: &str,
        size: u64,
        mtime_ms: i64,
        job: &crate::store::jobs::NewJob,
    ) -> Result<Option<JobId>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
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
        let id = super::jobs::insert_job(&tx, job)?;
        tx.execute(
            "INSERT INTO seen_files (folder_id, path, size, mtime_ms, job_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(folder_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, job_id = excluded.job_id",
            params![folder, path, size as i64, mtime_ms, id],
        )?;
        tx.commit()?;
        Ok(Some(id))
    }
}
