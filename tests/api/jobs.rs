//! Asynchronous jobs: 202, live events over SSE, then a signed per-job webhook that is
//! retried like any endpoint's.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::receiver::{Receiver, Reply};
use crate::common::{run_cli, whisper_turn};
use crate::{media, read, read_events, run_python, Server, SENTENCE};
use hookscribe::text::word_error_rate;

/// The headers and body of a received webhook, as the verifier reads them.
fn as_received(request: &crate::common::receiver::Received) -> String {
    let mut headers = serde_json::Map::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name.into(), json!(request.header(name)));
    }
    json!({"headers": headers, "body": String::from_utf8_lossy(&request.body)}).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_async_job_streams_its_events_then_sends_a_signed_webhook_with_its_metadata() {
    let _turn = whisper_turn();
    let receiver = Receiver::start(Reply::Status(200));
    let server = Server::start();
    let metadata = json!({"ticket": "SUP-42", "team": "support"});
    let (status, created) = server
        .post_form(
            "/v1/jobs",
            Some(&media().speech),
            &[
                ("webhook_url", &receiver.url),
                ("metadata", &metadata.to_string()),
                ("word_timestamps", "true"),
            ],
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    let secret = created["webhook_secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("whsec_"),
        "a secret is made and shown once: {created}"
    );
    assert_eq!(
        created["urls"]["events"],
        server.url(&format!("/v1/jobs/{id}/events"))
    );
    assert_eq!(created["metadata"], metadata);

    let stream = server
        .get(&format!("/v1/jobs/{id}/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let events = read_events(stream, 1000).await;
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names.first(), Some(&"snapshot"), "{names:?}");
    assert_eq!(
        names.last(),
        Some(&"job_completed"),
        "the stream ends when the job does: {names:?}"
    );
    let ids: Vec<u64> = events.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] <= w[1]),
        "ids in order: {ids:?}"
    );
    let percents: Vec<u64> = events
        .iter()
        .filter(|e| e.event == "job_progress")
        .map(|e| e.data["percent"].as_u64().unwrap())
        .collect();
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
    let transcript = events.last().unwrap().data["transcript"].as_i64().unwrap();

    // The transcript, in each format.
    let (status, text) = read(
        server
            .get(&format!("/v1/transcripts/{transcript}?format=txt"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let wer = word_error_rate(SENTENCE, text.as_str().unwrap());
    assert!(wer <= 0.15, "WER {wer:.2}: {text}");
    let (status, json) = server.get_json(&format!("/v1/jobs/{id}/transcript")).await;
    assert_eq!(status, 200);
    assert!(
        json["segments"][0]["words"]
            .as_array()
            .is_some_and(|w| !w.is_empty()),
        "{json}"
    );

    // The per-job webhook, signed with the secret the job was given.
    let received = receiver.wait_for(1, Duration::from_secs(30));
    let verified = run_python("verify_webhook.py", &[&secret], &as_received(&received[0]));
    assert_eq!(verified["verified"], true, "{verified}");
    let payload = &verified["payload"];
    assert_eq!(payload["type"], "transcription.completed");
    assert_eq!(payload["data"]["job_id"], id);
    assert_eq!(payload["data"]["metadata"], metadata);
    let forged = run_python(
        "verify_webhook.py",
        &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        &as_received(&received[0]),
    );
    assert_eq!(
        forged["verified"], false,
        "another secret does not verify it"
    );

    // It shows among the job's deliveries, and not among the configured endpoints.
    let (_, deliveries) = server.get_json(&format!("/v1/deliveries?job={id}")).await;
    let delivery = &deliveries["items"][0];
    assert_eq!(delivery["status"], "delivered", "{deliveries}");
    assert_eq!(delivery["job_webhook"], true, "{deliveries}");
    assert_eq!(delivery["endpoint_url"], receiver.url.as_str());
    assert_eq!(
        delivery["job_file_name"], "notes.wav",
        "the name the client gave the upload: {delivery}"
    );
    let message = delivery["id"].as_i64().unwrap().to_string();
    let (ok, shown, stderr) = run_cli(&server.home, &["deliveries", "show", &message]);
    assert!(ok, "{stderr}");
    assert!(shown.contains("(the job's own webhook URL)"), "{shown}");
    assert!(
        shown.contains("(notes.wav)"),
        "the job by its recording: {shown}"
    );
    let (ok, listed, _) = run_cli(&server.home, &["webhooks", "list", "--json"]);
    assert!(ok);
    assert!(
        !listed.contains(&receiver.url),
        "a job's own webhook is not a configured endpoint: {listed}"
    );

    // Resuming after the last event seen gets nothing more: the stream ends at once.
    let last = events.last().unwrap().id.clone();
    let resumed = server
        .get(&format!("/v1/jobs/{id}/events"))
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    let again = read_events(resumed, 10).await;
    assert_eq!(
        again.last().map(|e| e.event.as_str()),
        Some("job_completed"),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_per_job_receiver_gets_the_same_retries_as_an_endpoint() {
    let _turn = whisper_turn();
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Status(503), Reply::Status(500)]);
    let compact = Receiver::start(Reply::Status(200));
    let server = Server::start_with(&[
        ("webhooks.retry_schedule", "1s, 1s, 1s"),
        ("api.enabled", "true"),
    ]);
    // A configured endpoint with compact bodies: they link to the transcript.
    let (ok, _, stderr) = run_cli(
        &server.home,
        &["webhooks", "add", &compact.url, "--format", "compact"],
    );
    assert!(ok, "{stderr}");
    let body = json!({
        "path": media().speech,
        "webhook_url": receiver.url,
        "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    let (status, created) = server.post_json("/v1/jobs", &body).await;
    assert_eq!(status, 202, "{created}");
    assert!(
        created.get("webhook_secret").is_none(),
        "a given secret is not echoed: {created}"
    );
    let id = created["id"].as_i64().unwrap();
    let job = server.wait_finished(id).await;
    assert_eq!(job["status"], "completed", "{job}");

    let attempts = receiver.wait_for(3, Duration::from_secs(30));
    assert_eq!(attempts.len(), 3);
    let ids: Vec<&str> = attempts.iter().map(|a| a.header("webhook-id")).collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one message, retried: {ids:?}"
    );
    let gap = attempts[1].at - attempts[0].at;
    assert!(
        gap >= Duration::from_millis(700),
        "retried on the schedule: {gap:?}"
    );

    let (_, deliveries) = server.get_json(&format!("/v1/deliveries?job={id}")).await;
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        2,
        "the job's own webhook and the configured one: {deliveries}"
    );
    let own = items
        .iter()
        .find(|m| m["attempts"] == 3)
        .unwrap_or_else(|| panic!("{deliveries}"));
    assert_eq!(own["status"], "delivered");

    let linked = compact.wait_for(1, Duration::from_secs(30))[0].json();
    let url = linked["data"]["transcript_url"]
        .as_str()
        .unwrap_or_else(|| panic!("{linked}"));
    assert!(url.starts_with(&server.base), "{url}");
    let (status, text) = read(
        server
            .http
            .get(format!("{url}?format=txt"))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.as_str().unwrap().to_lowercase().contains("friday"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_routed_to_one_endpoint_notifies_only_that_one_and_can_be_cancelled() {
    let first = Receiver::start(Reply::Status(200));
    let second = Receiver::start(Reply::Status(200));
    let server = Server::start();
    let mut ids = Vec::new();
    for receiver in [&first, &second] {
        let (ok, out, stderr) =
            run_cli(&server.home, &["webhooks", "add", &receiver.url, "--json"]);
        assert!(ok, "{stderr}");
        let created: Value = serde_json::from_str(&out).unwrap();
        ids.push(created["endpoint"]["id"].as_i64().unwrap());
    }
    let (status, body) = server
        .post_json(
            "/v1/jobs",
            &json!({"path": media().speech, "endpoint_id": 999}),
        )
        .await;
    crate::assert_error(status, &body, 404, "not_found");

    let _turn = whisper_turn();
    let (status, created) = server
        .post_json(
            "/v1/jobs",
            &json!({"path": media().speech, "endpoint_id": ids[1]}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    server.wait_finished(id).await;
    second.wait_for(1, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(first.count(), 0, "the other endpoint hears nothing of it");

    // A finished job cannot be cancelled: 409 with a JSON error.
    let response = server
        .delete(&format!("/v1/jobs/{id}"))
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    crate::assert_error(status, &body, 409, "conflict");
}
