//! The event stream: one real transcription seen by two subscribers, each getting every
//! event of the job in the order it happened.

use super::*;
use hookscribe::engine::{AddJobs, JobStatus};

/// A job's events as one subscriber saw them, up to its completion.
fn job_events(events: &mut Events<EngineEvent>, job: i64) -> Vec<EngineEvent> {
    let (done, before) = next_event(
        events,
        Duration::from_secs(120),
        |e| matches!(e, EngineEvent::JobCompleted { job: id, .. } | EngineEvent::JobFailed { job: id, .. } if *id == job),
    );
    let mut mine: Vec<EngineEvent> = before
        .into_iter()
        .filter(|e| match e {
            EngineEvent::JobQueued { job: view } => view.id == job,
            EngineEvent::JobStarted { job: id, .. } | EngineEvent::JobProgress { job: id, .. } => {
                *id == job
            }
            _ => false,
        })
        .collect();
    mine.push(done);
    mine
}

#[test]
fn two_subscribers_get_a_jobs_events_in_order() {
    let _turn = common::whisper_turn();
    let (dir, engine) = engine_with_model();
    let speech = dir.path().join("memo.wav");
    common::speak(
        "Please send the meeting notes to the team by Friday afternoon.",
        &speech,
    );
    let mut first = engine.subscribe();
    let mut second = engine.subscribe();
    start(&engine);
    let job = engine
        .jobs()
        .add(&AddJobs {
            paths: vec![speech],
            ..AddJobs::default()
        })
        .unwrap()
        .remove(0);
    let seen_first = job_events(&mut first, job.id);
    let seen_second = job_events(&mut second, job.id);
    let summary = |events: &[EngineEvent]| serde_json::to_string(events).unwrap();
    assert_eq!(
        summary(&seen_first),
        summary(&seen_second),
        "both saw the same, in the same order"
    );

    assert!(
        matches!(seen_first[0], EngineEvent::JobQueued { .. }),
        "{seen_first:?}"
    );
    assert!(
        matches!(seen_first[1], EngineEvent::JobStarted { .. }),
        "{seen_first:?}"
    );
    assert!(
        matches!(seen_first.last(), Some(EngineEvent::JobCompleted { .. })),
        "{seen_first:?}"
    );
    let progress: Vec<(hookscribe::engine::Stage, u8, Option<f64>)> = seen_first
        .iter()
        .filter_map(|e| match e {
            EngineEvent::JobProgress {
                stage,
                percent,
                eta_seconds,
                ..
            } => Some((*stage, *percent, *eta_seconds)),
            _ => None,
        })
        .collect();
    let transcribing: Vec<u8> = progress
        .iter()
        .filter(|(stage, ..)| *stage == hookscribe::engine::Stage::Transcribing)
        .map(|(_, p, _)| *p)
        .collect();
    assert!(
        transcribing.windows(2).all(|w| w[0] <= w[1]),
        "never backwards: {transcribing:?}"
    );
    assert_eq!(transcribing.last(), Some(&100));
    assert!(
        progress
            .iter()
            .any(|(_, p, eta)| *p >= 50 && *p < 100 && eta.is_some()),
        "an ETA once half done: {progress:?}"
    );
    let done = engine.jobs().get(job.id).unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    let text = engine.jobs().transcript(job.id).unwrap().text;
    assert!(
        hookscribe::text::word_error_rate(
            "Please send the meeting notes to the team by Friday afternoon.",
            &text
        ) <= 0.15,
        "{text}"
    );
    engine.shutdown();
}
