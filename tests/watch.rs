//! Watched folders with real files, real notify events and a real `hookscribe run`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::daemon::{job, wait_for, Daemon};
use common::{ct2_tiny_en, run_cli, speak, temp_home, whisper_turn};
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::text::word_error_rate;
use hookscribe_store::jobs::{JobFilter, JobRecord as Job, JobStatus};
use hookscribe_store::Store;

const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";

fn speech() -> &'static Path {
    static SPEECH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SPEECH
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("speech.wav");
            speak(SENTENCE, &path);
            (dir, path)
        })
        .1
}

/// A home with tiny.en, and a watched folder `inbox` added with `extra` options.
fn setup(extra: &[&str]) -> (tempfile::TempDir, Home, PathBuf) {
    let (dir, home) = temp_home();
    Models::open(&home)
        .import(&ct2_tiny_en(), Some("tiny.en"), None)
        .unwrap();
    assert!(run_cli(&home, &["config", "set", "threads", "2"]).0);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let mut args = vec![
        "folders",
        "add",
        inbox.to_str().unwrap(),
        "--stable-ms",
        "1000",
    ];
    args.extend_from_slice(extra);
    let (ok, _, stderr) = run_cli(&home, &args);
    assert!(ok, "{stderr}");
    (dir, home, inbox)
}

fn all_jobs(home: &Home) -> Vec<Job> {
    Store::open(&home.database_path())
        .unwrap()
        .jobs(&JobFilter {
            limit: 10_000,
            ..JobFilter::default()
        })
        .unwrap()
}

fn transcript_rows(home: &Home) -> i64 {
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    conn.query_row("SELECT count(*) FROM transcripts", [], |r| r.get(0))
        .unwrap()
}

fn wait_jobs(home: &Home, count: usize, timeout: Duration) -> Vec<Job> {
    wait_for(&format!("{count} finished jobs"), timeout, || {
        let jobs = all_jobs(home);
        jobs.len() >= count
            && jobs
                .iter()
                .all(|j| matches!(j.status, JobStatus::Completed | JobStatus::Failed))
    });
    all_jobs(home)
}

/// The first finished status of the only job, read as often as SQLite answers, so that a
/// moment between the job turning `completed` and its files appearing is caught.
fn first_finished_status(home: &Home, timeout: Duration) -> String {
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    let started = Instant::now();
    loop {
        let status: Option<String> = conn
            .query_row("SELECT status FROM jobs LIMIT 1", [], |r| r.get(0))
            .ok();
        match status.as_deref() {
            Some(s @ ("completed" | "failed" | "cancelled")) => return s.to_string(),
            _ if started.elapsed() > timeout => panic!("no job finished in {timeout:?}"),
            _ => std::thread::yield_now(),
        }
    }
}

#[test]
fn a_file_written_slowly_is_transcribed_once_after_it_is_complete() {
    let _turn = whisper_turn();
    let (_dir, home, inbox) = setup(&[]);
    let daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_millis(500));
    let bytes = std::fs::read(speech()).unwrap();
    let target = inbox.join("dictation.wav");
    let mut file = std::fs::File::create(&target).unwrap();
    for chunk in bytes.chunks(bytes.len() / 6 + 1) {
        file.write_all(chunk).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(file);
    let finished_writing = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let jobs = wait_jobs(&home, 1, Duration::from_secs(90));
    std::thread::sleep(Duration::from_secs(2)); // would a late event queue it again?
    let jobs_after = all_jobs(&home);
    assert_eq!(jobs_after.len(), 1, "{jobs_after:?}");
    let j = &jobs[0];
    assert_eq!(j.status, JobStatus::Completed, "{:?}", j.error);
    assert!(
        j.created_at >= finished_writing - 100,
        "queued before the file was complete"
    );
    let store = Store::open(&home.database_path()).unwrap();
    let text = store
        .transcript(j.transcript_id.unwrap())
        .unwrap()
        .transcript
        .text;
    assert!(word_error_rate(SENTENCE, &text) <= 0.15, "{text:?}");
    drop(daemon);
}

