//! The transcription worker subprocess: jobs run in `hookscribe worker`, the model stays
//! loaded between jobs, and a worker that dies fails only the job it was running.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{ct2_tiny_en, hookscribe_bin, speak, temp_home, whisper_turn};
use hookscribe::cancel::CancelFlag;
use hookscribe::jobs::{JobRequest, Worker, WorkerError};
use hookscribe::models::Models;
use hookscribe::text::word_error_rate;

const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";

struct Fixtures {
    _dir: tempfile::TempDir,
    model: PathBuf,
    speech: PathBuf,
    long_speech: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let (dir, home) = temp_home();
        let models = Models::open(&home);
        models
            .import(&ct2_tiny_en(), Some("tiny.en"), None)
            .unwrap();
        let speech = dir.path().join("speech.wav");
        speak(SENTENCE, &speech);
        let long_speech = dir.path().join("long.wav");
        speak(&format!("{SENTENCE} ").repeat(12), &long_speech);
        Fixtures {
            model: models.path_of("tiny.en"),
            _dir: dir,
            speech,
            long_speech,
        }
    })
}

/// Transcribes the short speech fixture as job `id`, which must succeed.
fn speech(worker: &mut Worker, id: i64) -> hookscribe::asr::Transcript {
    worker
        .transcribe(
            &request(id, &fixtures().speech),
            |_, _| {},
            &CancelFlag::new(),
        )
        .unwrap()
}

fn request(id: i64, path: &std::path::Path) -> JobRequest {
    JobRequest {
        id,
        path: path.display().to_string(),
        model: fixtures().model.clone(),
        vad_model: None,
        options: hookscribe::asr::TranscribeOptions {
            language: Some("en".into()),
            threads: Some(2),
            ..Default::default()
        },
    }
}

#[test]
fn jobs_run_in_one_worker_that_keeps_the_model_loaded() {
    let _turn = whisper_turn();
    let mut worker = Worker::new(hookscribe_bin());
    let mut percents = Vec::new();
    let first = worker
        .transcribe(
            &request(1, &fixtures().speech),
            |_, p| percents.push(p),
            &CancelFlag::new(),
        )
        .unwrap();
    assert!(
        word_error_rate(SENTENCE, &first.text) <= 0.15,
        "{:?}",
        first.text
    );
    assert_eq!(percents.last(), Some(&100));
    let pid = worker.pid().expect("worker running");
    let second = speech(&mut worker, 2);
    assert_eq!(second.text, first.text);
    assert_eq!(worker.pid(), Some(pid), "the same worker served both jobs");
}

#[test]
fn a_bad_file_fails_its_job_and_the_worker_carries_on() {
    let _turn = whisper_turn();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-audio.mp3");
    std::fs::write(&bad, "hello").unwrap();
    let mut worker = Worker::new(hookscribe_bin());
    let err = worker
        .transcribe(&request(1, &bad), |_, _| {}, &CancelFlag::new())
        .unwrap_err();
    assert!(matches!(err, WorkerError::Job(_)), "{err:?}");
    assert!(err.to_string().contains("not-audio.mp3"), "{err}");
    let pid = worker.pid();
    speech(&mut worker, 2);
    assert_eq!(worker.pid(), pid);
}

#[test]
fn a_killed_worker_fails_only_its_job_with_the_reason() {
    let _turn = whisper_turn();
    let mut worker = Worker::new(hookscribe_bin());
    // Start it (and load the model) with a first job.
    speech(&mut worker, 1);
    let pid = worker.pid().unwrap();
    let mut killed = false;
    let err = worker
        .transcribe(
            &request(2, &fixtures().long_speech),
            |_, percent| {
                if percent >= 5 && !killed {
                    killed = true;
                    let status = std::process::Command::new("kill")
                        .args(["-9", &pid.to_string()])
                        .status()
                        .unwrap();
                    assert!(status.success());
                }
            },
            &CancelFlag::new(),
        )
        .unwrap_err();
    assert!(killed, "the job must have been running when killed");
    let message = err.to_string();
    assert!(
        message.contains("crashed") && message.contains("signal 9"),
        "{message}"
    );

    // The next job gets a fresh worker and succeeds.
    let text = speech(&mut worker, 3).text;
    assert!(word_error_rate(SENTENCE, &text) <= 0.15, "{text:?}");
    assert_ne!(worker.pid(), Some(pid));
}

#[test]
fn a_worker_that_goes_silent_is_killed_and_its_job_fails_as_hung() {
    let dir = tempfile::tempdir().unwrap();
    // A worker that says it is ready, takes the job, and then never says anything again
    // (a deadlock, a stuck network read), printing a stray line on the way.
    let program = dir.path().join("hanging-worker");
    std::fs::write(
        &program,
        "#!/bin/sh\necho '{\"type\":\"ready\",\"version\":\"test\"}'\nread line\necho 'not an event'\nexec sleep 600\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut worker = Worker::new(program);
    worker.set_silence_limit(Duration::from_secs(1));
    let started = Instant::now();
    let error = worker
        .transcribe(
            &request(1, &fixtures().speech),
            |_, _| {},
            &CancelFlag::new(),
        )
        .unwrap_err();
    assert!(matches!(error, WorkerError::Hung(_)), "{error}");
    let message = error.to_string();
    assert!(message.contains("queue.worker_timeout"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped after {:?}",
        started.elapsed()
    );
    assert_eq!(
        worker.pid(),
        None,
        "the hung worker is gone; the next job starts another"
    );
}

#[test]
fn cancel_stops_a_job_within_a_second() {
    let _turn = whisper_turn();
    let mut worker = Worker::new(hookscribe_bin());
    let cancel = CancelFlag::new();
    let trigger = cancel.clone();
    let mut cancelled_at = None;
    let err = worker
        .transcribe(
            &request(1, &fixtures().long_speech),
            |_, percent| {
                if percent >= 5 && cancelled_at.is_none() {
                    cancelled_at = Some(Instant::now());
                    trigger.cancel();
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    let took = cancelled_at.unwrap().elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
    // The worker (or its replacement) takes the next job.
    speech(&mut worker, 2);
}

#[test]
fn a_worker_whose_queue_dies_stops_its_job_and_exits() {
    let _turn = whisper_turn();
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(hookscribe_bin())
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("\"ready\""));
    let request = serde_json::json!({
        "type": "transcribe", "id": 1,
        "path": fixtures().long_speech, "model": fixtures().model, "threads": 2
    });
    writeln!(stdin, "{request}").unwrap();
    // Wait until it is transcribing, then close its stdin as a dying queue would.
    loop {
        let line = lines.next().unwrap().unwrap();
        if line.contains("\"transcribing\"") {
            break;
        }
    }
    let closed_at = Instant::now();
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        closed_at.elapsed() < Duration::from_secs(3),
        "took {:?}",
        closed_at.elapsed()
    );
}
