//! What receivers get and when: signed deliveries, retries, final answers, timeouts,
//! redirects, network failures, big transcripts, and a watched folder end to end.

use super::*;

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
        MessageStatus::Pending,
        "the outbox row exists before any send"
    );

    let daemon = Daemon::start(&home);
    let received = receiver.wait_for(1, Duration::from_secs(20));
    wait_status(
        &home,
        message.id,
        MessageStatus::Delivered,
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
    let now = hookscribe::engine::now_ms() / 1000;
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
    assert_eq!(log[0].attempt.response_status, Some(200));
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
        log[0].attempt.response_body.as_deref(),
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
        MessageStatus::Delivered,
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
        .map(|a| a.attempt.response_status)
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
        MessageStatus::Failed,
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(receiver.count(), 1);
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.unwrap().contains("400"));
    let log = attempts(&home, message.id);
    assert_eq!(log[0].attempt.error_kind.as_deref(), Some("status"));
}

#[test]
fn a_receiver_mid_deploy_answering_404_is_retried_unless_the_endpoint_says_final() {
    let (_dir, home) = setup("200ms,200ms,200ms");
    // Being deployed: 404 twice, then up again.
    let deploying = Receiver::start(Reply::Status(200));
    deploying.then([Reply::Status(404), Reply::Status(401)]);
    add_endpoint(&home, &deploying.url, &[]);
    let strict = Receiver::start(Reply::Status(404));
    add_endpoint(&home, &strict.url, &["--retry-client-errors", "false"]);
    completed_job(&mut store(&home), "a.wav", "hello");
    let _daemon = Daemon::start(&home);
    let by_endpoint = |endpoint: i64| {
        let filter = hookscribe_store::messages::MessageFilter {
            endpoint: Some(endpoint),
            limit: 10,
            ..Default::default()
        };
        store(&home).messages(&filter).unwrap().remove(0)
    };
    let delivered = wait_status(
        &home,
        by_endpoint(1).id,
        MessageStatus::Delivered,
        Duration::from_secs(20),
    );
    assert_eq!(delivered.attempts, 3, "404, 401, then delivered");
    let failed = wait_status(
        &home,
        by_endpoint(2).id,
        MessageStatus::Failed,
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(strict.count(), 1, "final at once when the endpoint says so");
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.unwrap().contains("404"));
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
        MessageStatus::Failed,
        Duration::from_secs(20),
    );
    let disabled = store(&home).endpoint(endpoint).unwrap().disabled_reason;
    assert!(disabled.unwrap().contains("410"));
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
    assert_eq!(second.status, MessageStatus::Held);
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
        MessageStatus::Delivered,
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
        MessageStatus::Failed,
        Duration::from_secs(10),
    );
    assert!(failed
        .last_error
        .unwrap()
        .contains("redirects are not followed"));
    assert_eq!(
        attempts(&home, redirected.id)[0]
            .attempt
            .error_kind
            .as_deref(),
        Some("redirect")
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
        timed_out.attempt.error_kind.as_deref(),
        Some("timeout"),
        "{timed_out:?}"
    );
    assert!(
        timed_out.attempt.duration_ms >= 4900 && timed_out.attempt.duration_ms < 9000,
        "{timed_out:?}"
    );
    assert!(
        healthy_done < (first_hang - started) + Duration::from_millis(4500),
        "all 6 healthy deliveries landed before the hanging one timed out ({healthy_done:?})"
    );
}

/// A backlog the endpoint cannot take at once (one request at a time, each answered after
/// 700 ms) leaves `hookscribe run` waiting for its one slot, not spinning: the dispatcher
/// used to count such messages as due, wait 0 ms and go straight into another claim
/// transaction that claimed nothing, burning a quarter of a core until the backlog drained.
#[test]
fn a_backlog_behind_a_busy_endpoint_waits_without_spinning() {
    let (_dir, home) = setup("30s");
    let slow = Receiver::start(Reply::After(Duration::from_millis(700), 200));
    add_endpoint(&home, &slow.url, &["--max-concurrency", "1"]);
    {
        let mut store = store(&home);
        for n in 0..10 {
            completed_job(&mut store, &format!("{n}.wav"), "hello");
        }
    }
    let daemon = Daemon::start(&home);
    // Measured from the first request on, so start-up does not count.
    slow.wait_for(1, Duration::from_secs(20));
    let (cpu_before, started) = (daemon.cpu_time(), Instant::now());
    slow.wait_for(8, Duration::from_secs(30));
    let (cpu, wall) = (daemon.cpu_time() - cpu_before, started.elapsed());
    assert!(
        cpu.as_secs_f64() < 0.05 * wall.as_secs_f64(),
        "hookscribe run used {cpu:?} of CPU in {wall:?} while one slow endpoint drained its backlog"
    );
    let mut ids: Vec<String> = slow
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_string())
        .collect();
    let sent = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), sent, "no message was sent twice");
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
        MessageStatus::Failed,
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
            .all(|a| a.attempt.error_kind.as_deref() == Some("connect")),
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
        MessageStatus::Delivered,
        Duration::from_secs(5),
    );
    assert_eq!(
        attempts(&home, message.id).len(),
        4,
        "replays add to the log"
    );
}

#[test]
fn a_recording_dropped_in_a_watched_folder_reaches_the_receiver_signed_with_its_transcript() {
    const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";
    let _turn = whisper_turn();
    let (dir, home) = setup("1s");
    Models::open(&home)
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
            route: Default::default(),
            source_path: "/recordings/board meeting.m4a".into(),
            origin: Origin::Manual,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: None,
        })
        .unwrap();
    store.claim_next().unwrap();
    common::complete_job(&mut store, job, &"ab".repeat(32), &transcript);
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
