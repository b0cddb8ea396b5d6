//! Versioned schema migrations. Each entry upgrades from the previous version; the
//! version lives in SQLite's `user_version` so it is read without any table existing.
//! Never edit a released migration: append a new one.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Migration N (1-based) brings the schema from version N-1 to N.
const MIGRATIONS: &[&str] = &[
    // 1: settings
    "CREATE TABLE settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;",
    // 2: jobs, transcripts (+ full-text index) and their segments
    "CREATE TABLE transcripts (
        id                 INTEGER PRIMARY KEY,
        source_sha256      TEXT NOT NULL,
        text               TEXT NOT NULL,
        language           TEXT,
        model              TEXT NOT NULL,
        audio_seconds      REAL NOT NULL,
        processing_seconds REAL NOT NULL,
        created_at         INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX transcripts_by_source ON transcripts(source_sha256);

    CREATE TABLE segments (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        start_s       REAL NOT NULL,
        end_s         REAL NOT NULL,
        text          TEXT NOT NULL,
        words         TEXT,
        PRIMARY KEY (transcript_id, idx)
    ) STRICT, WITHOUT ROWID;

    CREATE VIRTUAL TABLE transcripts_fts USING fts5(
        text, content = 'transcripts', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER transcripts_fts_insert AFTER INSERT ON transcripts BEGIN
        INSERT INTO transcripts_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER transcripts_fts_delete AFTER DELETE ON transcripts BEGIN
        INSERT INTO transcripts_fts(transcripts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;

    CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY,
        source_path   TEXT NOT NULL,
        source_sha256 TEXT,
        source_bytes  INTEGER,
        origin        TEXT NOT NULL CHECK (origin IN ('manual', 'folder')),
        priority      INTEGER NOT NULL,
        status        TEXT NOT NULL
                      CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        stage         TEXT CHECK (stage IN ('decoding', 'transcribing')),
        progress      INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        options       TEXT NOT NULL,
        metadata      TEXT,
        transcript_id INTEGER REFERENCES transcripts(id) ON DELETE SET NULL,
        duplicate_of  INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        claimed_by    INTEGER,
        heartbeat_at  INTEGER,
        created_at    INTEGER NOT NULL,
        started_at    INTEGER,
        finished_at   INTEGER
    ) STRICT;
    CREATE INDEX jobs_queue ON jobs(status, priority, id);
    CREATE INDEX jobs_by_source ON jobs(source_sha256);",
    // 3: watched folders, the files seen in them, and the files each job wrote
    "CREATE TABLE folders (
        id               INTEGER PRIMARY KEY,
        path             TEXT NOT NULL UNIQUE,
        options          TEXT NOT NULL,
        paused           INTEGER NOT NULL DEFAULT 0,
        created_at       INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE seen_files (
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path      TEXT NOT NULL,
        size      INTEGER NOT NULL,
        mtime_ms  INTEGER NOT NULL,
        job_id    INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        PRIMARY KEY (folder_id, path)
    ) STRICT;
    CREATE TABLE job_outputs (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        path   TEXT NOT NULL,
        PRIMARY KEY (job_id, path)
    ) STRICT;
    ALTER TABLE jobs ADD COLUMN folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL;",
    // 4: webhook endpoints, the outbox of messages (one per endpoint and event) and the
    //    log of every delivery attempt
    "CREATE TABLE endpoints (
        id                    INTEGER PRIMARY KEY,
        url                   TEXT NOT NULL,
        description           TEXT NOT NULL DEFAULT '',
        events                TEXT NOT NULL,
        format                TEXT NOT NULL CHECK (format IN ('full', 'compact', 'flat')),
        headers               TEXT NOT NULL DEFAULT '[]',
        timeout_ms            INTEGER NOT NULL,
        max_concurrency       INTEGER NOT NULL,
        secret                TEXT NOT NULL,
        previous_secret       TEXT,
        previous_secret_until INTEGER,
        disabled_at           INTEGER,
        disabled_reason       TEXT,
        consecutive_failures  INTEGER NOT NULL DEFAULT 0,
        failing_since         INTEGER,
        last_success_at       INTEGER,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        webhook_id      TEXT NOT NULL,
        event           TEXT NOT NULL,
        endpoint_id     INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        job_id          INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
        body            TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'held')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_error      TEXT,
        locked_by       INTEGER,
        locked_until    INTEGER,
        created_at      INTEGER NOT NULL,
        delivered_at    INTEGER
    ) STRICT;
    CREATE INDEX messages_due ON messages(status, next_attempt_at);
    CREATE INDEX messages_by_endpoint ON messages(endpoint_id, status, next_attempt_at);
    CREATE INDEX messages_leased ON messages(endpoint_id, locked_until) WHERE locked_until IS NOT NULL;
    CREATE INDEX messages_by_job ON messages(job_id);
    CREATE TABLE attempts (
        id               INTEGER PRIMARY KEY,
        message_id       INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        endpoint_id      INTEGER NOT NULL,
        url              TEXT NOT NULL,
        attempted_at     INTEGER NOT NULL,
        duration_ms      INTEGER NOT NULL,
        request_headers  TEXT NOT NULL,
        response_status  INTEGER,
        response_headers TEXT,
        response_body    TEXT,
        error_kind       TEXT,
        error            TEXT
    ) STRICT;
    CREATE INDEX attempts_by_message ON attempts(message_id);
    CREATE INDEX attempts_by_time ON attempts(attempted_at);",
    // 5: an endpoint's attempts, newest first (its health at a glance)
    "CREATE INDEX attempts_by_endpoint ON attempts(endpoint_id, id);",
    // 6: per-job webhooks (an endpoint owned by one job, or a job limited to some
    //    endpoints), the recipe a transcript was made with (reuse only matches it), and
    //    whether an endpoint retries 401, 403 and 404; the lease an attempt was sent under
    "ALTER TABLE endpoints ADD COLUMN job_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE;
    CREATE INDEX endpoints_by_job ON endpoints(job_id) WHERE job_id IS NOT NULL;
    ALTER TABLE jobs ADD COLUMN webhooks TEXT;
    ALTER TABLE jobs ADD COLUMN recipe TEXT;
    CREATE INDEX jobs_by_recipe ON jobs(source_sha256, recipe) WHERE status = 'completed';
    ALTER TABLE endpoints ADD COLUMN retry_client_errors INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE messages ADD COLUMN lease_token TEXT;",
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // The common case, a current schema, takes no lock at all: front ends open the store
    // often and must not compete with the queue for the write lock.
    let found = current_version(conn)?;
    check_not_newer(found, path)?;
    if found == latest_version() {
        return Ok(());
    }
    // IMMEDIATE takes the write lock up front, so two processes starting together do not
    // both try to apply the same migration; the version is read again under the lock.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found = current_version(&tx)?;
    check_not_newer(found, path)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

