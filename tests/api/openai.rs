//! The OpenAI-compatible routes, called by OpenAI's own Python client.

use hookscribe::text::word_error_rate;

use crate::common::whisper_turn;
use crate::{assert_error, media, run_python, Server, SENTENCE};

#[test]
fn the_openai_client_transcribes_in_every_response_format() {
    let _turn = whisper_turn();
    let server = Server::start();
    let speech = media().speech.to_str().unwrap();
    let out = run_python(
        "openai_client.py",
        &[&server.base, &server.token, speech],
        "",
    );

    let models: Vec<&str> = out["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(models.contains(&"tiny.en"), "{models:?}");
    assert!(
        models.contains(&"whisper-1"),
        "whisper-1 names the default: {models:?}"
    );

    for format in ["json", "text"] {
        let text = out[format].as_str().unwrap();
        let wer = word_error_rate(SENTENCE, text);
        assert!(wer <= 0.15, "{format}: WER {wer:.2} for {text:?}");
    }
    let srt = out["srt"].as_str().unwrap();
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert!(srt.contains(" --> "), "{srt}");
    let vtt = out["vtt"].as_str().unwrap();
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");

    let verbose = &out["verbose_json"];
    let wer = word_error_rate(SENTENCE, verbose["text"].as_str().unwrap());
    assert!(wer <= 0.15, "verbose_json: WER {wer:.2}: {verbose}");
    assert_eq!(verbose["language"], "en");
    let duration = verbose["duration"].as_f64().unwrap();
    assert!((2.0..10.0).contains(&duration), "{verbose}");
    let segments = verbose["segments"].as_array().unwrap();
    assert!(!segments.is_empty(), "{verbose}");
    let words = verbose["words"].as_array().unwrap();
    let spoken: Vec<&str> = words.iter().map(|w| w["word"].as_str().unwrap()).collect();
    assert!(
        spoken.len() >= 8,
        "word timestamps were asked for: {spoken:?}"
    );
    let mut last = 0.0;
    for word in words {
        let (start, end) = (
            word["start"].as_f64().unwrap(),
            word["end"].as_f64().unwrap(),
        );
        assert!(
            start >= last - 0.05 && end >= start && end <= duration + 0.5,
            "{word}"
        );
        last = start;
    }
    // "Friday" is said late in the sentence.
    let friday = words
        .iter()
        .find(|w| {
            w["word"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("friday")
        })
        .unwrap_or_else(|| panic!("no Friday in {spoken:?}"));
    assert!(
        friday["start"].as_f64().unwrap() > duration / 2.0,
        "{friday}"
    );

    assert_eq!(out["wrong_key"], "AuthenticationError");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transcription_is_a_job_in_history_and_bad_formats_are_refused() {
    let server = Server::start();
    let speech = media().speech.as_path();
    let (status, body) = server
        .post_form(
            "/v1/audio/transcriptions",
            Some(speech),
            &[("model", "whisper-1"), ("response_format", "yaml")],
        )
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("verbose_json"), "{message}");

    let (status, body) = server
        .post_form(
            "/v1/audio/transcriptions",
            Some(speech),
            &[("model", "large-v9")],
        )
        .await;
    let message = assert_error(status, &body, 404, "model_not_found");
    assert!(message.contains("large-v9"), "{message}");

    // tiny.en cannot translate: refused before anything waits in the queue.
    let (status, body) = server
        .post_form(
            "/v1/audio/translations",
            Some(speech),
            &[("model", "whisper-1")],
        )
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("English only"), "{message}");

    let (status, body) = server
        .post_form("/v1/audio/transcriptions", None, &[("model", "whisper-1")])
        .await;
    let message = assert_error(status, &body, 400, "invalid_request");
    assert!(message.contains("`file`"), "{message}");

    let (status, body) = {
        let _turn = whisper_turn();
        server
            .post_form(
                "/v1/audio/transcriptions",
                Some(speech),
                &[("model", "tiny.en")],
            )
            .await
    };
    assert_eq!(status, 200, "{body}");
    // The transcription went through the queue: it is a job, with its upload kept.
    let (_, jobs) = server.get_json("/v1/jobs?status=completed").await;
    let job = &jobs["items"][0];
    assert_eq!(
        job["file_name"], "notes.wav",
        "the upload keeps the name the client gave it: {job}"
    );
    assert_eq!(
        job["preview"].as_str().map(str::is_empty),
        Some(false),
        "{job}"
    );
    let upload = job["path"].as_str().unwrap().to_string();
    assert!(
        upload.starts_with(server.home.uploads_dir().to_str().unwrap()),
        "{upload}"
    );
    assert!(std::path::Path::new(&upload).is_file());

    // Purging the job removes its uploaded copy too.
    let id = job["id"].as_i64().unwrap();
    let response = server
        .delete(&format!("/v1/jobs/{id}?purge=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        !std::path::Path::new(&upload).exists(),
        "the upload went with its job"
    );
    assert_eq!(
        std::fs::read_dir(server.home.uploads_dir())
            .unwrap()
            .count(),
        0,
        "and so did the folder it was kept in"
    );
    let (status, body) = server.get_json(&format!("/v1/jobs/{id}")).await;
    assert_error(status, &body, 404, "not_found");
}
