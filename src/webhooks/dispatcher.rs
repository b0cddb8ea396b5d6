//! The dispatcher: leases due messages from the outbox and sends them, each endpoint
//! with at most its `max_concurrency` requests in flight, so a slow endpoint never holds
//! up another. `hookscribe run` and the desktop app embed it (through the engine).
//!
//! Everything is in SQLite first: a message is leased before it is sent and its attempt
//! is logged in the same transaction that schedules the next one. A process killed
//! mid-attempt leaves a lease that the next start clears (its owner is dead), so the
//! message is sent again: at least once, never lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::config::DeliveryConfig;
use super::policy::{self, ErrorKind, NextStep, RetrySchedule};
use super::sender::{AttemptResult, Claim, Sender};
use super::WebhookError;
use crate::home::Home;
use hookscribe_store::delivery::{Lease, NewAttempt, Recorded};
use hookscribe_store::endpoints::EndpointId;
use hookscribe_store::jobs::JobId;
use hookscribe_store::messages::{MessageId, MessageStatus};
use hookscribe_store::{now_ms, Store, StoreError};

/// How often the delivery log is pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What happened to a delivery, as it happens (for the window and logs).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeliveryEvent {
    Attempted {
        message: MessageId,
        endpoint: EndpointId,
        job: Option<JobId>,
        /// The message's status as committed after the attempt.
        status: MessageStatus,
        response_status: Option<u16>,
        summary: String,
    },
    /// The endpoint kept failing (or answered 410 Gone) and was disabled.
    EndpointDisabled {
        endpoint: EndpointId,
        url: String,
        reason: String,
    },
}

/// Where delivery events go.
pub type DeliverySink = Arc<dyn Fn(DeliveryEvent) + Send + Sync>;

#[derive(Clone)]
pub struct DispatcherConfig {
    pub home: Home,
    /// How often to check whether another process wrote to the database (cheap: one
    /// `PRAGMA data_version`); the outbox is read again only when it did.
    pub change_check: Duration,
    /// The longest the dispatcher sleeps without reading the outbox (leases of other
    /// processes running out, clock changes).
    pub poll_interval: Duration,
    /// How long a shutdown waits for requests in flight to be answered and recorded;
    /// the rest are logged as interrupted and sent again at the next start.
    pub shutdown_grace: Duration,
    pub on_event: DeliverySink,
}

impl DispatcherConfig {
    pub fn new(home: Home) -> Self {
        Self {
            home,
            change_check: Duration::from_millis(50),
            poll_interval: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(5),
            on_event: Arc::new(|_| {}),
        }
    }
}

struct Shared {
    config: DispatcherConfig,
    store: Mutex<Store>,
    stop: AtomicBool,
    wake: Notify,
    /// Attempts sent and not yet recorded, and when each went out: a shutdown that
    /// cannot wait for their answers logs them.
    sending: Mutex<HashMap<MessageId, (Lease, i64)>>,
}

pub struct Dispatcher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// Clears leases left by dead processes and starts sending on `runtime`.
    pub fn start(
        config: DispatcherConfig,
        runtime: tokio::runtime::Handle,
    ) -> Result<Self, WebhookError> {
        let store = Store::open(&config.home.database_path())?;
        // Nothing is in flight in a dispatcher that is just starting, so leases in this
        // process's name are left over too (an earlier engine here, or a reused pid).
        let released = store.release_leases(true)?;
        if released > 0 {
            tracing::info!(
                released,
                "deliveries interrupted by a previous run will be sent again"
            );
        }
        let shared = Arc::new(Shared {
            config,
            store: Mutex::new(store),
            stop: AtomicBool::new(false),
            wake: Notify::new(),
            sending: Mutex::new(HashMap::new()),
        });
        let sender = Sender::new()?;
        let loop_shared = shared.clone();
        // The loop runs on the engine's runtime; this thread only waits for it, so that
        // shutdown can join it from any (non-async) thread.
        let thread = std::thread::Builder::new()
            .name("webhook-dispatcher".into())
            .spawn(move || runtime.block_on(dispatch_loop(loop_shared, sender)))
            .map_err(WebhookError::Start)?;
        tracing::info!("webhook dispatcher started");
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// A handle that makes the dispatcher look for due messages now (a job just finished
    /// in this process, a message was replayed).
    pub fn waker(&self) -> impl Fn() + Send + Sync + 'static {
        let shared = Arc::downgrade(&self.shared);
        move || {
            if let Some(shared) = shared.upgrade() {
                shared.wake.notify_one();
            }
        }
    }

    /// Stops sending: attempts in flight get the grace period to be answered and
    /// recorded; those still waiting then are logged as interrupted and their messages
    /// released, so the next start sends them again.
    pub fn shutdown(mut self) {
        self.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        tracing::info!("webhook dispatcher stopped");
    }

    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a store call off the async threads.
