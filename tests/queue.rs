//! The durable queue with real processes: `hookscribe jobs add` from one process,
//! `hookscribe run` in another, killed and restarted, sharing one SQLite file.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use common::daemon::{add, job, wait_for, wait_transcribing, Daemon};
use common::{ct2_tiny_en, run_cli, speak, temp_home, whisper_turn};
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::text::word_error_rate;
use hookscribe_store::jobs::{JobFilter, JobStatus};
use hookscribe_store::Store;

const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";

/// Speech files shared by the tests (generated once).
struct Media {
    _dir: tempfile::TempDir,
    short: PathBuf,
    long: PathBuf,
    model_source: PathBuf,
}

fn media() -> &'static Media {
    static MEDIA: OnceLock<Media> = OnceLock::new();
    MEDIA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short.wav");
        speak(SENTENCE, &short);
        let long = dir.path().join("long.wav");
        speak(&format!("{SENTENCE} ").repeat(10), &long);
        Media {
            _dir: dir,
            short,
            long,
            model_source: ct2_tiny_en(),
        }
    })
}

/// A home with tiny.en installed and two threads per transcription.
fn home() -> (tempfile::TempDir, Home) {
    let (dir, home) = temp_home();
    Models::open(&home)
        .import(&media().model_source, Some("tiny.en"), None)
        .unwrap();
    let (ok, _, stderr) = run_cli(&home, &["config", "set", "threads", "2"]);
    assert!(ok, "{stderr}");
    (dir, home)
}