/// A short silent WAV whose length (and so content) differs per `n`.
fn silent_wav(path: &Path, n: usize) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for _ in 0..(8_000 + n * 160) {
        writer.write_sample(0i16).unwrap();
    }
    writer.finalize().unwrap();
}

#[test]
fn fifty_files_copied_at_once_are_each_transcribed_exactly_once() {
    let _turn = whisper_turn();
    let (dir, home, inbox) = setup(&[]);
    let staging = dir.path().join("staging");
    std::fs::create_dir(&staging).unwrap();
    for n in 0..50 {
        silent_wav(&staging.join(format!("clip-{n:02}.wav")), n);
    }
    let daemon = Daemon::start(&home);
    for n in 0..50 {
        let name = format!("clip-{n:02}.wav");
        std::fs::copy(staging.join(&name), inbox.join(&name)).unwrap();
    }
    let jobs = wait_jobs(&home, 50, Duration::from_secs(180));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(all_jobs(&home).len(), 50);
    for j in &jobs {
        assert_eq!(j.status, JobStatus::Completed, "{j:?}");
        assert_eq!(j.attempts, 1, "{j:?}");
        assert_eq!(j.duplicate_of, None);
    }
    assert_eq!(transcript_rows(&home), 50);
    let log = daemon.terminate();
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn temporary_names_are_ignored_renames_are_picked_up_and_duplicates_linked() {
    let _turn = whisper_turn();
    let (_dir, home, inbox) = setup(&["--formats", "txt,srt", "--move-to", "done"]);
    let daemon = Daemon::start(&home);
    // A browser-style download: written under a temporary name, then renamed.
    let partial = inbox.join("call.wav.crdownload");
    std::fs::copy(speech(), &partial).unwrap();
    std::fs::copy(speech(), inbox.join(".hidden.wav")).unwrap();
    std::fs::copy(speech(), inbox.join("~$lock.wav")).unwrap();
    std::fs::write(inbox.join("notes.txt"), "not audio").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        all_jobs(&home).is_empty(),
        "temporary and hidden files must be ignored"
    );
    std::fs::rename(&partial, inbox.join("call.wav")).unwrap();
    let jobs = wait_jobs(&home, 1, Duration::from_secs(90));
    let first = &jobs[0];
    assert_eq!(first.status, JobStatus::Completed, "{:?}", first.error);

    // Sidecars land next to the recording, which moves to done/; neither triggers a job.
    wait_for("the source to move", Duration::from_secs(10), || {
        inbox.join("done/call.wav").exists()
    });
    assert!(inbox.join("call.txt").is_file() && inbox.join("call.srt").is_file());
    let txt = std::fs::read_to_string(inbox.join("call.txt")).unwrap();
    assert!(word_error_rate(SENTENCE, &txt) <= 0.15, "{txt:?}");

    // The same recording again under another name: linked, not transcribed again.
    std::fs::copy(speech(), inbox.join("call-copy.wav")).unwrap();
    let jobs = wait_jobs(&home, 2, Duration::from_secs(60));
    let copy = jobs
        .iter()
        .find(|j| j.source_path.ends_with("call-copy.wav"))
        .unwrap();
    assert_eq!(copy.duplicate_of, Some(first.id));
    assert!(
        inbox.join("call-copy.txt").is_file(),
        "the copy gets its sidecar too"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        all_jobs(&home).len(),
        2,
        "outputs and moved files never trigger jobs"
    );
    assert_eq!(transcript_rows(&home), 1);

    // Deleting the job removes the files it wrote.
    drop(daemon);
    let (ok, stdout, stderr) = run_cli(&home, &["jobs", "delete", &copy.id.to_string()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("call-copy.txt"), "{stdout}");
    assert!(!inbox.join("call-copy.txt").exists());
}

#[test]
fn sidecars_never_trigger_jobs_even_when_the_folder_takes_every_file() {
    let _turn = whisper_turn();
    let (_dir, home, inbox) = setup(&["--include", "*", "--formats", "txt,json"]);
    let daemon = Daemon::start(&home);
    std::fs::copy(speech(), inbox.join("memo.wav")).unwrap();
    // Whoever sees the job completed (the window, the API, a script polling the database)
    // finds its transcript files already there.
    let status = first_finished_status(&home, Duration::from_secs(90));
    let sidecars = (
        inbox.join("memo.txt").is_file(),
        inbox.join("memo.json").is_file(),
    );
    assert_eq!(status, "completed");
    assert_eq!(sidecars, (true, true), "completed before its files existed");
    std::thread::sleep(Duration::from_secs(3));
    let jobs = all_jobs(&home);
    assert_eq!(jobs.len(), 1, "sidecars became jobs: {jobs:?}");
    drop(daemon);
}

#[test]
fn a_folder_deleted_and_recreated_is_watched_again() {
    let _turn = whisper_turn();
    let (_dir, home, inbox) = setup(&[]);
    let mut daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_secs(1));
    std::fs::remove_dir_all(&inbox).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        daemon.is_running(),
        "a vanished folder must not stop Hookscribe"
    );
    let (ok, stdout, _) = run_cli(&home, &["folders", "list"]);
    assert!(ok && stdout.contains("unavailable"), "{stdout}");
    std::fs::create_dir(&inbox).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    std::fs::copy(speech(), inbox.join("after.wav")).unwrap();
    let jobs = wait_jobs(&home, 1, Duration::from_secs(90));
    assert_eq!(jobs[0].status, JobStatus::Completed);
    let log = daemon.terminate();
    assert!(log.contains("unavailable"), "{log}");
}