async fn with_store<T, E>(
    shared: &Arc<Shared>,
    call: impl FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
) -> Result<T, WebhookError>
where
    T: Send + 'static,
    E: Into<WebhookError> + Send + 'static,
{
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = shared.store.lock().unwrap_or_else(|e| e.into_inner());
        call(&mut store).map_err(Into::into)
    })
    .await
    .map_err(|join| WebhookError::Task(join.to_string()))?
}

async fn dispatch_loop(shared: Arc<Shared>, sender: Sender) {
    let mut in_flight = JoinSet::new();
    let mut pruned_at: Option<Instant> = None;
    while !shared.stop.load(Ordering::SeqCst) {
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(Instant::now());
            prune(&shared).await;
        }
        // The database version is read before the claim, so anything another
        // connection commits after it counts as news for the wait below.
        let round = with_store(&shared, |store| {
            let version = store.data_version()?;
            let claims = store.claim_due(now_ms())?;
            let next_due = store.next_due(now_ms())?;
            Ok::<_, StoreError>((version, claims, next_due))
        })
        .await;
        let (version, next_due) = match round {
            Ok((version, leases, next_due)) => {
                for claim in leases.into_iter().filter_map(read_claim) {
                    in_flight.spawn(deliver(shared.clone(), sender.clone(), claim));
                }
                (Some(version), next_due)
            }
            Err(error) => {
                tracing::error!(%error, "cannot read the webhook outbox");
                (None, None)
            }
        };
        let wait = next_due
            .map(|due| Duration::from_millis((due - now_ms()).max(0) as u64))
            .unwrap_or(shared.config.poll_interval)
            .min(shared.config.poll_interval);
        tokio::select! {
            _ = shared.wake.notified() => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = written_elsewhere(&shared, version) => {}
        }
    }
    // Each slot stops after its current attempt: give the answers a moment to come.
    let grace = tokio::time::sleep(shared.config.shutdown_grace);
    tokio::pin!(grace);
    while !in_flight.is_empty() {
        tokio::select! {
            _ = in_flight.join_next() => {}
            _ = &mut grace => break,
        }
    }
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
    log_interrupted(&shared).await;
    match with_store(&shared, |store| store.release_leases(true)).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(
            released,
            "deliveries in flight will be sent at the next start"
        ),
        Err(error) => tracing::warn!(%error, "cannot release deliveries in flight"),
    }
}

/// Returns once another connection (the queue, a CLI replay, another process) has
/// committed to the database since `seen` was read; never returns if the check fails
/// (or there is no `seen`).
async fn written_elsewhere(shared: &Arc<Shared>, seen: Option<i64>) {
    let Some(start) = seen else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(shared.config.change_check).await;
        match with_store(shared, |store| store.data_version()).await {
            Ok(now) if now != start => return,
            Ok(_) => {}
            Err(_) => return std::future::pending().await,
        }
    }
}

async fn prune(shared: &Arc<Shared>) {
    let result = with_store(shared, |store| {
        let config = DeliveryConfig::read(store)?;
        let before = |keep: Duration| now_ms() - keep.as_millis() as i64;
        store.prune_deliveries(before(config.retention), before(config.failed_retention))
    })
    .await;
    match result {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "old webhook messages pruned from the log"),
        Err(error) => tracing::warn!(%error, "cannot prune the delivery log"),
    }
}

/// A lease with its endpoint read; a damaged endpoint row is reported and skipped (its
/// lease runs out and the message is tried again later).
fn read_claim(lease: Lease) -> Option<Claim> {
    match Claim::new(lease) {
        Ok(claim) => Some(claim),
        Err(error) => {
            tracing::error!(%error, "cannot send a webhook message");
            None
        }
    }
}

/// A sending slot: delivers `claim`, then whatever due message of the same endpoint
/// was leased with its record, until there is none (or the dispatcher stops).
async fn deliver(shared: Arc<Shared>, sender: Sender, claim: Claim) {
    let mut next = Some(claim);
    while let Some(claim) = next.take() {
        // (`message` is tracing's name for an event's text, so the id is `delivery`.)
        let span = tracing::info_span!(
            "delivery",
            delivery = claim.message_id(),
            endpoint = claim.endpoint.id,
            job = claim.lease.message.job_id
        );
        next = attempt_and_record(&shared, &sender, claim)
            .instrument(span)
            .await;
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
    }
    // The loop learns that this slot is free from its JoinSet.
}

/// Logs the attempts a shutdown cut off before their answers came (the request may
/// have reached the receiver: the log must say it went out).
async fn log_interrupted(shared: &Arc<Shared>) {
    let cut: Vec<(Lease, i64)> = shared
        .sending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain()
        .map(|(_, sent)| sent)
        .collect();
    for (lease, attempted_at) in cut {
        let attempt = NewAttempt {
            url: lease.endpoint.fields.url.clone(),
            attempted_at,
            duration_ms: now_ms() - attempted_at,
            request_headers: Vec::new(),
            response_status: None,
            response_headers: Vec::new(),
            response_body: None,
            error_kind: Some(ErrorKind::Interrupted.as_str().to_string()),
            error: Some(
                "Hookscribe stopped before the answer came; the message is sent again at the next start"
                    .into(),
            ),
        };
        let id = lease.message.id;
        match with_store(shared, move |store| {
            store.record_interrupted(&lease, &attempt)
        })
        .await
        {
            Ok(()) => tracing::info!(
                delivery = id,
                "attempt interrupted by the shutdown; the message is sent again at the next start"
            ),
            Err(error) => {
                tracing::warn!(delivery = id, %error, "cannot log an interrupted attempt")
            }
        }
    }
}

