//! Webhook delivery with real receivers on 127.0.0.1 and a real `hookscribe run`:
//! signatures checked by the independent `standardwebhooks` crate, retries, final
//! answers, timeouts, redirects, SIGKILL between attempts, and a thousand jobs.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::daemon::{wait_for, Daemon};
use common::receiver::{closed_port_url, Receiver, Reply};
use common::{ct2_tiny_en, run_cli, speak, temp_home, whisper_turn};
use hookscribe::asr::{Segment, Transcript};
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::store::jobs::{JobOptions, NewJob, Origin};
use hookscribe::store::webhooks::{Attempt, DeliveryStatus, Message, MessageFilter};
use hookscribe::store::Store;
use hookscribe::text::word_error_rate;
use hookscribe::webhooks::policy::ErrorKind;

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
        created["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

/// A job completed with `text`, as the queue would complete it (no whisper needed).
fn completed_job(store: &mut Store, name: &str, text: &str) -> i64 {
    let id = store
        .enqueue(&NewJob {
            source_path: format!("/recordings/{name}"),
            origin: Origin::Manual,
            folder_id: None,
            options: JobOptions::default(),
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
    store
        .complete(id, &format!("{id:064x}"), &transcript)
        .unwrap()
        .unwrap();
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

fn wait_status(home: &Home, message: i64, status: DeliveryStatus, timeout: Duration) -> Message {
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

#[test]
fn a_completed_job_is_delivered_once_signed_with_the_standard_headers() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    let (_, secret) = add_endpoint(&home, &receiver.url, &[]);
    let job = completed_job(
        &mut store(&home),
        "Team call.m4a",
        "Hello from the team call.",
    );
    let message = only_message(&home);
    assert_eq!(
        message.status,
        DeliveryStatus::Pending,
        "the outbox row exists before any send"
    );

    let daemon = Daemon::start(&home);
    let received = receiver.wait_for(1, Duration::from_secs(20));
    wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(5),
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(receiver.count(), 1, "a delivered message is not sent again");
    drop(daemon);

    let request = &received[0];
    assert!(verifies(&secret, request), "the signature verifies");
    assert_eq!(request.header("webhook-id"), message.webhook_id);
    assert_eq!(request.header("content-type"), "application/json");
    assert!(request.header("user-agent").starts_with("Hookscribe/"));
    let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
    let now = hookscribe::store::jobs::now_ms() / 1000;
    assert!(
        (now - timestamp).abs() < 30,
        "timestamp {timestamp} vs now {now}"
    );
    let body = request.json();
    assert_eq!(body["type"], "transcription.completed");
    assert_eq!(body["data"]["job_id"], job);
    assert_eq!(body["data"]["text"], "Hello from the team call.");
    assert_eq!(body["data"]["source"]["file_name"], "Team call.m4a");
    assert_eq!(body["data"]["metadata"]["client"], "Acme");
    let log = attempts(&home, message.id);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].record.response_status, Some(200));
    let info = cli(&home, &["info"]);
    assert!(
        info.contains("webhooks:       1 endpoint(s); 1 delivered, 0 pending, 0 failed, 0 held"),
        "{info}"
    );
    let shown = cli(&home, &["jobs", "show", &job.to_string()]);
    assert!(
        shown.contains(
            "webhook transcription.completed to endpoint 1: delivered after 1 attempt(s)"
        ),
        "{shown}"
    );
    assert_eq!(
        log[0].record.response_body.as_deref(),
        Some("ok from the test receiver")
    );
}

#[test]
fn server_errors_are_retried_until_delivered_and_every_attempt_is_logged() {
    let (_dir, home) = setup("200ms,200ms,200ms");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Status(500), Reply::Status(503)]);
    let (_, secret) = add_endpoint(&home, &receiver.url, &[]);
    completed_job(&mut store(&home), "a.wav", "retry me");
    let message = only_message(&home);
    let _daemon = Daemon::start(&home);
    let received = receiver.wait_for(3, Duration::from_secs(20));
    let delivered = wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(5),
    );
    assert_eq!(delivered.attempts, 3);
    let ids: HashSet<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "the webhook-id is the same on every retry");
    assert!(
        received.iter().all(|r| verifies(&secret, r)),
        "each attempt is signed"
    );
    let statuses: Vec<Option<u16>> = attempts(&home, message.id)
        .iter()
        .map(|a| a.record.response_status)
        .collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    let gap = received[1].at - received[0].at;
    assert!(
        gap >= Duration::from_millis(150),
        "the schedule was waited: {gap:?}"
    );
}