#[test]
fn files_added_while_stopped_are_found_at_start_and_a_corrupt_one_fails_alone() {
    let _turn = whisper_turn();
    let (_dir, home, inbox) = setup(&["--poll"]);
    std::fs::write(inbox.join("broken.mp3"), "ID3 this is not really an mp3").unwrap();
    std::fs::copy(speech(), inbox.join("arrived-while-down.wav")).unwrap();
    let started = Instant::now();
    let daemon = Daemon::start(&home);
    let jobs = wait_jobs(&home, 2, Duration::from_secs(90));
    let broken = jobs
        .iter()
        .find(|j| j.source_path.ends_with("broken.mp3"))
        .unwrap();
    let good = jobs
        .iter()
        .find(|j| j.source_path.ends_with("arrived-while-down.wav"))
        .unwrap();
    assert_eq!(broken.status, JobStatus::Failed);
    assert!(
        broken
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("broken.mp3"),
        "{:?}",
        broken.error
    );
    assert_eq!(good.status, JobStatus::Completed, "{:?}", good.error);
    assert!(started.elapsed() < Duration::from_secs(90));
    let _ = job(&home, good.id);
    drop(daemon);
}

#[test]
fn a_large_polled_folder_of_known_files_is_not_rescanned_at_full_cost() {
    let (_dir, home, inbox) = setup(&["--poll"]);
    // 3,000 recordings already transcribed (as `seen` rows say), as on a big share.
    let mtime = |path: &Path| {
        std::fs::metadata(path)
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    for n in 0..3000 {
        let path = inbox.join(format!("call-{n:04}.wav"));
        std::fs::write(&path, b"RIFF").unwrap();
        conn.execute(
            "INSERT INTO seen_files (folder_id, path, size, mtime_ms) VALUES (1, ?1, 4, ?2)",
            rusqlite::params![path.display().to_string(), mtime(&path)],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);

    let daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_secs(3));
    let (cpu_before, started) = (daemon.cpu_time(), Instant::now());
    std::thread::sleep(Duration::from_secs(16));
    let (cpu, wall) = (daemon.cpu_time() - cpu_before, started.elapsed());
    let share = cpu.as_secs_f64() / wall.as_secs_f64();
    eprintln!(
        "hookscribe run over a polled folder of 3,000 known files: {:.1}% of a core",
        share * 100.0
    );
    assert!(
        share < 0.03,
        "rescans cost {:.1}% of a core ({cpu:?} over {wall:?})",
        share * 100.0
    );
    assert!(all_jobs(&home).is_empty(), "nothing new was queued");

    // A new file is still found (by the next rescan, within the longest wait).
    std::fs::copy(speech(), inbox.join("new call.wav")).unwrap();
    wait_for("the new file to be queued", Duration::from_secs(75), || {
        !all_jobs(&home).is_empty()
    });
    drop(daemon);
}
