//! The deliveries service and the attempt events the dispatcher sends.

use super::common::receiver::{Receiver, Reply};
use super::*;
use hookscribe::engine::{DeliveryQuery, EndpointRequest, MessageStatus};
use hookscribe_store::jobs::{NewJob, Origin};
use hookscribe_store::Store;
use hookscribe_types::{Segment, Transcript};

/// A job completed in the database the way the queue completes one (its outbox messages
/// written with it); returns its id.
fn completed_job(engine: &Engine, text: &str) -> i64 {
    let mut store = Store::open(&engine.home().database_path()).unwrap();
    let id = store
        .enqueue(&NewJob {
            route: Default::default(),
            source_path: "/recordings/call.wav".into(),
            origin: Origin::Manual,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: None,
        })
        .unwrap();
    store.claim_next().unwrap().unwrap();
    let transcript = Transcript {
        text: text.into(),
        segments: vec![Segment::new(0.0, 1.0, text)],
        language: Some("en".into()),
        model: "tiny.en".into(),
        audio_seconds: 1.0,
        processing_seconds: 0.1,
    };
    super::common::complete_job(&mut store, id, "aa", &transcript);
    id
}

#[test]
fn an_attempt_that_ends_held_is_reported_held() {
    let (_dir, engine) = engine();
    engine
        .settings()
        .set("webhooks.retry_schedule", "30s")
        .unwrap();
    // Slow enough that the endpoint can be disabled while the request is in flight.
    let receiver = Receiver::start(Reply::After(Duration::from_millis(1500), 500));
    let endpoint = engine
        .endpoints()
        .add(&EndpointRequest {
            url: receiver.url.clone(),
            ..EndpointRequest::default()
        })
        .unwrap()
        .endpoint
        .id;
    let job = completed_job(&engine, "held while in flight");
    let mut events = engine.subscribe();
    start(&engine);
    receiver.wait_for(1, Duration::from_secs(10));
    engine.endpoints().disable(endpoint).unwrap();
    let (event, _) = next_event(&mut events, Duration::from_secs(10), |e| {
        matches!(e, EngineEvent::DeliveryAttempted { .. })
    });
    let EngineEvent::DeliveryAttempted {
        status,
        job: of,
        message,
        ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(of, Some(job));
    let stored = engine.deliveries().get(message).unwrap();
    assert_eq!(stored.status, MessageStatus::Held, "the store holds it");
    assert_eq!(status, MessageStatus::Held, "and the event says so");
    engine.shutdown();
}

#[test]
fn the_log_lists_pages_shows_and_replays() {
    let (_dir, engine) = engine();
    let receiver = Receiver::start(Reply::Status(400));
    let endpoint = engine
        .endpoints()
        .add(&EndpointRequest {
            url: receiver.url.clone(),
            ..EndpointRequest::default()
        })
        .unwrap()
        .endpoint
        .id;
    for n in 0..3 {
        completed_job(&engine, &format!("call number {n}"));
    }
    start(&engine);
    receiver.wait_for(3, Duration::from_secs(10));
    let failed = DeliveryQuery {
        status: Some(MessageStatus::Failed),
        ..DeliveryQuery::default()
    };
    let mut page = engine.deliveries().list(&failed).unwrap();
    for _ in 0..100 {
        if page.total == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        page = engine.deliveries().list(&failed).unwrap();
    }
    assert_eq!(page.total, 3, "{page:?}");
    let two = engine
        .deliveries()
        .list(&DeliveryQuery {
            limit: Some(2),
            ..failed.clone()
        })
        .unwrap();
    assert_eq!((two.items.len(), two.total), (2, 3));
    let detail = engine.deliveries().show(page.items[0].id).unwrap();
    assert_eq!(detail.attempts.len(), 1);
    assert_eq!(detail.attempts[0].response_status, Some(400));
    assert_eq!(detail.body["type"], "transcription.completed");
    assert_eq!(detail.endpoint_url.as_deref(), Some(receiver.url.as_str()));

    receiver.otherwise(Reply::Status(200));
    let replayed = engine.deliveries().replay_failed_since(0).unwrap();
    assert_eq!(replayed.len(), 3);
    assert!(replayed.iter().all(|m| m.status == MessageStatus::Pending));
    receiver.wait_for(6, Duration::from_secs(10));
    expect_error(
        engine.deliveries().show(999),
        ErrorKind::NotFound,
        Some(Subject::Delivery(999)),
    );
    expect_error(
        engine.deliveries().replay(page.items[0].id, Some(77)),
        ErrorKind::NotFound,
        Some(Subject::Endpoint(77)),
    );
    let _ = endpoint;
    engine.shutdown();
}
