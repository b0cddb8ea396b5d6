//! The dispatcher: leases due messages from the outbox and sends them, each endpoint
//! with at most its `max_concurrency` requests in flight, so a slow endpoint never holds
//! up another. `hookscribe run` and the desktop app embed it.
//!
//! Everything is in SQLite first: a message is leased before it is sent and its attempt
//! is logged in the same transaction that schedules the next one. A process killed
//! mid-attempt leaves a lease that the next start clears (its owner is dead), so the
//! message is sent again: at least once, never lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, Notify};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::policy::{random_unit, RetrySchedule, Verdict};
use super::sender::{AttemptResult, Sender};
use super::WebhookError;
use crate::home::Home;
use crate::jobs::JobEvent;
use crate::settings::Settings;
use crate::store::jobs::{now_ms, JobId};
use crate::store::webhooks::{
    Claim, DeliveryStatus, DisablePolicy, EndpointId, MessageId, NextStep, Recorded,
};
use crate::store::{Store, StoreError};

/// An endpoint is disabled automatically only after at least this many failures in a
/// row (and `webhooks.disable_after` without a success).
const DISABLE_MIN_FAILURES: i64 = 10;
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
        status: DeliveryStatus,
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

#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    pub home: Home,
    /// How often to check whether another process wrote to the database (cheap: one
    /// `PRAGMA data_version`); the outbox is read again only when it did.
    pub change_check: Duration,
    /// The longest the dispatcher sleeps without reading the outbox (leases of other
    /// processes running out, clock changes).
    pub poll_interval: Duration,
}

impl DispatcherConfig {
    pub fn new(home: Home) -> Self {
        Self {
            home,
            change_check: Duration::from_millis(50),
            poll_interval: Duration::from_secs(2),
        }
    }
}

struct Shared {
    config: DispatcherConfig,
    store: Mutex<Store>,
    stop: AtomicBool,
    wake: Notify,
    events: broadcast::Sender<DeliveryEvent>,
}

