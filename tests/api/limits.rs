//! Bad requests, many requests, huge requests: each gets its documented answer, and the
//! server keeps serving.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::daemon::Daemon;
use crate::common::{run_cli, temp_home, whisper_turn};
use crate::{assert_error, free_port, media, read, Form, Server, SENTENCE};
use hookscribe::text::word_error_rate;

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_their_status_and_a_json_error_and_the_server_keeps_serving() {
    let server = Server::start_with(&[("api.max_upload_mb", "1")]);

    // No token, a wrong token, another scheme.
    let (status, body) = read(
        server
            .http
            .get(server.url("/v1/models"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "unauthorized");
    let response = server
        .http
        .get(server.url("/v1/jobs/1"))
        .bearer_auth("hsk_0000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = read(response).await;
    assert_error(status, &body, 401, "unauthorized");
    let response = server
        .http
        .get(server.url("/v1/models"))
        .basic_auth("me", Some(&server.token))
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_error(status, &body, 401, "unauthorized");
    server.still_serving().await;

    // An upload over the limit (1 MB here).
    let big = server.home.root().join("big.wav");
    std::fs::write(&big, vec![7u8; 3 * 1024 * 1024]).unwrap();
    let (status, body) = server.post_form("/v1/jobs", Some(&big), &[]).await;
    let message = assert_error(status, &body, 413, "upload_too_large");
    assert!(message.contains("api.max_upload_mb"), "{message}");
    server.still_serving().await;

    // Not audio.
    let notes = server.home.root().join("notes.mp3");
    std::fs::write(
        &notes,
        "these are my meeting notes, typed, not spoken\n".repeat(50),
    )
    .unwrap();
    let (status, body) = server
        .post_form("/v1/audio/transcriptions", Some(&notes), &[])
        .await;
    let message = assert_error(status, &body, 400, "invalid_audio");
    assert!(
        message.contains("notes.mp3"),
        "named as the client named it: {message}"
    );
    assert!(
        !message.contains("uploads/"),
        "not by the server's copy: {message}"
    );
    server.still_serving().await;

    // Bad JSON, an unknown field, an unknown job, routes and methods that do not exist.
    let response = server
        .post("/v1/jobs")
        .header("content-type", "application/json")
        .body("{\"path\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_error(status, &body, 400, "invalid_json");
    let (status, body) = server
        .post_json("/v1/jobs", &json!({"path": "/x.wav", "colour": "red"}))
        .await;
    let message = assert_error(status, &body, 400, "invalid_json");
    assert!(message.contains("colour"), "{message}");
    let (status, body) = server.get_json("/v1/jobs/424242").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = server.get_json("/v1/jobs/not-a-number").await;
    assert_error(status, &body, 400, "invalid_request");
    let (status, body) = server.get_json("/v1/nothing-here").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = read(server.delete("/v1/models").send().await.unwrap()).await;
    assert_error(status, &body, 405, "method_not_allowed");
    let (status, body) = server.get_json("/v1/transcripts/1?format=docx").await;
    assert_error(status, &body, 400, "invalid_request");
    server.still_serving().await;

    // Paths: a folder, a missing file, a relative path, a bad webhook URL.
    let folder = server.home.root().to_str().unwrap().to_string();
    let (status, body) = server.post_json("/v1/jobs", &json!({"path": folder})).await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("is a folder"), "{message}");
    let (status, body) = server
        .post_json("/v1/jobs", &json!({"path": "/no/such/recording.wav"}))
        .await;
    assert_error(status, &body, 400, "invalid_request");
    let (status, body) = server
        .post_json("/v1/jobs", &json!({"path": "recording.wav"}))
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("absolute"), "{message}");
    let speech = media().speech.to_str().unwrap();
    let (status, body) = server
        .post_json(
            "/v1/jobs",
            &json!({"path": speech, "webhook_url": "ftp://example.com/hook"}),
        )
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("ftp://"), "{message}");
    let (status, body) = server
        .post_json("/v1/jobs", &json!({"path": speech, "metadata": [1, 2]}))
        .await;
    assert_error(status, &body, 400, "invalid_request");
    let (status, body) = server
        .post_json(
            "/v1/jobs",
            &json!({"path": speech, "metadata": {"x": "y".repeat(5000)}}),
        )
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("4096"), "{message}");
    server.still_serving().await;

    // None of the refused uploads was kept, and nothing was queued.
    let kept = std::fs::read_dir(server.home.uploads_dir())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(kept, 0, "refused uploads are removed");
    let (_, jobs) = server.get_json("/v1/jobs").await;
    assert_eq!(jobs["total"], 0, "{jobs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_transcriptions_are_all_answered_in_queue_order() {
    let _turn = whisper_turn();
    let server = std::sync::Arc::new(Server::start());
    let mut requests = Vec::new();
    for n in 0..20 {
        let server = server.clone();
        requests.push(tokio::spawn(async move {
            let form = Form::new(
                Some(&media().speech),
                &[("response_format", "verbose_json")],
            );
            let response = server
                .post("/v1/audio/transcriptions")
                .header("content-type", form.content_type())
                .body(form.body)
                .timeout(Duration::from_secs(300))
                .send()
                .await
                .unwrap();
            (n, read(response).await)
        }));
    }
    let mut answered = 0;
    for request in requests {
        let (n, (status, body)) = request.await.unwrap();
        assert_eq!(status, 200, "request {n}: {body}");
        let wer = word_error_rate(SENTENCE, body["text"].as_str().unwrap());
        assert!(wer <= 0.15, "request {n}: WER {wer:.2}");
        answered += 1;
    }
    assert_eq!(answered, 20);
    let (_, jobs) = server.get_json("/v1/jobs?limit=100").await;
    let items = jobs["items"].as_array().unwrap();
    assert_eq!(items.len(), 20, "one job per request, none lost: {jobs}");
    let mut by_id: Vec<&Value> = items.iter().collect();
    by_id.sort_by_key(|j| j["id"].as_i64());
    // Started in the order they were queued (with two jobs at once, the concurrency
    // setting's `auto` on 2 or more cores, a pair may finish in either order).
    let started: Vec<i64> = by_id
        .iter()
        .map(|j| j["started_at"].as_i64().unwrap())
        .collect();
    assert!(
        started.windows(2).all(|w| w[0] <= w[1]),
        "started in the order they were queued: {started:?}"
    );
    assert!(by_id.iter().all(|j| j["status"] == "completed"));
}

/// A WAV header that announces `data_bytes` of 16 kHz mono 16-bit audio.
fn wav_header(data_bytes: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend(b"RIFF");
    h.extend((36 + data_bytes).to_le_bytes());
    h.extend(b"WAVEfmt ");
    h.extend(16u32.to_le_bytes());
    h.extend(1u16.to_le_bytes());
    h.extend(1u16.to_le_bytes());
    h.extend(16_000u32.to_le_bytes());
    h.extend(32_000u32.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(16u16.to_le_bytes());
    h.extend(b"data");
    h.extend(data_bytes.to_le_bytes());
    h
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_gigabyte_upload_streams_to_disk_with_flat_server_memory() {
    const GIB: u64 = 1024 * 1024 * 1024;
    let server = Server::start_with(&[("api.max_upload_mb", "2048")]);
    server.still_serving().await;
    let before = server.daemon.peak_memory();

    let boundary = "hookscribe-test-boundary-7MA4YWxkTrZu0gW";
    let mut head = Form::file_head(boundary, "long silence.wav");
    head.extend(wav_header(GIB as u32));
    let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
    let chunk = axum::body::Bytes::from(vec![0u8; 1024 * 1024]);
    let parts = std::iter::once(axum::body::Bytes::from(head))
        .chain(std::iter::repeat_n(chunk, (GIB / (1024 * 1024)) as usize))
        .chain(std::iter::once(axum::body::Bytes::from(tail)));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(
        parts.map(Ok::<_, std::io::Error>),
    ));
    let response = server
        .post("/v1/jobs")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap();
    let (status, created) = read(response).await;
    assert_eq!(status, 202, "{created}");
    let after = server.daemon.peak_memory();
    let grew = after.saturating_sub(before);
    eprintln!(
        "peak memory of the server: {} MiB before, {} MiB after a 1 GiB upload",
        before >> 20,
        after >> 20
    );
    assert!(
        grew < 64 * 1024 * 1024,
        "the upload was held in memory: peak grew by {} MiB",
        grew >> 20
    );
    let path = created["path"].as_str().unwrap();
    assert_eq!(
        std::fs::metadata(path).unwrap().len(),
        GIB + 44,
        "every byte is on disk"
    );
    // Nine hours of silence are not worth transcribing here.
    let id = created["id"].as_i64().unwrap();
    let (status, purged) = read(
        server
            .delete(&format!("/v1/jobs/{id}?purge=true"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{purged}");
    assert!(!std::path::Path::new(path).exists());
}

#[test]
fn run_with_api_refuses_to_start_when_the_port_is_taken_and_says_what_to_do() {
    let (_dir, home) = temp_home();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (ok, _, stderr) = run_cli(&home, &["config", "set", "api.port", &port]);
    assert!(ok, "{stderr}");
    let daemon = Daemon::start_with(&home, "warn", &["--api"]);
    let (code, log) = daemon.wait_exit(Duration::from_secs(20));
    assert_ne!(code, Some(0), "{log}");
    assert!(
        log.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{log}"
    );
    assert!(
        log.contains("api.port"),
        "says how to choose another: {log}"
    );

    // Enabled in the settings instead, the daemon keeps running (it has other work) and
    // starts serving once the port is changed.
    let (ok, _, _) = run_cli(&home, &["config", "set", "api.enabled", "true"]);
    assert!(ok);
    let mut daemon = Daemon::start_with(&home, "info", &[]);
    crate::common::daemon::wait_for("the failure to be logged", Duration::from_secs(20), || {
        daemon.log().contains("cannot listen")
    });
    assert!(daemon.is_running(), "{}", daemon.log());
    let free = free_port().to_string();
    let (ok, _, _) = run_cli(&home, &["config", "set", "api.port", &free]);
    assert!(ok);
    // Another process changed the setting: the daemon notices on its own.
    crate::common::daemon::wait_for(
        "the API to move to the free port",
        Duration::from_secs(30),
        || std::net::TcpStream::connect(("127.0.0.1", free.parse::<u16>().unwrap())).is_ok(),
    );
    drop(taken);
    daemon.terminate();
}