#[test]
fn a_client_error_is_final_after_one_attempt() {
    let (_dir, home) = setup("200ms,200ms");
    let receiver = Receiver::start(Reply::Status(400));
    add_endpoint(&home, &receiver.url, &[]);
    completed_job(&mut store(&home), "a.wav", "bad request");
    let message = only_message(&home);
    let _daemon = Daemon::start(&home);
    let failed = wait_status(
        &home,
        message.id,
        DeliveryStatus::Failed,
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(receiver.count(), 1);
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.unwrap().contains("400"));
    let log = attempts(&home, message.id);
    assert_eq!(log[0].record.error_kind, Some(ErrorKind::Status));
}

#[test]
fn gone_disables_the_endpoint_and_holds_its_messages_until_enabled() {
    let (_dir, home) = setup("200ms");
    let receiver = Receiver::start(Reply::Status(410));
    let (endpoint, _) = add_endpoint(&home, &receiver.url, &[]);
    completed_job(&mut store(&home), "a.wav", "first");
    let first = only_message(&home);
    let daemon = Daemon::start(&home);
    wait_status(
        &home,
        first.id,
        DeliveryStatus::Failed,
        Duration::from_secs(20),
    );
    let disabled = store(&home).endpoint(endpoint).unwrap().disabled;
    assert!(disabled.unwrap().reason.contains("410"));
    wait_for("the disable to be logged", Duration::from_secs(5), || {
        daemon.log().contains("webhook endpoint disabled")
    });
    daemon.terminate();

    // A job finishing while the endpoint is disabled: its message is held, not sent.
    completed_job(&mut store(&home), "b.wav", "second");
    let second = messages(&home)
        .into_iter()
        .find(|m| m.id != first.id)
        .unwrap();
    assert_eq!(second.status, DeliveryStatus::Held);
    let listed = cli(&home, &["deliveries", "list", "--status", "held", "--json"]);
    assert!(listed.contains(&second.webhook_id), "{listed}");
    let _daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        receiver.count(),
        1,
        "nothing is sent to a disabled endpoint"
    );

    receiver.otherwise(Reply::Status(200));
    let out = cli(&home, &["webhooks", "enable", &endpoint.to_string()]);
    assert!(out.contains("1 held message"), "{out}");
    wait_status(
        &home,
        second.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(20),
    );
    assert_eq!(receiver.received()[1].json()["data"]["text"], "second");
}

#[test]
fn retry_after_is_honoured_and_redirects_are_not_followed() {
    let (_dir, home) = setup("100ms,100ms");
    let limited = Receiver::start(Reply::Status(200));
    limited.then([Reply::WithHeaders(429, vec![("retry-after", "2".into())])]);
    let target = Receiver::start(Reply::Status(200));
    let redirecting = Receiver::start(Reply::WithHeaders(
        302,
        vec![("location", target.url.clone())],
    ));
    add_endpoint(&home, &limited.url, &[]);
    let (redirect_endpoint, _) = add_endpoint(&home, &redirecting.url, &[]);
    completed_job(&mut store(&home), "a.wav", "hello");
    let _daemon = Daemon::start(&home);

    let received = limited.wait_for(2, Duration::from_secs(20));
    let gap = received[1].at - received[0].at;
    assert!(
        gap >= Duration::from_millis(1800) && gap < Duration::from_secs(6),
        "Retry-After: 2 means about 2 s, not the 100 ms schedule: {gap:?}"
    );

    let redirected = messages(&home)
        .into_iter()
        .find(|m| m.endpoint_id == redirect_endpoint)
        .unwrap();
    let failed = wait_status(
        &home,
        redirected.id,
        DeliveryStatus::Failed,
        Duration::from_secs(10),
    );
    assert!(failed
        .last_error
        .unwrap()
        .contains("redirects are not followed"));
    assert_eq!(
        attempts(&home, redirected.id)[0].record.error_kind,
        Some(ErrorKind::Redirect)
    );
    assert_eq!(redirecting.count(), 1);
    assert_eq!(
        target.count(),
        0,
        "the redirect target never got the message"
    );
}

