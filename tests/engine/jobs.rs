//! The jobs service: queueing with every option checked first, lists, transcripts,
//! cancel, retry and delete.

use std::path::PathBuf;

use super::*;
use hookscribe::engine::{AddJobs, JobQuery, JobStatus, TranscribeOptions};

fn add(
    engine: &Engine,
    paths: Vec<PathBuf>,
    options: TranscribeOptions,
) -> Result<Vec<hookscribe::engine::JobView>, EngineError> {
    engine.jobs().add(&AddJobs {
        paths,
        options,
        ..AddJobs::default()
    })
}

#[test]
fn bad_requests_are_refused_with_their_kind_and_nothing_is_queued() {
    let (dir, engine) = engine_with_model();
    let good = dir.path().join("a.wav");
    std::fs::write(&good, b"RIFF").unwrap();
    let missing = dir.path().join("missing.wav");

    let message = expect_error(
        add(&engine, vec![], TranscribeOptions::default()),
        ErrorKind::InvalidInput,
        Some(Subject::Field("paths".into())),
    );
    assert!(message.contains("no recordings"), "{message}");
    let message = expect_error(
        add(
            &engine,
            vec![good.clone(), missing.clone()],
            TranscribeOptions::default(),
        ),
        ErrorKind::NotFound,
        Some(Subject::Path(missing.display().to_string())),
    );
    assert!(message.contains("missing.wav"), "{message}");
    let empty_folder = dir.path().join("empty");
    std::fs::create_dir(&empty_folder).unwrap();
    let message = expect_error(
        add(&engine, vec![empty_folder], TranscribeOptions::default()),
        ErrorKind::InvalidInput,
        None,
    );
    assert!(message.contains("holds no recordings"), "{message}");

    let wide = TranscribeOptions {
        beam_size: Some(99),
        ..TranscribeOptions::default()
    };
    let message = expect_error(
        add(&engine, vec![good.clone()], wide),
        ErrorKind::InvalidInput,
        Some(Subject::Field("options".into())),
    );
    assert!(message.contains("1 (greedy) to 16"), "{message}");
    let unknown = TranscribeOptions {
        model: Some("huge-v9".into()),
        ..TranscribeOptions::default()
    };
    expect_error(
        add(&engine, vec![good.clone()], unknown),
        ErrorKind::NotFound,
        Some(Subject::Model("huge-v9".into())),
    );
    let not_installed = TranscribeOptions {
        model: Some("base".into()),
        ..TranscribeOptions::default()
    };
    let message = expect_error(
        add(&engine, vec![good.clone()], not_installed),
        ErrorKind::NotFound,
        Some(Subject::Model("base".into())),
    );
    assert_eq!(
        message, "model 'base' is not installed",
        "no CLI hint in the engine's words"
    );
    let klingon = TranscribeOptions {
        language: Some("tlh".into()),
        ..TranscribeOptions::default()
    };
    expect_error(
        add(&engine, vec![good.clone()], klingon),
        ErrorKind::InvalidInput,
        Some(Subject::Setting("language".into())),
    );
    let metadata = engine.jobs().add(&AddJobs {
        paths: vec![good],
        metadata: Some(serde_json::json!(["not", "an", "object"])),
        ..AddJobs::default()
    });
    expect_error(
        metadata,
        ErrorKind::InvalidInput,
        Some(Subject::Field("metadata".into())),
    );

    assert_eq!(
        engine.jobs().list(&JobQuery::default()).unwrap().total,
        0,
        "nothing was queued"
    );
}

