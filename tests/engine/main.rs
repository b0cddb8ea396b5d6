//! The engine's services called directly, as the window and the local API call them (no
//! CLI in between): validation errors carry the right kind and name what is wrong, views
//! never hold a secret, and the event stream tells every subscriber what happened, in
//! order. Real SQLite files, real receivers on 127.0.0.1, real whisper where a job runs.

#[path = "../common/mod.rs"]
mod common;

mod deliveries;
mod endpoints;
mod events;
mod folders;
mod jobs;
mod settings;

use std::time::{Duration, Instant};

use common::temp_home;
use hookscribe::engine::{
    BackgroundConfig, Engine, EngineError, EngineEvent, ErrorKind, ImportRequest, Subject,
};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::broadcast::Receiver as Events;

/// An engine over a fresh data folder (dropped with the guard).
fn engine() -> (tempfile::TempDir, Engine) {
    let (dir, home) = temp_home();
    (dir, Engine::open(home).expect("open the engine"))
}

/// An engine with the test model installed as the default and 2 threads.
fn engine_with_model() -> (tempfile::TempDir, Engine) {
    let (dir, engine) = engine();
    engine
        .models()
        .import(&ImportRequest {
            path: common::ct2_tiny_en(),
            name: Some("tiny.en".into()),
            quantize: false,
        })
        .expect("import tiny.en");
    engine.settings().set("threads", "2").unwrap();
    (dir, engine)
}

/// Starts the queue, watcher and dispatcher with the test build's `hookscribe` as worker.
fn start(engine: &Engine) {
    let mut config = BackgroundConfig::new(common::hookscribe_bin());
    config.queue_poll = Duration::from_millis(100);
    engine.start(config).expect("start the engine");
}

/// Asserts the error's kind and subject, and returns its message.
#[track_caller]
fn expect_error(
    result: Result<impl std::fmt::Debug, EngineError>,
    kind: ErrorKind,
    subject: Option<Subject>,
) -> String {
    let error = result.expect_err("the call should fail");
    assert_eq!(error.kind, kind, "{error:?}");
    if subject.is_some() {
        assert_eq!(error.subject, subject, "{error:?}");
    }
    error.message
}

/// The next event `matching`, waiting at most `timeout`; the events skipped on the way
/// are returned too.
fn next_event(
    events: &mut Events<EngineEvent>,
    timeout: Duration,
    mut matching: impl FnMut(&EngineEvent) -> bool,
) -> (EngineEvent, Vec<EngineEvent>) {
    let deadline = Instant::now() + timeout;
    let mut skipped = Vec::new();
    loop {
        match events.try_recv() {
            Ok(event) if matching(&event) => return (event, skipped),
            Ok(event) => skipped.push(event),
            Err(TryRecvError::Empty) => {
                assert!(
                    Instant::now() < deadline,
                    "no matching event within {timeout:?}; saw {skipped:?}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => panic!("event stream: {error}"),
        }
    }
}