#[test]
fn a_hanging_endpoint_times_out_without_delaying_the_others() {
    let (_dir, home) = setup("30s");
    let hanging = Receiver::start(Reply::Hang);
    let healthy = Receiver::start(Reply::Status(200));
    let (hanging_id, _) = add_endpoint(
        &home,
        &hanging.url,
        &["--timeout", "5s", "--max-concurrency", "1"],
    );
    add_endpoint(&home, &healthy.url, &[]);
    {
        let mut store = store(&home);
        for n in 0..6 {
            completed_job(&mut store, &format!("{n}.wav"), "hello");
        }
    }
    let started = Instant::now();
    let _daemon = Daemon::start(&home);
    healthy.wait_for(6, Duration::from_secs(20));
    let healthy_done = started.elapsed();
    let first_hang = hanging
        .wait_for(1, Duration::from_secs(5))
        .first()
        .unwrap()
        .at;
    assert_eq!(
        hanging.count(),
        1,
        "one request at a time to the hanging endpoint"
    );
    let timed_out = wait_for_attempt(&home, hanging_id);
    assert_eq!(
        timed_out.record.error_kind,
        Some(ErrorKind::Timeout),
        "{timed_out:?}"
    );
    assert!(
        timed_out.record.duration_ms >= 4900 && timed_out.record.duration_ms < 9000,
        "{timed_out:?}"
    );
    assert!(
        healthy_done < (first_hang - started) + Duration::from_millis(4500),
        "all 6 healthy deliveries landed before the hanging one timed out ({healthy_done:?})"
    );
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

#[test]
fn connection_refused_is_retried_then_kept_as_a_dead_letter_that_can_be_replayed() {
    let (_dir, home) = setup("200ms,200ms");
    let url = closed_port_url();
    add_endpoint(&home, &url, &[]);
    completed_job(&mut store(&home), "a.wav", "hello");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    let failed = wait_status(
        &home,
        message.id,
        DeliveryStatus::Failed,
        Duration::from_secs(20),
    );
    assert_eq!(failed.attempts, 3, "the first attempt and two retries");
    assert!(failed
        .last_error
        .as_deref()
        .unwrap()
        .contains("gave up after 3 attempts"));
    let log = attempts(&home, message.id);
    assert!(
        log.iter()
            .all(|a| a.record.error_kind == Some(ErrorKind::Connect)),
        "{log:?}"
    );
    daemon.terminate();

    // The receiver comes up on that port; a replay delivers the same message.
    let port: u16 = url
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/hook")
        .parse()
        .unwrap();
    let receiver = Receiver::start_on(port, Reply::Status(200));
    let out = cli(&home, &["deliveries", "replay", &message.id.to_string()]);
    assert!(out.contains("pending"), "{out}");
    let _daemon = Daemon::start(&home);
    let received = receiver.wait_for(1, Duration::from_secs(20));
    assert_eq!(received[0].header("webhook-id"), message.webhook_id);
    wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(5),
    );
    assert_eq!(
        attempts(&home, message.id).len(),
        4,
        "replays add to the log"
    );
}

