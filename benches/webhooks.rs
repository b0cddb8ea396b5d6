//! Webhook delivery throughput and latency, against a reference measured in the same run.
//!
//! `cargo bench --bench webhooks [-- MESSAGES]` (default 2000 messages per case).
//!
//! - Throughput: MESSAGES completed jobs already in the outbox, sent by the real
//!   dispatcher (lease, sign, POST, log the attempt, in SQLite) to 1 and to 10 local
//!   receivers, each endpoint with its default 4 requests in flight. The reference is a
//!   bare reqwest loop POSTing the same bodies with the same concurrency (no database,
//!   no signing): the ratio is what durability and the log cost.
//! - Latency from a job's completion (its transaction committed) to the first byte of
//!   the request at the receiver: in-process (the queue wakes the dispatcher, as in
//!   `hookscribe run` and the app) and across processes (the dispatcher notices other
//!   connections' commits with a 50 ms `PRAGMA data_version` check).

#[path = "../tests/common/receiver.rs"]
mod receiver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookscribe::asr::{Segment, Transcript};
use hookscribe::home::Home;
use hookscribe::webhooks::endpoint::EndpointSettings;
use hookscribe::webhooks::outbox::{job_messages, JobNotice};
use hookscribe::webhooks::signing::Secret;
use hookscribe::webhooks::{Dispatcher, DispatcherConfig};
use hookscribe_store::jobs::{NewJob, Origin};
use hookscribe_store::messages::{Finished, MessageFilter};
use hookscribe_store::{now_ms, Store};
use receiver::{Receiver, Reply};

const CONCURRENCY: u32 = 4;