#[test]
fn a_folder_queues_its_recordings_with_every_option_and_lists_page() {
    let (dir, engine) = engine_with_model();
    let folder = dir.path().join("calls");
    std::fs::create_dir_all(folder.join("old")).unwrap();
    for name in ["b.mp3", "a.wav", "notes.txt", "old/c.m4a"] {
        std::fs::write(folder.join(name), b"x").unwrap();
    }
    let mut events = engine.subscribe();
    let options = TranscribeOptions {
        beam_size: Some(1),
        threads: Some(1),
        word_timestamps: true,
        prompt: Some("Acme, Hookscribe".into()),
        ..TranscribeOptions::default()
    };
    let queued = engine
        .jobs()
        .add(&AddJobs {
            paths: vec![folder.clone()],
            options: options.clone(),
            metadata: Some(serde_json::json!({"team": "sales"})),
            recursive: false,
            webhook: None,
        })
        .unwrap();
    let names: Vec<&str> = queued.iter().map(|j| j.file_name.as_str()).collect();
    assert_eq!(
        names,
        ["a.wav", "b.mp3"],
        "recordings only, sorted, no subfolders"
    );
    assert!(queued
        .iter()
        .all(|j| j.options == options && j.status == JobStatus::Queued));
    assert_eq!(queued[0].metadata.as_ref().unwrap()["team"], "sales");
    for job in &queued {
        let (event, _) = next_event(&mut events, Duration::from_secs(1), |_| true);
        assert!(
            matches!(event, EngineEvent::JobQueued { job: ref view } if view.id == job.id),
            "{event:?}"
        );
    }

    let deeper = add(&engine, vec![folder.clone()], TranscribeOptions::default());
    assert_eq!(deeper.unwrap().len(), 2);
    let all = engine
        .jobs()
        .add(&AddJobs {
            paths: vec![folder],
            recursive: true,
            ..AddJobs::default()
        })
        .unwrap();
    assert_eq!(all.len(), 3, "with subfolders");

    let page = engine
        .jobs()
        .list(&JobQuery {
            limit: Some(3),
            offset: Some(0),
            ..JobQuery::default()
        })
        .unwrap();
    assert_eq!((page.items.len(), page.total), (3, 7));
    assert_eq!(page.items[0].id, all[2].id, "newest first");
    let rest = engine
        .jobs()
        .list(&JobQuery {
            limit: Some(3),
            offset: Some(6),
            ..JobQuery::default()
        })
        .unwrap();
    assert_eq!(rest.items.len(), 1);
}

#[test]
fn transitions_a_job_does_not_allow_are_conflicts() {
    let (dir, engine) = engine_with_model();
    let file = dir.path().join("a.wav");
    std::fs::write(&file, b"RIFF").unwrap();
    let job = add(&engine, vec![file], TranscribeOptions::default())
        .unwrap()
        .remove(0);
    expect_error(
        engine.jobs().retry(job.id),
        ErrorKind::Conflict,
        Some(Subject::Job(job.id)),
    );
    expect_error(
        engine.jobs().transcript(job.id),
        ErrorKind::Conflict,
        Some(Subject::Job(job.id)),
    );
    expect_error(
        engine.jobs().resend(job.id),
        ErrorKind::Conflict,
        Some(Subject::Job(job.id)),
    );
    let cancelled = engine.jobs().cancel(job.id).unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    expect_error(
        engine.jobs().cancel(job.id),
        ErrorKind::Conflict,
        Some(Subject::Job(job.id)),
    );
    assert_eq!(
        engine.jobs().retry(job.id).unwrap().status,
        JobStatus::Queued
    );
    expect_error(
        engine.jobs().show(999),
        ErrorKind::NotFound,
        Some(Subject::Job(999)),
    );
    let deleted = engine.jobs().delete(job.id).unwrap();
    assert_eq!(deleted.job.id, job.id);
    expect_error(
        engine.jobs().get(job.id),
        ErrorKind::NotFound,
        Some(Subject::Job(job.id)),
    );
}

#[test]
fn a_missing_file_is_named_before_any_option() {
    // No model is installed either: the file the user typed is what is wrong first.
    let (dir, engine) = engine();
    let missing = dir.path().join("typo.wav");
    let message = expect_error(
        add(&engine, vec![missing.clone()], TranscribeOptions::default()),
        ErrorKind::NotFound,
        Some(Subject::Path(missing.display().to_string())),
    );
    assert!(message.contains("typo.wav"), "{message}");
}

#[test]
fn a_file_whose_name_is_not_utf8_is_queued_byte_for_byte() {
    use std::os::unix::ffi::OsStrExt;
    let (dir, engine) = engine_with_model();
    let latin1 = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9 meeting.wav"));
    std::fs::write(&latin1, b"RIFF").unwrap();
    let queued = add(&engine, vec![latin1.clone()], TranscribeOptions::default()).unwrap();
    let job = &queued[0];
    assert_eq!(job.file_name, "caf\u{fffd} meeting.wav", "shown readably");
    assert_eq!(
        engine.jobs().recording(job.id).unwrap(),
        latin1.canonicalize().unwrap(),
        "and found again exactly"
    );
}
