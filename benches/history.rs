//! The History view with a large library: pages and full-text search over N finished
//! transcripts (default 10,000), through the engine's jobs service as the window calls it,
//! against the bare SQL a page or a search needs at least, on the same database in the
//! same run.
//!
//! `cargo bench --bench history [-- TRANSCRIPTS]`
//!
//! Each transcript is 12 sentences of benches/speech.txt (about 150 words, a minute of
//! speech), chosen pseudo-randomly, so common words match nearly every transcript and a
//! sentence's rarer words about a quarter of them; one transcript in a thousand also
//! holds a word found nowhere else.

use std::time::{Duration, Instant};

use hookscribe::asr::{Segment, Transcript};
use hookscribe::engine::{Engine, JobQuery, JobStatus, SearchQuery};
use hookscribe::home::Home;
use hookscribe_store::jobs::{NewJob, Origin};
use hookscribe_store::messages::Finished;
use hookscribe_store::Store;

const ROUNDS: usize = 25;

/// One timed request: ours, or the bare SQL it is compared with.
type Run<'a> = Box<dyn Fn() + 'a>;
const RARE_WORD: &str = "xylophonist";

fn main() {
    let transcripts: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = Home::at(dir.path().join("home")).expect("home");
    let started = Instant::now();
    seed(&home, transcripts);
    println!(
        "History with {transcripts} finished transcripts (seeded in {:.1} s); median of {ROUNDS} runs\n",
        started.elapsed().as_secs_f64()
    );

    let engine = Engine::open(home.clone()).expect("engine");
    let bare = rusqlite::Connection::open(home.database_path()).expect("bare connection");
    let (engine, bare) = (&engine, &bare);
    let common = "the";
    let sentence_word = "grandmother";

    println!("| what the window asks | Hookscribe | bare SQL | ratio |");
    println!("|---|---|---|---|");
    let cases: Vec<(String, Run<'_>, Run<'_>)> = vec![
        (
            "first page (50 newest)".into(),
            Box::new(move || page(engine, 0, None)),
            Box::new(move || bare_page(bare, 0)),
        ),
        (
            format!("last page (offset {})", transcripts.saturating_sub(50)),
            Box::new(move || page(engine, transcripts.saturating_sub(50), None)),
            Box::new(move || bare_page(bare, transcripts.saturating_sub(50))),
        ),
        (
            "first page, status filter".into(),
            Box::new(move || page(engine, 0, Some(JobStatus::Completed))),
            Box::new(move || bare_page(bare, 0)),
        ),
        (
            format!("search \"{common}\" (every transcript)"),
            Box::new(move || search(engine, common)),
            Box::new(move || bare_search(bare, common)),
        ),
        (
            format!("search \"{sentence_word}\" (about a quarter)"),
            Box::new(move || search(engine, sentence_word)),
            Box::new(move || bare_search(bare, sentence_word)),
        ),
        (
            format!("search \"{RARE_WORD}\" (1 in 1000)"),
            Box::new(move || search(engine, RARE_WORD)),
            Box::new(move || bare_search(bare, RARE_WORD)),
        ),
    ];
    for (name, ours, reference) in &cases {
        let ours = median(ours);
        let reference = median(reference);
        println!(
            "| {name} | {} | {} | {:.1}x |",
            ms(ours),
            ms(reference),
            ours.as_secs_f64() / reference.as_secs_f64()
        );
    }
    println!(
        "\nHookscribe: the jobs service (a page with its total, or search hits with marked \
         snippets, their jobs and folders). Bare SQL: the rows alone (ids and paths by id, or \
         FTS5 rowids by rank), no count, no snippet, no join."
    );
}

/// Fills the database with finished jobs and their transcripts, as the queue leaves them.
fn seed(home: &Home, transcripts: usize) {
    let sentences: Vec<&str> = include_str!("speech.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut store = Store::open(&home.database_path()).expect("store");
    let jobs: Vec<NewJob> = (0..transcripts)
        .map(|n| NewJob {
            source_path: format!("/home/user/Recordings/meeting-{n:05}.m4a"),
            origin: Origin::Manual,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: None,
            route: Default::default(),
        })
        .collect();
    store.enqueue_all(&jobs, &mut |_| {}).expect("enqueue");
    let mut random = 0x2545_f491_4f6c_dd1d_u64;
    for n in 0..transcripts {
        let job = store.claim_next().expect("claim").expect("a queued job");
        let mut picked: Vec<String> = (0..12)
            .map(|_| {
                // xorshift: the same library on every run
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                sentences[(random % sentences.len() as u64) as usize].to_string()
            })
            .collect();
        if n % 1000 == 500 {
            picked[6] = format!("The {RARE_WORD} played at the end.");
        }
        let segments: Vec<Segment> = picked
            .iter()
            .enumerate()
            .map(|(i, s)| Segment::new(i as f64 * 5.0, i as f64 * 5.0 + 5.0, s))
            .collect();
        let transcript = Transcript {
            text: picked.join(" "),
            segments,
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 60.0,
            processing_seconds: 3.0,
        };
        let mut no_endpoints = |_: &Finished<'_>| Ok(Vec::new());
        store
            .complete(job.id, &format!("{n:064x}"), &transcript, &mut no_endpoints)
            .expect("complete");
    }
}

fn page(engine: &Engine, offset: usize, status: Option<JobStatus>) {
    let page = engine
        .jobs()
        .list(&JobQuery {
            status,
            limit: Some(50),
            offset: Some(offset),
            ..JobQuery::default()
        })
        .expect("list");
    assert_eq!(page.items.len(), 50, "a full page");
}

fn search(engine: &Engine, text: &str) {
    let hits = engine
        .jobs()
        .search(&SearchQuery {
            text: text.into(),
            limit: Some(50),
            ..SearchQuery::default()
        })
        .expect("search");
    assert!(!hits.items.is_empty(), "hits for {text}");
}

fn bare_page(conn: &rusqlite::Connection, offset: usize) {
    let mut statement = conn
        .prepare_cached("SELECT id, source_path FROM jobs ORDER BY id DESC LIMIT 50 OFFSET ?1")
        .expect("prepare");
    let rows: Vec<(i64, String)> = statement
        .query_map([offset as i64], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 50);
}

fn bare_search(conn: &rusqlite::Connection, text: &str) {
    let mut statement = conn
        .prepare_cached(
            "SELECT rowid FROM transcripts_fts WHERE transcripts_fts MATCH ?1 ORDER BY rank LIMIT 50",
        )
        .expect("prepare");
    let rows: Vec<i64> = statement
        .query_map([format!("\"{text}\"")], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(!rows.is_empty());
}

fn median(run: &dyn Fn()) -> Duration {
    run(); // warm the page cache and the prepared statements
    let mut samples: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    samples.sort();
    samples[ROUNDS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