#[test]
fn a_sigkill_between_attempts_loses_nothing_and_resends_nothing_acknowledged() {
    let (_dir, home) = setup("3s");
    let flaky = Receiver::start(Reply::Status(200));
    flaky.then([Reply::Status(500)]);
    let steady = Receiver::start(Reply::Status(200));
    add_endpoint(&home, &flaky.url, &[]);
    add_endpoint(&home, &steady.url, &[]);
    {
        let mut store = store(&home);
        for n in 0..5 {
            completed_job(&mut store, &format!("{n}.wav"), "hello");
        }
    }
    let daemon = Daemon::start(&home);
    steady.wait_for(5, Duration::from_secs(20));
    flaky.wait_for(5, Duration::from_secs(20));
    // One flaky message failed once and waits 3 s for its retry: kill now.
    wait_for(
        "the delivered messages to be recorded",
        Duration::from_secs(5),
        || {
            store(&home)
                .message_counts()
                .unwrap()
                .contains(&(DeliveryStatus::Delivered, 9))
        },
    );
    daemon.kill9();

    let _daemon = Daemon::start(&home);
    flaky.wait_for(6, Duration::from_secs(20));
    wait_for("every message delivered", Duration::from_secs(20), || {
        store(&home).message_counts().unwrap() == [(DeliveryStatus::Delivered, 10)]
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(steady.count(), 5, "nothing acknowledged is sent again");
    assert_eq!(flaky.count(), 6, "only the failed one is retried");
    let ids: HashSet<String> = flaky
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_string())
        .collect();
    assert_eq!(ids.len(), 5);
}

#[test]
fn a_thousand_jobs_to_three_endpoints_are_each_delivered() {
    let (_dir, home) = setup("200ms,1s,2s");
    let receivers: Vec<Receiver> = (0..3)
        .map(|_| Receiver::start(Reply::Status(200)))
        .collect();
    let formats = ["full", "compact", "flat"];
    for (receiver, format) in receivers.iter().zip(formats) {
        add_endpoint(&home, &receiver.url, &["--format", format]);
    }
    let mut jobs = HashSet::new();
    {
        let mut store = store(&home);
        for n in 0..1000 {
            jobs.insert(completed_job(
                &mut store,
                &format!("{n}.wav"),
                &format!("recording {n}"),
            ));
        }
    }
    assert_eq!(messages(&home).len(), 3000, "three outbox rows per job");
    let _daemon = Daemon::start(&home);
    for receiver in &receivers {
        receiver.wait_for(1000, Duration::from_secs(180));
    }
    wait_for("3000 deliveries recorded", Duration::from_secs(30), || {
        store(&home).message_counts().unwrap() == [(DeliveryStatus::Delivered, 3000)]
    });
    for (receiver, format) in receivers.iter().zip(formats) {
        let received = receiver.received();
        let job_ids: HashSet<i64> = received
            .iter()
            .map(|r| {
                let body = r.json();
                if format == "flat" {
                    body["job_id"].as_i64().unwrap()
                } else {
                    body["data"]["job_id"].as_i64().unwrap()
                }
            })
            .collect();
        assert_eq!(job_ids, jobs, "{format}: every job once");
        assert_eq!(received.len(), 1000, "{format}: no duplicates");
    }
}

#[test]
fn during_a_secret_rotation_both_secrets_verify_and_afterwards_only_the_new_one() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    let (endpoint, old) = add_endpoint(&home, &receiver.url, &[]);
    let rotated: serde_json::Value = serde_json::from_str(&cli(
        &home,
        &["webhooks", "rotate-secret", &endpoint.to_string(), "--json"],
    ))
    .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "test", &endpoint.to_string()]);
    assert!(ok, "{stderr}");
    let request = &receiver.received()[0];
    assert_eq!(request.header("webhook-signature").split(' ').count(), 2);
    assert!(
        verifies(&old, request),
        "receivers still on the old secret verify"
    );
    assert!(
        verifies(&new, request),
        "receivers on the new secret verify"
    );

    cli(
        &home,
        &[
            "webhooks",
            "rotate-secret",
            &endpoint.to_string(),
            "--grace",
            "0s",
        ],
    );
    let newest = cli(
        &home,
        &[
            "webhooks",
            "show",
            &endpoint.to_string(),
            "--reveal",
            "--json",
        ],
    );
    let newest: serde_json::Value = serde_json::from_str(&newest).unwrap();
    let newest = newest["secret"].as_str().unwrap();
    cli(&home, &["webhooks", "test", &endpoint.to_string()]);
    let request = &receiver.received()[1];
    assert!(verifies(newest, request));
    assert!(
        !verifies(&new, request),
        "after the grace period the old secret is dropped"
    );
    assert!(!verifies(&old, request));
}

#[test]
fn an_endpoint_that_keeps_failing_is_disabled_and_its_held_messages_can_be_skipped() {
    let (_dir, home) = setup(&["50ms"; 12].join(","));
    cli(&home, &["config", "set", "webhooks.disable_after", "0s"]);
    let receiver = Receiver::start(Reply::Status(500));
    let (endpoint, _) = add_endpoint(&home, &receiver.url, &[]);
    completed_job(&mut store(&home), "a.wav", "hello");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    wait_status(
        &home,
        message.id,
        DeliveryStatus::Held,
        Duration::from_secs(20),
    );
    assert_eq!(
        receiver.count(),
        10,
        "disabled after the tenth failure in a row"
    );
    let reason = store(&home)
        .endpoint(endpoint)
        .unwrap()
        .disabled
        .unwrap()
        .reason;
    assert!(reason.contains("10 failed attempts in a row"), "{reason}");
    assert!(
        daemon.log().contains("webhook endpoint disabled"),
        "{}",
        daemon.log()
    );
    let shown = cli(&home, &["webhooks", "show", &endpoint.to_string()]);
    assert!(shown.contains("DISABLED"), "{shown}");

    let out = cli(
        &home,
        &["webhooks", "enable", &endpoint.to_string(), "--skip-held"],
    );
    assert!(out.contains("1 held message(s) skipped"), "{out}");
    let skipped = store(&home).message(message.id).unwrap();
    assert_eq!(skipped.status, DeliveryStatus::Failed);
    assert!(skipped.last_error.unwrap().contains("skipped"));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(receiver.count(), 10, "a skipped message is not sent");
}