fn transcript_count(home: &Home) -> usize {
    let store = Store::open(&home.database_path()).unwrap();
    store
        .search(
            "meeting",
            &hookscribe_store::transcripts::SearchFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap()
        .len()
}

#[test]
fn run_processes_jobs_from_another_process_and_a_corrupt_file_fails_alone() {
    let _turn = whisper_turn();
    let (dir, home) = home();
    let corrupt = dir.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF\x10\x00\x00\x00WAVEfmt garbage").unwrap();
    let daemon = Daemon::start(&home);
    let bad = add(&home, &corrupt);
    let good = add(&home, &media().short);
    wait_for("both jobs to finish", Duration::from_secs(120), || {
        job(&home, good).status == JobStatus::Completed
            && job(&home, bad).status == JobStatus::Failed
    });
    let failed = job(&home, bad);
    let reason = failed.error.unwrap();
    assert!(reason.contains("corrupt.wav"), "{reason}");
    let (ok, stdout, _) = run_cli(&home, &["jobs", "show", &good.to_string(), "--json"]);
    assert!(ok);
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let text = shown["transcript"]["text"].as_str().unwrap().to_string();
    assert!(word_error_rate(SENTENCE, &text) <= 0.15, "{text:?}");

    let log = daemon.terminate();
    assert!(
        log.contains(&format!("job{{job={good}}}")),
        "job id in the log lines:\n{log}"
    );
    assert!(!log.contains("database is locked"), "{log}");
}

#[test]
fn a_killed_run_resumes_the_job_on_restart_and_stores_one_transcript() {
    let _turn = whisper_turn();
    let (_dir, home) = home();
    let daemon = Daemon::start(&home);
    let id = add(&home, &media().long);
    wait_transcribing(&home, id);
    daemon.kill9();
    assert_eq!(
        job(&home, id).status,
        JobStatus::Running,
        "left running by the dead process"
    );

    // Added while nothing was running.
    let later = add(&home, &media().short);
    let daemon = Daemon::start(&home);
    wait_for("both jobs to complete", Duration::from_secs(180), || {
        job(&home, id).status == JobStatus::Completed
            && job(&home, later).status == JobStatus::Completed
    });
    let resumed = job(&home, id);
    assert_eq!(
        resumed.attempts, 2,
        "claimed once before the kill, once after"
    );
    let store = Store::open(&home.database_path()).unwrap();
    assert_eq!(
        store
            .jobs(&JobFilter {
                limit: 100,
                ..JobFilter::default()
            })
            .unwrap()
            .len(),
        2,
        "no job lost or duplicated"
    );
    assert_eq!(transcript_count(&home), 2, "one transcript per job");
    let log = daemon.terminate();
    assert!(log.contains("put back in the queue"), "{log}");
}

#[test]
fn a_running_job_cancelled_from_the_cli_stops_and_the_queue_goes_on() {
    let _turn = whisper_turn();
    let (_dir, home) = home();
    let daemon = Daemon::start(&home);
    let long = add(&home, &media().long);
    let next = add(&home, &media().short);
    wait_transcribing(&home, long);
    let (ok, _, stderr) = run_cli(&home, &["jobs", "cancel", &long.to_string()]);
    assert!(ok, "{stderr}");
    wait_for("the next job to complete", Duration::from_secs(120), || {
        job(&home, next).status == JobStatus::Completed
    });
    let cancelled = job(&home, long);
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert_eq!(
        cancelled.transcript_id, None,
        "no transcript for a cancelled job"
    );
    assert_eq!(transcript_count(&home), 1);

    let (ok, _, stderr) = run_cli(&home, &["jobs", "retry", &long.to_string()]);
    assert!(ok, "{stderr}");
    assert_eq!(job(&home, long).status, JobStatus::Queued);
    drop(daemon);
}

#[test]
fn the_same_recording_twice_is_linked_not_transcribed_again() {
    let _turn = whisper_turn();
    let (dir, home) = home();
    let copy = dir.path().join("copy-of-short.wav");
    std::fs::copy(&media().short, &copy).unwrap();
    let daemon = Daemon::start(&home);
    let first = add(&home, &media().short);
    wait_for("the first job", Duration::from_secs(120), || {
        job(&home, first).status == JobStatus::Completed
    });
    let second = add(&home, &copy);
    wait_for("the copy", Duration::from_secs(60), || {
        job(&home, second).status == JobStatus::Completed
    });
    let linked = job(&home, second);
    assert_eq!(linked.duplicate_of, Some(first));
    assert_eq!(linked.transcript_id, job(&home, first).transcript_id);
    assert_eq!(transcript_count(&home), 1);
    drop(daemon);
}

#[test]
fn two_runners_on_one_database_complete_each_job_exactly_once() {
    let _turn = whisper_turn();
    let (dir, home) = home();
    // Distinct content per file, so nothing is deduplicated.
    let mut ids = Vec::new();
    for i in 0..4 {
        let file = dir.path().join(format!("clip-{i}.wav"));
        speak(&format!("Item number {i}. {SENTENCE}"), &file);
        ids.push(add(&home, &file));
    }
    let a = Daemon::start(&home);
    let b = Daemon::start(&home);
    wait_for("all jobs", Duration::from_secs(240), || {
        ids.iter()
            .all(|id| job(&home, *id).status == JobStatus::Completed)
    });
    for id in &ids {
        assert_eq!(job(&home, *id).attempts, 1, "job {id} was claimed twice");
    }
    assert_eq!(transcript_count(&home), 4);
    let (log_a, log_b) = (a.terminate(), b.terminate());
    for log in [&log_a, &log_b] {
        assert!(!log.contains("locked") && !log.contains("ERROR"), "{log}");
    }
    assert!(log_a.contains("job completed") || log_b.contains("job completed"));
}

/// The cores leased to each job (its threads, with `threads = auto`), from the
/// `job started` lines of a run's log.
fn threads_per_job(log: &str) -> std::collections::HashMap<i64, usize> {
    log.lines()
        .filter(|line| line.contains("job started"))
        .filter_map(|line| {
            let after = |key: &str| -> Option<&str> {
                let rest = &line[line.find(key)? + key.len()..];
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                Some(&rest[..end])
            };
            Some((
                after("job{job=")?.parse().ok()?,
                after("cores=")?.parse().ok()?,
            ))
        })
        .collect()
}

/// Two jobs at once (what `concurrency = auto` picks on 2 or more cores; set by hand
/// here, whatever the machine): a batch runs side by side on half the cores each, and a
/// file queued alone gets every core.
#[test]
fn a_batch_runs_side_by_side_on_shared_cores_and_a_lone_file_gets_them_all() {
    let _turn = whisper_turn();
    let (dir, home) = home();
    for (key, value) in [("threads", "auto"), ("concurrency", "2")] {
        let (ok, _, stderr) = run_cli(&home, &["config", "set", key, value]);
        assert!(ok, "{stderr}");
    }
    let cores = hookscribe::asr::default_threads();
    let mut batch = Vec::new();
    for i in 0..3 {
        let file = dir.path().join(format!("batch-{i}.wav"));
        speak(&format!("Batch item {i}. {SENTENCE} {SENTENCE}"), &file);
        batch.push(add(&home, &file));
    }
    let daemon = Daemon::start(&home);
    let store = Store::open(&home.database_path()).unwrap();
    let running = JobFilter {
        status: Some(JobStatus::Running),
        ..Default::default()
    };
    let mut most_at_once = 0;
    wait_for("the batch", Duration::from_secs(240), || {
        most_at_once = most_at_once.max(store.count_jobs(&running).unwrap());
        batch
            .iter()
            .all(|id| job(&home, *id).status == JobStatus::Completed)
    });
    assert_eq!(most_at_once, 2, "two jobs of the batch ran side by side");
    let lone = add(&home, &media().short);
    wait_for("the lone file", Duration::from_secs(120), || {
        job(&home, lone).status == JobStatus::Completed
    });
    let log = daemon.terminate();
    let threads = threads_per_job(&log);
    let half = (cores / 2).max(1);
    assert_eq!(
        (threads.get(&batch[0]), threads.get(&batch[1])),
        (Some(&half), Some(&half)),
        "the first two of the batch share the cores:\n{log}"
    );
    assert_eq!(
        threads.get(&lone),
        Some(&cores),
        "a lone file gets them all:\n{log}"
    );
}

#[test]
fn sigterm_returns_the_running_job_to_the_queue() {
    let _turn = whisper_turn();
    let (_dir, home) = home();
    let daemon = Daemon::start(&home);
    let id = add(&home, &media().long);
    wait_transcribing(&home, id);
    let log = daemon.terminate();
    assert!(log.contains("returned to the queue"), "{log}");
    assert_eq!(job(&home, id).status, JobStatus::Queued);
}

#[test]
fn a_recording_whose_name_is_not_utf8_is_transcribed() {
    use std::os::unix::ffi::OsStrExt;
    let _turn = whisper_turn();
    let (dir, home) = home();
    // Named in Latin-1, as on an old share: "café notes.wav".
    let latin1 = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9 notes.wav"));
    std::fs::copy(&media().short, &latin1).unwrap();
    let output = std::process::Command::new(common::hookscribe_bin())
        .args(["jobs", "add", "--json"])
        .arg(&latin1)
        .env("HOOKSCRIBE_HOME", home.root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let queued: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = queued["queued"][0].as_i64().unwrap();
    assert_eq!(queued["jobs"][0]["file_name"], "caf\u{fffd} notes.wav");
    let daemon = Daemon::start(&home);
    wait_for("the job", Duration::from_secs(120), || {
        job(&home, id).status.is_finished()
    });
    let done = job(&home, id);
    assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
    let store = Store::open(&home.database_path()).unwrap();
    let text = store
        .transcript(done.transcript_id.unwrap())
        .unwrap()
        .transcript
        .text;
    assert!(word_error_rate(SENTENCE, &text) <= 0.15, "{text:?}");
    drop(daemon);
}