fn check_not_newer(found: i64, path: &Path) -> Result<(), StoreError> {
    if found > latest_version() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest_version(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn fresh_database_reaches_latest_and_reopening_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest_version());
        store.set_setting("model", "tiny.en").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.setting("model").unwrap().as_deref(), Some("tiny.en"));
        store.set_setting("model", "base").unwrap();
        assert_eq!(store.setting("model").unwrap().as_deref(), Some("base"));
        store.delete_setting("model").unwrap();
        assert_eq!(store.setting("model").unwrap(), None);
    }

    #[test]
    fn every_earlier_schema_upgrades_to_the_latest_keeping_data() {
        for start in 1..latest_version() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("db.sqlite");
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..start as usize] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", start).unwrap();
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('language', 'de', 0)",
                [],
            )
            .unwrap();
            drop(conn);
            let store = Store::open(&path).unwrap();
            assert_eq!(
                store.schema_version().unwrap(),
                latest_version(),
                "from v{start}"
            );
            assert_eq!(
                store.setting("language").unwrap().as_deref(),
                Some("de"),
                "from v{start}"
            );
            let tables: i64 = store
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name IN ('jobs', 'transcripts', 'segments', 'transcripts_fts', 'folders')",
                    [],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(tables, 5, "from v{start}");
        }
    }

    #[test]
    fn opening_a_current_database_takes_no_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        drop(Store::open(&path).unwrap());
        // Another connection holds the write lock (as the queue does mid-transaction).
        let holder = Connection::open(&path).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        let store = Store::open(&path).expect("opens without waiting for the writer");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "waited {:?} for the write lock",
            started.elapsed()
        );
        assert_eq!(store.schema_version().unwrap(), latest_version());
        holder.execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap();
        assert!(
            err.to_string().contains("newer than this Hookscribe"),
            "{err}"
        );
    }
}