#[test]
fn secrets_never_reach_the_logs_the_cli_or_the_delivery_log() {
    let (_dir, home) = setup("100ms");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Status(500)]);
    let token = "tok_7d1f0c9e5b2a";
    let (endpoint, secret) = add_endpoint(
        &home,
        &receiver.url,
        &[
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--secret-header",
            "X-Api: hunter2-value",
        ],
    );
    completed_job(&mut store(&home), "a.wav", "hello");
    let daemon = Daemon::start_logging(&home, "debug");
    let received = receiver.wait_for(2, Duration::from_secs(20));
    assert_eq!(
        received[1].header("authorization"),
        format!("Bearer {token}"),
        "sent for real"
    );
    assert_eq!(received[1].header("x-api"), "hunter2-value");
    let message = only_message(&home);
    wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(5),
    );
    let id = endpoint.to_string();
    let mut seen = daemon.terminate();
    for args in [
        vec!["webhooks", "list"],
        vec!["webhooks", "list", "--json"],
        vec!["webhooks", "show", &id],
        vec!["webhooks", "show", &id, "--json"],
        vec!["deliveries", "list", "--json"],
        vec!["deliveries", "show", "1"],
        vec!["deliveries", "show", "1", "--json"],
    ] {
        seen.push_str(&cli(&home, &args));
    }
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    let logged: String = conn
        .query_row(
            "SELECT group_concat(request_headers || coalesce(response_headers, '') || coalesce(response_body, '') || coalesce(error, ''), '') FROM attempts",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let bodies: String = conn
        .query_row(
            "SELECT group_concat(body || coalesce(last_error, ''), '') FROM messages",
            [],
            |r| r.get(0),
        )
        .unwrap();
    seen.push_str(&logged);
    seen.push_str(&bodies);
    assert!(
        seen.contains("webhook-signature"),
        "the log shows the signature header"
    );
    assert!(seen.contains("••••••"), "secret values are masked");
    let key = &secret["whsec_".len()..];
    for needle in [key, token, "hunter2-value"] {
        assert!(!seen.contains(needle), "{needle} leaked");
    }
}

#[test]
fn endpoints_are_validated_and_shown_with_their_secret_masked() {
    let (_dir, home) = temp_home();
    for (url, expected) in [
        ("ftp://example.com/x", "use http:// or https://"),
        ("example.com/hook", "not a usable webhook URL"),
    ] {
        let (ok, _, stderr) = run_cli(&home, &["webhooks", "add", url]);
        assert!(!ok && stderr.contains(expected), "{url}: {stderr}");
    }
    let (ok, _, stderr) = run_cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--events",
            "transcription.done",
        ],
    );
    assert!(
        !ok && stderr.contains("transcription.completed"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--header",
            "Webhook-Id: x",
        ],
    );
    assert!(!ok && stderr.contains("set by Hookscribe"), "{stderr}");

    let out = cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--description",
            "n8n",
        ],
    );
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("signing secret: "))
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{out}");
    let list = cli(&home, &["webhooks", "list", "--json"]);
    assert!(
        !list.contains(&secret) && list.contains("whsec_…"),
        "{list}"
    );
    let revealed = cli(&home, &["webhooks", "show", "1", "--reveal"]);
    assert!(revealed.contains(&secret), "{revealed}");
    cli(
        &home,
        &[
            "webhooks",
            "update",
            "1",
            "--format",
            "flat",
            "--events",
            "transcription.failed",
        ],
    );
    let shown = cli(&home, &["webhooks", "show", "1"]);
    assert!(
        shown.contains("format: flat") && shown.contains("events: transcription.failed"),
        "{shown}"
    );
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "test", "1"]);
    assert!(!ok && stderr.contains("not delivered"), "{stderr}");
    let disabled: serde_json::Value =
        serde_json::from_str(&cli(&home, &["webhooks", "disable", "1", "--json"])).unwrap();
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["disabled_reason"], "disabled by the user");
    let enabled: serde_json::Value =
        serde_json::from_str(&cli(&home, &["webhooks", "enable", "1", "--json"])).unwrap();
    assert_eq!(enabled["enabled"], true);
    let replayed: serde_json::Value =
        serde_json::from_str(&cli(&home, &["deliveries", "replay", "1", "--json"])).unwrap();
    assert_eq!(replayed[0]["status"], "pending", "{replayed}");
    let out = cli(&home, &["webhooks", "remove", "1"]);
    assert!(out.contains("removed"), "{out}");
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "show", "1"]);
    assert!(!ok && stderr.contains("no webhook endpoint 1"), "{stderr}");
}