fn main() {
    let messages: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    println!(
        "webhook delivery, {messages} messages per case, local receivers (axum, keep-alive)\n"
    );
    println!("| case | Hookscribe | bare reqwest loop | ratio |");
    println!("|---|---|---|---|");
    for endpoints in [1, 10] {
        let (ours, reference) = throughput(endpoints, messages);
        println!(
            "| throughput, {endpoints} endpoint{} | {:.0} msg/s | {:.0} msg/s | {:.2}x |",
            if endpoints == 1 { "" } else { "s" },
            ours,
            reference,
            ours / reference
        );
    }
    let (woken, polled) = latency(200, 100);
    println!();
    println!("| latency, job completed → request at the receiver | p50 | p99 | max |");
    println!("|---|---|---|---|");
    for (name, samples) in [
        ("same process (queue wakes the dispatcher)", woken),
        (
            "another process (noticed by the 50 ms change check)",
            polled,
        ),
    ] {
        println!(
            "| {name} | {} | {} | {} |",
            ms(percentile(&samples, 0.50)),
            ms(percentile(&samples, 0.99)),
            ms(percentile(&samples, 1.0))
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn temp_home() -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = Home::at(dir.path().join("home")).expect("home");
    (dir, home)
}

fn add_endpoint(store: &Store, url: &str) {
    let settings = EndpointSettings {
        max_concurrency: CONCURRENCY,
        ..EndpointSettings::new(url.to_string())
    };
    store
        .add_endpoint(
            &settings.to_fields(),
            Secret::generate().expect("secret").expose(),
        )
        .expect("add endpoint");
}

/// The dispatcher on a runtime of its own (as the engine runs it on its runtime).
fn dispatcher(home: &Home, runtime: &tokio::runtime::Runtime) -> Dispatcher {
    Dispatcher::start(
        DispatcherConfig::new(home.clone()),
        runtime.handle().clone(),
    )
    .expect("dispatcher")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A job completed with a minute-long transcript: its messages are in the outbox when
/// this returns.
fn complete_job(store: &mut Store, n: usize) {
    let id = store
        .enqueue(&NewJob {
            source_path: format!("/recordings/{n}.m4a"),
            origin: Origin::Manual,
            folder_id: None,
            options: serde_json::json!({}),
            metadata: Some(serde_json::json!({ "client": "Acme" })),
            route: Default::default(),
        })
        .expect("enqueue");
    store.claim_next().expect("claim").expect("a job");
    let sentence = "We agreed to ship the release on Friday and review the numbers next week.";
    let segments: Vec<Segment> = (0..12)
        .map(|i| Segment::new(i as f64 * 5.0, i as f64 * 5.0 + 5.0, sentence))
        .collect();
    let transcript = Transcript {
        text: [sentence; 12].join(" "),
        segments,
        language: Some("en".into()),
        model: "tiny.en".into(),
        audio_seconds: 60.0,
        processing_seconds: 3.0,
    };
    let mut outbox = |finished: &Finished<'_>| {
        let notice = JobNotice {
            transcript: Some(&transcript),
            ..JobNotice::default()
        };
        job_messages(finished.job, &notice, finished.endpoints, now_ms()).map_err(|e| e.to_string())
    };
    store
        .complete(id, &format!("{id:064x}"), &transcript, &mut outbox)
        .expect("complete");
}

/// Messages per second: Hookscribe's dispatcher, then the bare loop.
fn throughput(endpoints: usize, messages: usize) -> (f64, f64) {
    let (_dir, home) = temp_home();
    let receivers: Vec<Receiver> = (0..endpoints)
        .map(|_| Receiver::start(Reply::Status(200)))
        .collect();
    let mut store = Store::open(&home.database_path()).expect("store");
    for receiver in &receivers {
        add_endpoint(&store, &receiver.url);
    }
    for n in 0..messages / endpoints {
        complete_job(&mut store, n);
    }
    let total = (messages / endpoints) * endpoints;
    let bodies: Vec<Vec<u8>> = store
        .messages(&MessageFilter {
            limit: total,
            ..MessageFilter::default()
        })
        .expect("messages")
        .iter()
        .map(|m| store.message_body(m.id).expect("body"))
        .collect();

    let runtime = runtime();
    let started = Instant::now();
    let dispatcher = dispatcher(&home, &runtime);
    wait_received(&receivers, total);
    let ours = started.elapsed();
    dispatcher.shutdown();

    let urls: Vec<String> = receivers.iter().map(|r| r.url.clone()).collect();
    let reference = bare_loop(&urls, bodies);
    wait_received(&receivers, total * 2);
    (
        total as f64 / ours.as_secs_f64(),
        total as f64 / reference.as_secs_f64(),
    )
}

fn wait_received(receivers: &[Receiver], total: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while receivers.iter().map(Receiver::count).sum::<usize>() < total {
        assert!(Instant::now() < deadline, "deliveries did not finish");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// POSTs every body (spread over the URLs as the outbox spreads them), `CONCURRENCY`
/// at a time per URL.
fn bare_loop(urls: &[String], bodies: Vec<Vec<u8>>) -> Duration {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let per_url: Vec<Arc<tokio::sync::Semaphore>> = urls
            .iter()
            .map(|_| Arc::new(tokio::sync::Semaphore::new(CONCURRENCY as usize)))
            .collect();
        for (index, body) in bodies.into_iter().enumerate() {
            let url = urls[index % urls.len()].clone();
            let permit = per_url[index % urls.len()].clone().acquire_owned().await;
            let client = client.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let response = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                response.bytes().await.expect("answer");
            });
        }
        while tasks.join_next().await.is_some() {}
        started.elapsed()
    })
}

/// Completion-to-request latencies: `woken` samples with the dispatcher woken as the
/// queue wakes it, `polled` samples found by its poll alone.
fn latency(woken: usize, polled: usize) -> (Vec<Duration>, Vec<Duration>) {
    let (_dir, home) = temp_home();
    let receiver = Receiver::start(Reply::Status(200));
    let mut store = Store::open(&home.database_path()).expect("store");
    add_endpoint(&store, &receiver.url);
    let runtime = runtime();
    let dispatcher = dispatcher(&home, &runtime);
    let wake = dispatcher.waker();
    let mut sample = |n: usize, woken_by_queue: bool| {
        let before = receiver.count();
        complete_job(&mut store, n);
        let completed = Instant::now();
        if woken_by_queue {
            wake();
        }
        let got = receiver.wait_for(before + 1, Duration::from_secs(10));
        // Start the next sample at a different point of the dispatcher's check cycle.
        std::thread::sleep(Duration::from_millis(10 + (n as u64 * 37) % 97));
        got[before].at - completed
    };
    let woken: Vec<Duration> = (0..woken).map(|n| sample(n, true)).collect();
    let polled: Vec<Duration> = (0..polled).map(|n| sample(100_000 + n, false)).collect();
    dispatcher.shutdown();
    (woken, polled)
}
