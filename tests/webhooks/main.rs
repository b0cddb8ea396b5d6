//! Webhook delivery with real receivers on 127.0.0.1 and a real `hookscribe run`:
//! signatures checked by the independent `standardwebhooks` crate, retries, final
//! answers, timeouts, redirects, SIGKILL between attempts, and a thousand jobs.

#[path = "../common/mod.rs"]
mod common;

mod crashes;
mod delivery;
mod endpoints;
mod private_ca;
mod volume;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::daemon::{wait_for, Daemon};
use common::receiver::{closed_port_url, Receiver, Reply};
use common::{ct2_tiny_en, run_cli, speak, temp_home, whisper_turn};
use hookscribe::asr::{Segment, Transcript};
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::text::word_error_rate;
use hookscribe_store::delivery::AttemptRecord as Attempt;
use hookscribe_store::jobs::{NewJob, Origin};
use hookscribe_store::messages::{MessageFilter, MessageRecord as Message, MessageStatus};
use hookscribe_store::Store;

/// A data folder whose retries come quickly.
fn setup(schedule: &str) -> (tempfile::TempDir, Home) {
    let (dir, home) = temp_home();
    cli(
        &home,
        &["config", "set", "webhooks.retry_schedule", schedule],
    );
    (dir, home)
}

fn cli(home: &Home, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run_cli(home, args);
    assert!(ok, "hookscribe {args:?} failed: {stderr}");
    stdout
}

/// Adds an endpoint through the CLI; returns its id and signing secret.
fn add_endpoint(home: &Home, url: &str, extra: &[&str]) -> (i64, String) {
    let mut args = vec!["webhooks", "add", url, "--json"];
    args.extend_from_slice(extra);
    let created: serde_json::Value = serde_json::from_str(&cli(home, &args)).unwrap();
    (
        created["endpoint"]["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

/// A job completed with `text`, as the queue would complete it (no whisper needed).
fn completed_job(store: &mut Store, name: &str, text: &str) -> i64 {
    let id = store
        .enqueue(&NewJob {
            route: Default::default(),
            source_path: format!("/recordings/{name}"),
            origin: Origin::Manual,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: Some(serde_json::json!({ "client": "Acme" })),
        })
        .unwrap();
    let claimed = store.claim_next().unwrap().unwrap();
    assert_eq!(claimed.id, id);
    let transcript = Transcript {
        text: text.to_string(),
        segments: vec![Segment::new(0.0, 2.0, text)],
        language: Some("en".into()),
        model: "tiny.en".into(),
        audio_seconds: 2.0,
        processing_seconds: 0.5,
    };
    common::complete_job(store, id, &format!("{id:064x}"), &transcript);
    id
}

fn store(home: &Home) -> Store {
    Store::open(&home.database_path()).unwrap()
}

fn messages(home: &Home) -> Vec<Message> {
    store(home)
        .messages(&MessageFilter {
            limit: 100_000,
            ..MessageFilter::default()
        })
        .unwrap()
}

fn only_message(home: &Home) -> Message {
    let all = messages(home);
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap()
}

fn attempts(home: &Home, message: i64) -> Vec<Attempt> {
    store(home).attempts(message).unwrap()
}

fn wait_status(home: &Home, message: i64, status: MessageStatus, timeout: Duration) -> Message {
    let mut last = None;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let m = store(home).message(message).unwrap();
        if m.status == status {
            return m;
        }
        last = Some(m);
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("message {message} did not become {status:?}: {last:?}");
}

/// Checks a received request with the Standard Webhooks reference implementation.
fn verifies(secret: &str, request: &common::receiver::Received) -> bool {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&request.body, &request.headers)
        .is_ok()
}

fn wait_for_attempt(home: &Home, endpoint: i64) -> Attempt {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for message in messages(home).iter().filter(|m| m.endpoint_id == endpoint) {
            if let Some(attempt) = attempts(home, message.id).into_iter().next() {
                return attempt;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no attempt logged for endpoint {endpoint}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