#[test]
fn a_recording_dropped_in_a_watched_folder_reaches_the_receiver_signed_with_its_transcript() {
    const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";
    let _turn = whisper_turn();
    let (dir, home) = setup("1s");
    Models::open(&home)
        .unwrap()
        .import(&ct2_tiny_en(), Some("tiny.en"), None)
        .unwrap();
    cli(&home, &["config", "set", "threads", "2"]);
    let receiver = Receiver::start(Reply::Status(204));
    let (endpoint, secret) = add_endpoint(&home, &receiver.url, &[]);
    let ignored = Receiver::start(Reply::Status(200));
    add_endpoint(&home, &ignored.url, &[]);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    cli(
        &home,
        &[
            "folders",
            "add",
            inbox.to_str().unwrap(),
            "--stable-ms",
            "500",
            "--metadata",
            r#"{"client": "Acme", "matter": 42}"#,
            "--webhook",
            &endpoint.to_string(),
        ],
    );
    let _daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_millis(500));
    speak(SENTENCE, &inbox.join("Call with Acme.wav"));
    std::fs::write(inbox.join("notes.wav"), "this is not audio").unwrap();

    let received = receiver.wait_for(2, Duration::from_secs(120));
    assert!(
        received.iter().all(|r| verifies(&secret, r)),
        "signatures verify"
    );
    let bodies: Vec<serde_json::Value> = received.iter().map(|r| r.json()).collect();
    let completed = bodies
        .iter()
        .find(|b| b["type"] == "transcription.completed")
        .expect("a transcription.completed event");
    let data = &completed["data"];
    let text = data["text"].as_str().unwrap();
    assert!(word_error_rate(SENTENCE, text) <= 0.15, "{text:?}");
    assert_eq!(data["source"]["file_name"], "Call with Acme.wav");
    let folder = std::fs::canonicalize(&inbox).unwrap();
    assert_eq!(data["source"]["folder"], folder.to_str().unwrap());
    assert_eq!(
        data["metadata"],
        serde_json::json!({"client": "Acme", "matter": 42})
    );
    assert_eq!(data["model"], "tiny.en");
    assert!(!data["segments"].as_array().unwrap().is_empty());

    let failed = bodies
        .iter()
        .find(|b| b["type"] == "transcription.failed")
        .expect("a transcription.failed event for the file that is not audio");
    assert_eq!(failed["data"]["source"]["file_name"], "notes.wav");
    assert!(!failed["data"]["error"].as_str().unwrap().is_empty());
    assert_eq!(failed["data"]["metadata"]["client"], "Acme");
    assert_eq!(
        ignored.count(),
        0,
        "the folder notifies only the endpoint it names"
    );
}

#[test]
fn a_three_hour_transcript_is_delivered_whole() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    let (_, secret) = add_endpoint(&home, &receiver.url, &[]);
    let compact = Receiver::start(Reply::Status(200));
    add_endpoint(&home, &compact.url, &["--format", "compact"]);
    // Three hours of speech at about 150 words a minute, one segment every 5 s.
    let line = "and then we went through the quarterly numbers one by one for the board";
    let segments: Vec<Segment> = (0..2160)
        .map(|i| Segment::new(i as f64 * 5.0, i as f64 * 5.0 + 5.0, format!("{line} {i}.")))
        .collect();
    let text = segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let transcript = Transcript {
        text: text.clone(),
        segments,
        language: Some("en".into()),
        model: "base".into(),
        audio_seconds: 10_800.0,
        processing_seconds: 600.0,
    };
    let mut store = store(&home);
    let job = store
        .enqueue(&NewJob {
            source_path: "/recordings/board meeting.m4a".into(),
            origin: Origin::Manual,
            folder_id: None,
            options: JobOptions::default(),
            metadata: None,
        })
        .unwrap();
    store.claim_next().unwrap();
    store.complete(job, &"ab".repeat(32), &transcript).unwrap();
    let _daemon = Daemon::start(&home);
    let request = receiver.wait_for(1, Duration::from_secs(20)).remove(0);
    assert!(verifies(&secret, &request));
    assert!(request.body.len() > 300_000, "{} bytes", request.body.len());
    let body = request.json();
    assert_eq!(body["data"]["segments"].as_array().unwrap().len(), 2160);
    assert_eq!(body["data"]["text"], text.as_str());
    let small = compact.wait_for(1, Duration::from_secs(20)).remove(0);
    assert!(
        small.body.len() < 2_000,
        "compact stays small: {} bytes",
        small.body.len()
    );
    assert_eq!(small.json()["data"]["text_chars"], text.chars().count());
}

