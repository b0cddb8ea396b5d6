//! Transcripts, their segments and the full-text index over them.

use rusqlite::{params, Connection, OptionalExtension};

use crate::jobs::{JobId, JobStatus};
use crate::{now_ms, Store, StoreError};
use hookscribe_types::{Segment, Transcript};

pub type TranscriptId = i64;

/// Marks around a search hit inside a snippet: control characters, so that no text a
/// transcript can hold is mistaken for a mark.
pub const HIT_START: char = '\u{2}';
pub const HIT_END: char = '\u{3}';

/// A transcript as stored.
#[derive(Debug, Clone)]
pub struct StoredTranscript {
    pub id: TranscriptId,
    pub source_sha256: String,
    pub transcript: Transcript,
    pub created_at: i64,
}

/// Which search hits to return, best first. Filters apply to the latest job that has the
/// transcript.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub status: Option<JobStatus>,
    pub folder: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub transcript_id: TranscriptId,
    /// The most recent job with this transcript.
    pub job_id: Option<JobId>,
    pub source_path: Option<String>,
    pub created_at: Option<i64>,
    pub folder_id: Option<i64>,
    /// Matching text with each hit between [`HIT_START`] and [`HIT_END`].
    pub snippet: String,
}

/// Turns what a user types into an FTS5 query that cannot be a syntax error: each word
/// becomes a quoted term, all of which must match.
fn fts_query(text: &str) -> String {
    text.split_whitespace()
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Stores a transcript and its segments (inside the caller's transaction).
pub(crate) fn insert_transcript(
    conn: &Connection,
    sha256: &str,
    transcript: &Transcript,
) -> Result<TranscriptId, StoreError> {
    conn.execute(
        "INSERT INTO transcripts (source_sha256, text, language, model, audio_seconds, processing_seconds, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            sha256,
            transcript.text,
            transcript.language,
            transcript.model,
            transcript.audio_seconds,
            transcript.processing_seconds,
            now_ms()
        ],
    )?;
    let transcript_id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO segments (transcript_id, idx, start_s, end_s, text, words) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (index, segment) in transcript.segments.iter().enumerate() {
        let words = (!segment.words.is_empty()).then(|| crate::to_json(&segment.words, "[]"));
        insert.execute(params![
            transcript_id,
            index as i64,
            segment.start,
            segment.end,
            segment.text,
            words
        ])?;
    }
    Ok(transcript_id)
}

impl Store {
    pub fn transcript(&self, id: TranscriptId) -> Result<StoredTranscript, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT source_sha256, text, language, model, audio_seconds, processing_seconds, created_at
                 FROM transcripts WHERE id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, f64>(4)?,
                        row.get::<_, f64>(5)?,
                        row.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((sha, text, language, model, audio_seconds, processing_seconds, created_at)) =
            head
        else {
            return Err(StoreError::NoSuchTranscript(id));
        };
        let mut statement = self.conn.prepare_cached(
            "SELECT start_s, end_s, text, words FROM segments WHERE transcript_id = ?1 ORDER BY idx",
        )?;
        let segments = statement
            .query_map([id], |row| {
                let words: Option<String> = row.get(3)?;
                Ok(Segment {
                    start: row.get(0)?,
                    end: row.get(1)?,
                    text: row.get(2)?,
                    words: words
                        .and_then(|w| serde_json::from_str(&w).ok())
                        .unwrap_or_default(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(StoredTranscript {
            id,
            source_sha256: sha,
            created_at,
            transcript: Transcript {
                text,
                segments,
                language,
                model,
                audio_seconds,
                processing_seconds,
            },
        })
    }

    /// Full-text search over transcripts, best matches first.
    pub fn search(&self, text: &str, filter: &SearchFilter) -> Result<Vec<SearchHit>, StoreError> {
        let query = fts_query(text);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let limit = if filter.limit == 0 { 20 } else { filter.limit };
        let mut statement = self.conn.prepare_cached(
            "SELECT f.rowid, snippet(transcripts_fts, 0, char(2), char(3), '…', 16),
                    j.id, j.source_path, j.created_at, j.folder_id
             FROM transcripts_fts f
             LEFT JOIN jobs j ON j.id = (SELECT max(id) FROM jobs WHERE transcript_id = f.rowid)
             WHERE transcripts_fts MATCH ?1
               AND (?2 IS NULL OR j.status = ?2) AND (?3 IS NULL OR j.folder_id = ?3)
               AND (?4 IS NULL OR j.created_at >= ?4) AND (?5 IS NULL OR j.created_at < ?5)
             ORDER BY rank LIMIT ?6 OFFSET ?7",
        )?;
        let hits = statement
            .query_map(
                params![
                    query,
                    filter.status.map(JobStatus::as_str),
                    filter.folder,
                    filter.since,
                    filter.until,
                    limit.min(i64::MAX as usize) as i64,
                    filter.offset.min(i64::MAX as usize) as i64
                ],
                |row| {
                    Ok(SearchHit {
                        transcript_id: row.get(0)?,
                        snippet: row.get(1)?,
                        job_id: row.get(2)?,
                        source_path: row.get(3)?,
                        created_at: row.get(4)?,
                        folder_id: row.get(5)?,
                    })
                },
            )?
            .collect::<Result<_, _>>()?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{NewJob, Origin};
    use crate::messages::no_messages;
    use crate::temp_store;

    #[test]
    fn transcripts_are_searchable_with_marked_hits_and_user_text_is_never_syntax() {
        let (_d, mut store) = temp_store();
        let id = store
            .enqueue(&NewJob {
                route: Default::default(),
                source_path: "/a.wav".into(),
                origin: Origin::Manual,
                folder_id: None,
                options: serde_json::json!({}),
                metadata: None,
            })
            .unwrap();
        store.claim_next().unwrap();
        let t = crate::jobs::tests::transcript("The quarterly numbers look strong this year.");
        store.complete(id, "abc", &t, &mut no_messages).unwrap();

        let hits = store
            .search("QUARTERLY numbers", &SearchFilter::default())
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].job_id, Some(id));
        assert!(
            hits[0]
                .snippet
                .contains("\u{2}quarterly\u{3} \u{2}numbers\u{3}"),
            "{:?}",
            hits[0].snippet
        );
        assert!(
            store
                .search("\"unbalanced AND (", &SearchFilter::default())
                .unwrap()
                .is_empty(),
            "user text is never FTS syntax"
        );
        let failed_only = SearchFilter {
            status: Some(JobStatus::Failed),
            ..SearchFilter::default()
        };
        assert!(store.search("quarterly", &failed_only).unwrap().is_empty());
    }
}