pub struct Dispatcher {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    thread: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// Clears leases left by dead processes and starts sending.
    pub fn start(config: DispatcherConfig) -> Result<Self, WebhookError> {
        let store = Store::open(&config.home.database_path())?;
        let released = store.release_leases(false)?;
        if released > 0 {
            tracing::info!(
                released,
                "deliveries interrupted by a previous run will be sent again"
            );
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("webhooks")
            .enable_all()
            .build()
            .map_err(WebhookError::Start)?;
        let handle = runtime.handle().clone();
        let (events, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            config,
            store: Mutex::new(store),
            stop: AtomicBool::new(false),
            wake: Notify::new(),
            events,
        });
        let sender = Sender::new()?;
        let loop_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("webhook-dispatcher".into())
            .spawn(move || runtime.block_on(dispatch_loop(loop_shared, sender)))
            .map_err(WebhookError::Start)?;
        tracing::info!("webhook dispatcher started");
        Ok(Self {
            shared,
            runtime: handle,
            thread: Some(thread),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeliveryEvent> {
        self.shared.events.subscribe()
    }

    /// Looks for due messages now (a job just finished in this process).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// Wakes the dispatcher whenever the queue finishes a job, so its messages go out
    /// at once instead of at the next poll.
    pub fn follow(&self, mut jobs: broadcast::Receiver<JobEvent>) {
        let shared = self.shared.clone();
        self.runtime.spawn(async move {
            loop {
                match jobs.recv().await {
                    Ok(JobEvent::Completed { .. } | JobEvent::Failed { .. }) => {
                        shared.wake.notify_one()
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => shared.wake.notify_one(),
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    /// Stops sending; attempts in flight are abandoned and their messages released, so
    /// the next start sends them again.
    pub fn shutdown(mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        tracing::info!("webhook dispatcher stopped");
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
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
            Ok((version, claims, next_due)) => {
                for claim in claims {
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
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
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
        let retention = Settings::new(store).duration("webhooks.retention")?;
        let removed = store.prune_deliveries(now_ms() - retention.as_millis() as i64)?;
        Ok::<_, WebhookError>(removed)
    })
    .await;
    match result {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "old delivered webhooks pruned from the log"),
        Err(error) => tracing::warn!(%error, "cannot prune the delivery log"),
    }
}

/// The retry schedule and auto-disable policy, as set now.
fn policy(store: &Store) -> (RetrySchedule, DisablePolicy) {
    let settings = Settings::new(store);
    let schedule = settings.retry_schedule().unwrap_or_default();
    let after = settings
        .duration("webhooks.disable_after")
        .unwrap_or(Duration::from_secs(5 * 86_400));
    (
        schedule,
        DisablePolicy {
            after,
            min_failures: DISABLE_MIN_FAILURES,
        },
    )
}

/// A sending slot: delivers `claim`, then whatever due message of the same endpoint
/// was leased with its record, until there is none (or the dispatcher stops).
async fn deliver(shared: Arc<Shared>, sender: Sender, claim: Claim) {
    let mut next = Some(claim);
    while let Some(claim) = next.take() {
        // (`message` is tracing's name for an event's text, so the id is `delivery`.)
        let span = tracing::info_span!(
            "delivery",
            delivery = claim.message.id,
            endpoint = claim.endpoint.id,
            job = claim.message.job_id
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

/// One attempt, logged and recorded; returns the endpoint's next leased message.
async fn attempt_and_record(shared: &Arc<Shared>, sender: &Sender, claim: Claim) -> Option<Claim> {
    let result = sender.attempt(&claim).await;
    let continue_slot = !shared.stop.load(Ordering::SeqCst);
    let (step, recorded) = match record(shared, claim.clone(), result.clone(), continue_slot).await
    {
        Ok(recorded) => recorded,
        Err(error) => {
            tracing::error!(%error, "cannot record the delivery attempt; it will be sent again");
            return None;
        }
    };
    report(&claim, &result, &step);
    let status = match step {
        NextStep::Delivered => DeliveryStatus::Delivered,
        NextStep::RetryAt(_) => DeliveryStatus::Pending,
        _ => DeliveryStatus::Failed,
    };
    let _ = shared.events.send(DeliveryEvent::Attempted {
        message: claim.message.id,
        endpoint: claim.endpoint.id,
        job: claim.message.job_id,
        status,
        response_status: result.record.response_status,
        summary: result.summary.clone(),
    });
    if let Some(reason) = recorded.disabled {
        tracing::warn!(url = %claim.endpoint.settings.url, %reason, "webhook endpoint disabled; its new messages are held until it is enabled again (`hookscribe webhooks enable {}`)", claim.endpoint.id);
        let _ = shared.events.send(DeliveryEvent::EndpointDisabled {
            endpoint: claim.endpoint.id,
            url: claim.endpoint.settings.url.clone(),
            reason,
        });
    }
    recorded.next
}

/// Decides the next step and records the attempt (leasing the endpoint's next due
/// message with `then_claim`).
async fn record(
    shared: &Arc<Shared>,
    claim: Claim,
    result: AttemptResult,
    then_claim: bool,
) -> Result<(NextStep, Recorded), WebhookError> {
    with_store(shared, move |store| {
        let (schedule, disable) = policy(store);
        let step = next_step(&claim, &result, &schedule, now_ms());
        let recorded = store.record_attempt(&claim, &result.record, &step, disable, then_claim)?;
        Ok::<_, StoreError>((step, recorded))
    })
    .await
}

/// Where a message goes after an attempt with this result.
pub fn next_step(
    claim: &Claim,
    result: &AttemptResult,
    schedule: &RetrySchedule,
    now: i64,
) -> NextStep {
    let attempts = claim.message.attempts as u32 + 1;
    match &result.verdict {
        Verdict::Delivered => NextStep::Delivered,
        Verdict::Gone => NextStep::FailedAndDisable(format!(
            "{}: the receiver says this endpoint is gone for good",
            result.summary
        )),
        Verdict::Final => NextStep::Failed(result.summary.clone()),
        Verdict::Retry { after } => match schedule.next_delay(attempts, random_unit()) {
            Some(delay) => {
                let delay = after.unwrap_or(delay);
                NextStep::RetryAt(now + delay.as_millis() as i64)
            }
            None => NextStep::Failed(format!(
                "{}; gave up after {attempts} attempt{}",
                result.summary,
                if attempts == 1 { "" } else { "s" }
            )),
        },
    }
}

fn report(claim: &Claim, result: &AttemptResult, step: &NextStep) {
    let attempt = claim.message.attempts + 1;
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
            tracing::warn!(attempt, ms, %reason, "webhook delivery failed (kept in the log; `hookscribe deliveries replay {}` sends it again)", claim.message.id)
        }
    }
}

/// Sends one message now, outside any dispatcher (`webhooks test`): a single attempt,
/// no retries. Returns the attempt and where the message ended up.
pub async fn send_once(
    store: &mut Store,
    message: MessageId,
) -> Result<(AttemptResult, NextStep), WebhookError> {
    let claim = store.claim_now(message)?;
    let sender = Sender::new()?;
    let result = sender.attempt(&claim).await;
    let (_, disable) = policy(store);
    let step = next_step(&claim, &result, &RetrySchedule::none(), now_ms());
    store.record_attempt(&claim, &result.record, &step, disable, false)?;
    Ok((result, step))
}