#[test]
fn a_sigkill_during_an_attempt_resends_at_the_next_start_without_waiting_for_the_lease() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Hang]);
    add_endpoint(&home, &receiver.url, &["--timeout", "20s"]);
    completed_job(&mut store(&home), "a.wav", "in flight");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    receiver.wait_for(1, Duration::from_secs(20));
    daemon.kill9(); // the request is still waiting for its answer

    let restarted = Instant::now();
    let _daemon = Daemon::start(&home);
    let received = receiver.wait_for(2, Duration::from_secs(15));
    assert!(
        restarted.elapsed() < Duration::from_secs(10),
        "a dead process's lease (20 s timeout + 30 s) is released at start: {:?}",
        restarted.elapsed()
    );
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    let delivered = wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(5),
    );
    assert_eq!(
        delivered.attempts, 1,
        "the interrupted attempt left no record; the resend did"
    );
}

#[test]
fn dns_and_tls_failures_are_named_as_such() {
    let (_dir, home) = temp_home();
    let plain = Receiver::start(Reply::Status(200));
    let https_to_plain = plain.url.replace("http://", "https://");
    for (url, kind, says) in [
        (
            "http://nonexistent.invalid/hook",
            "dns",
            "cannot resolve the host name",
        ),
        (
            https_to_plain.as_str(),
            "tls",
            "does the endpoint take http://",
        ),
    ] {
        let (id, _) = add_endpoint(&home, url, &[]);
        let (ok, stdout, stderr) = run_cli(&home, &["webhooks", "test", &id.to_string(), "--json"]);
        assert!(!ok, "{stdout}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let shown = cli(
            &home,
            &[
                "deliveries",
                "show",
                &report["message_id"].to_string(),
                "--json",
            ],
        );
        let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(shown["attempts"][0]["error_kind"], kind, "{shown}");
    }
    assert_eq!(
        plain.count(),
        0,
        "no plain-HTTP request was made to an https:// endpoint"
    );
}

#[test]
fn sigterm_does_not_wait_for_a_hanging_receiver_and_releases_the_message() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Hang]);
    add_endpoint(&home, &receiver.url, &["--timeout", "60s"]);
    completed_job(&mut store(&home), "a.wav", "in flight");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    receiver.wait_for(1, Duration::from_secs(20));
    let stopping = Instant::now();
    let log = daemon.terminate();
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "stopped in {:?}",
        stopping.elapsed()
    );
    assert!(log.contains("sent at the next start"), "{log}");
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    let leased: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages WHERE locked_by IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        leased, 0,
        "the interrupted message is free for the next start"
    );
    let _daemon = Daemon::start(&home);
    wait_status(
        &home,
        message.id,
        DeliveryStatus::Delivered,
        Duration::from_secs(10),
    );
}

#[test]
fn a_receivers_existing_secret_can_be_kept_via_stdin() {
    use std::io::Write;
    let (_dir, home) = temp_home();
    let receiver = Receiver::start(Reply::Status(200));
    let existing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut child = std::process::Command::new(common::hookscribe_bin())
        .args(["webhooks", "add", &receiver.url, "--secret-stdin", "--json"])
        .env("HOOKSCRIBE_HOME", home.root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{existing}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(created["secret"], existing);
    cli(&home, &["webhooks", "test", "1"]);
    assert!(verifies(existing, &receiver.received()[0]));

    let output = std::process::Command::new(common::hookscribe_bin())
        .args(["webhooks", "rotate-secret", "1", "--secret-stdin"])
        .env("HOOKSCRIBE_HOME", home.root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("secret on standard input is not usable"),
        "{stderr}"
    );
}