/// One attempt, logged and recorded; returns the endpoint's next leased message.
async fn attempt_and_record(shared: &Arc<Shared>, sender: &Sender, claim: Claim) -> Option<Claim> {
    let id = claim.message_id();
    shared
        .sending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, (claim.lease.clone(), now_ms()));
    let result = sender.attempt(&claim).await;
    let continue_slot = !shared.stop.load(Ordering::SeqCst);
    let recorded = record(shared, claim.clone(), result.clone(), continue_slot).await;
    shared
        .sending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id);
    let (step, recorded) = match recorded {
        Ok(recorded) => recorded,
        Err(error) => {
            tracing::error!(%error, "cannot record the delivery attempt; it will be sent again");
            return None;
        }
    };
    if recorded.stale {
        tracing::warn!(
            "the answer came after the message was leased again; it is logged, and the newer attempt decides"
        );
    }
    report(&claim, &result, &step);
    (shared.config.on_event)(DeliveryEvent::Attempted {
        message: claim.message_id(),
        endpoint: claim.endpoint.id,
        job: claim.lease.message.job_id,
        status: recorded.status,
        response_status: result.record.response_status,
        summary: result.summary.clone(),
    });
    if let Some(reason) = recorded.disabled {
        tracing::warn!(url = %claim.endpoint.settings.url, %reason, "webhook endpoint disabled; its new messages are held until it is enabled again (`hookscribe webhooks enable {}`)", claim.endpoint.id);
        (shared.config.on_event)(DeliveryEvent::EndpointDisabled {
            endpoint: claim.endpoint.id,
            url: claim.endpoint.settings.url.clone(),
            reason,
        });
    }
    recorded.next.and_then(read_claim)
}

/// Decides where the message goes and records the attempt (leasing the endpoint's next
/// due message with `then_claim`).
async fn record(
    shared: &Arc<Shared>,
    claim: Claim,
    result: AttemptResult,
    then_claim: bool,
) -> Result<(NextStep, Recorded), WebhookError> {
    with_store(shared, move |store| {
        let config = DeliveryConfig::read(store)?;
        record_with(
            store,
            &claim,
            &result,
            &config.schedule,
            &config,
            then_claim,
        )
    })
    .await
}

/// Records one attempt with the policy's decision; returns the step taken.
fn record_with(
    store: &mut Store,
    claim: &Claim,
    result: &AttemptResult,
    schedule: &RetrySchedule,
    config: &DeliveryConfig,
    then_claim: bool,
) -> Result<(NextStep, Recorded), StoreError> {
    let now = now_ms();
    let step = policy::next_step(
        claim.lease.message.attempts,
        &result.verdict,
        &result.summary,
        schedule,
        now,
    );
    let error = result.record.error.clone();
    let recorded = store.record_attempt(
        &claim.lease,
        &result.record,
        |health| policy::decide(&step, error.as_deref(), health, config.disable, now),
        then_claim,
    )?;
    Ok((step, recorded))
}

fn report(claim: &Claim, result: &AttemptResult, step: &NextStep) {
    let attempt = claim.lease.message.attempts + 1;
    let ms = result.record.duration_ms;
    match step {
        NextStep::Delivered => {
            tracing::info!(attempt, ms, summary = %result.summary, "webhook delivered")
        }
        NextStep::RetryAt(at) => {
            let wait = Duration::from_secs(((at - now_ms()).max(0) / 1000) as u64);
            tracing::warn!(attempt, ms, summary = %result.summary, retry_in = %humantime::format_duration(wait), "webhook attempt failed; will retry")
        }
        NextStep::Failed(reason) | NextStep::FailedAndDisable(reason) => {
            tracing::warn!(attempt, ms, %reason, "webhook delivery failed (kept in the log; `hookscribe deliveries replay {}` sends it again)", claim.message_id())
        }
    }
}

/// Sends one message now, outside any dispatcher (`webhooks test`): a single attempt,
/// no retries. Returns the attempt and the message's status after it.
pub async fn send_once(
    store: &mut Store,
    message: MessageId,
) -> Result<(AttemptResult, MessageStatus), WebhookError> {
    let claim = Claim::new(store.claim_now(message)?)?;
    let sender = Sender::new()?;
    let result = sender.attempt(&claim).await;
    let config = DeliveryConfig::read(store)?;
    let (_, recorded) = record_with(
        store,
        &claim,
        &result,
        &RetrySchedule::none(),
        &config,
        false,
    )?;
    Ok((result, recorded.status))
}
