//! The endpoints service: validation at the field, secrets only when revealed.

use super::common::receiver::{Receiver, Reply};
use super::*;
use hookscribe::engine::{EndpointPatch, EndpointRequest, HeaderRequest};

fn request(url: &str) -> EndpointRequest {
    EndpointRequest {
        url: url.into(),
        ..EndpointRequest::default()
    }
}

#[test]
fn what_a_user_types_is_checked_and_the_field_named() {
    let (_dir, engine) = engine();
    let endpoints = engine.endpoints();
    for (bad, field) in [
        (request("ftp://x.org/"), "url"),
        (request("localhost:8080"), "url"),
        (
            EndpointRequest {
                timeout_ms: Some(10),
                ..request("http://127.0.0.1:9/")
            },
            "timeout_ms",
        ),
        (
            EndpointRequest {
                max_concurrency: Some(0),
                ..request("http://127.0.0.1:9/")
            },
            "max_concurrency",
        ),
        (
            EndpointRequest {
                events: vec!["transcription.done".into()],
                ..request("http://127.0.0.1:9/")
            },
            "events",
        ),
        (
            EndpointRequest {
                secret: Some("whsec_short".into()),
                ..request("http://127.0.0.1:9/")
            },
            "secret",
        ),
        (
            EndpointRequest {
                headers: vec![HeaderRequest {
                    name: "Webhook-Signature".into(),
                    value: "x".into(),
                    secret: false,
                }],
                ..request("http://127.0.0.1:9/")
            },
            "headers",
        ),
        (
            EndpointRequest {
                headers: vec![HeaderRequest {
                    name: "Bad Name".into(),
                    value: "x".into(),
                    secret: false,
                }],
                ..request("http://127.0.0.1:9/")
            },
            "headers",
        ),
    ] {
        expect_error(
            endpoints.add(&bad),
            ErrorKind::InvalidInput,
            Some(Subject::Field(field.into())),
        );
    }
    assert!(endpoints.list().unwrap().is_empty());
    expect_error(
        endpoints.get(5),
        ErrorKind::NotFound,
        Some(Subject::Endpoint(5)),
    );
    expect_error(
        endpoints.update(5, &EndpointPatch::default()),
        ErrorKind::NotFound,
        Some(Subject::Endpoint(5)),
    );
}

#[test]
fn views_never_hold_a_secret_unless_it_is_revealed() {
    let (_dir, engine) = engine();
    let endpoints = engine.endpoints();
    let created = endpoints
        .add(&EndpointRequest {
            headers: vec![
                HeaderRequest {
                    name: "Authorization".into(),
                    value: "Bearer tok-7f3a9c".into(),
                    secret: false,
                },
                HeaderRequest {
                    name: "X-Api".into(),
                    value: "hunter2-value".into(),
                    secret: true,
                },
                HeaderRequest {
                    name: "X-Team".into(),
                    value: "sales".into(),
                    secret: false,
                },
            ],
            ..request("http://127.0.0.1:9/hook")
        })
        .unwrap();
    let secret = created.secret.clone();
    assert!(secret.starts_with("whsec_"));
    let id = created.endpoint.id;
    let rotated = endpoints
        .rotate_secret(id, Duration::from_secs(3600), None)
        .unwrap();
    let mut shown = serde_json::to_string(&created.endpoint).unwrap();
    for view in [
        endpoints.get(id).unwrap(),
        endpoints
            .update(
                id,
                &EndpointPatch {
                    description: Some("sales team".into()),
                    ..EndpointPatch::default()
                },
            )
            .unwrap(),
        endpoints.disable(id).unwrap(),
        endpoints.enable(id, false).unwrap().endpoint,
    ] {
        shown.push_str(&serde_json::to_string(&view).unwrap());
    }
    shown.push_str(&serde_json::to_string(&endpoints.list().unwrap()).unwrap());
    for needle in [
        &secret["whsec_".len()..],
        &rotated.secret["whsec_".len()..],
        "tok-7f3a9c",
        "hunter2-value",
    ] {
        assert!(!shown.contains(needle), "{needle} is in a view: {shown}");
    }
    assert!(shown.contains("sales"), "plain header values are shown");
    assert!(shown.contains("whsec_…"), "the masked secret is shown");
    assert_eq!(endpoints.reveal_secret(id).unwrap(), rotated.secret);
    assert!(endpoints.get(id).unwrap().previous_secret_until.is_some());
}

#[test]
fn a_patch_changes_only_what_it_names() {
    let (_dir, engine) = engine();
    let endpoints = engine.endpoints();
    let id = endpoints
        .add(&EndpointRequest {
            headers: vec![
                HeaderRequest {
                    name: "X-One".into(),
                    value: "1".into(),
                    secret: false,
                },
                HeaderRequest {
                    name: "X-Two".into(),
                    value: "2".into(),
                    secret: false,
                },
            ],
            timeout_ms: Some(5000),
            ..request("http://127.0.0.1:9/hook")
        })
        .unwrap()
        .endpoint
        .id;
    let view = endpoints
        .update(
            id,
            &EndpointPatch {
                remove_headers: vec!["x-one".into()],
                headers: vec![HeaderRequest {
                    name: "x-two".into(),
                    value: "two".into(),
                    secret: false,
                }],
                format: Some(hookscribe::engine::BodyFormat::Flat),
                ..EndpointPatch::default()
            },
        )
        .unwrap();
    let headers: Vec<(&str, &str)> = view
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.as_str()))
        .collect();
    assert_eq!(headers, [("x-two", "two")]);
    assert_eq!(view.timeout_ms, 5000, "unchanged");
    assert_eq!(view.format, hookscribe::engine::BodyFormat::Flat);
    assert_eq!(view.url, "http://127.0.0.1:9/hook");
}

#[test]
fn a_test_send_reports_the_answer_and_counts_in_the_health() {
    let (_dir, engine) = engine();
    let receiver = Receiver::start(Reply::Status(204));
    let id = engine
        .endpoints()
        .add(&request(&receiver.url))
        .unwrap()
        .endpoint
        .id;
    let report = engine.block_on(engine.endpoints().test(id)).unwrap();
    assert!(report.delivered, "{report:?}");
    assert_eq!(report.response_status, Some(204));
    assert_eq!(receiver.count(), 1);
    receiver.otherwise(Reply::Status(500));
    let failed = engine.block_on(engine.endpoints().test(id)).unwrap();
    assert!(!failed.delivered);
    assert!(failed.summary.contains("500"), "{failed:?}");
    let health = engine.endpoints().get(id).unwrap().health;
    assert_eq!((health.attempts, health.succeeded), (2, 1));
    assert_eq!(health.success_rate, Some(0.5));
    assert!(health.last_failure.unwrap().contains("500"));
    assert!(health.last_success_at.is_some());
    let logged = engine.deliveries().show(report.message_id).unwrap();
    assert_eq!(logged.message.event, "webhook.test");
    assert_eq!(logged.attempts.len(), 1);
}
