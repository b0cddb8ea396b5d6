//! The parts that work while nobody asks: the queue (with its worker subprocesses), the
//! folder watcher and the webhook dispatcher, wired to each other and to the event
//! stream. Started by `Engine::start`, stopped in order by `Engine::shutdown`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::jobs::JobView;
use super::{Engine, EngineError, EngineEvent};
use crate::jobs::{JobEvent, Runner, RunnerConfig};
use crate::watch::{FolderEvent, FolderWatcher, WatchSinks};
use crate::webhooks::{Dispatcher, DispatcherConfig};

/// How the background parts run.
#[derive(Debug, Clone)]
pub struct BackgroundConfig {
    /// The binary that serves `… worker` (this program, normally).
    pub worker_program: PathBuf,
    /// Jobs transcribed at once; `None` reads the `concurrency` setting.
    pub concurrency: Option<usize>,
    /// How often an idle queue looks for jobs other processes added.
    pub queue_poll: Duration,
}

impl BackgroundConfig {
    pub fn new(worker_program: PathBuf) -> Self {
        Self {
            worker_program,
            concurrency: None,
            queue_poll: Duration::from_millis(500),
        }
    }

    /// Workers are this very program.
    pub fn this_program() -> Result<Self, EngineError> {
        Ok(Self::new(Engine::current_program()?))
    }
}

pub(super) struct Background {
    runner: Runner,
    watcher: FolderWatcher,
    dispatcher: Dispatcher,
    wake_queue: Box<dyn Fn() + Send + Sync>,
    wake_dispatcher: Arc<dyn Fn() + Send + Sync>,
}

impl Background {
    pub(super) fn start(engine: &Engine, config: BackgroundConfig) -> Result<Self, EngineError> {
        let home = engine.home().clone();
        let events = engine.inner.events.clone();

        let mut dispatch = DispatcherConfig::new(home.clone());
        let sink = events.clone();
        dispatch.on_event = Arc::new(move |event| sink.send(event));
        let dispatcher = Dispatcher::start(dispatch, engine.runtime().handle().clone())?;
        let wake_dispatcher: Arc<dyn Fn() + Send + Sync> = Arc::new(dispatcher.waker());

        let mut queue = RunnerConfig::new(home.clone(), config.worker_program);
        queue.concurrency = config.concurrency;
        queue.poll_interval = config.queue_poll;
        let sink = events.clone();
        let wake = wake_dispatcher.clone();
        queue.on_event = Arc::new(move |event: JobEvent| {
            // A finished job's messages are in the outbox now: send them at once.
            if matches!(event, JobEvent::Completed { .. } | JobEvent::Failed { .. }) {
                wake();
            }
            sink.send(event);
        });
        let runner = match Runner::start(queue) {
            Ok(runner) => runner,
            Err(error) => {
                dispatcher.shutdown();
                return Err(EngineError::internal(error.to_string()));
            }
        };

        let wake_runner = runner.waker();
        let queued_sink = events.clone();
        let status_sink = events;
        let sinks = WatchSinks {
            queued: Arc::new(move |job| {
                queued_sink.send(EngineEvent::JobQueued {
                    job: Box::new(JobView::from(job)),
                });
            }),
            committed: Arc::new(wake_runner),
            status: Arc::new(move |event: FolderEvent| status_sink.send(event)),
        };
        let watcher = match FolderWatcher::start(home, sinks) {
            Ok(watcher) => watcher,
            Err(error) => {
                runner.shutdown();
                dispatcher.shutdown();
                return Err(EngineError::internal(format!(
                    "cannot start watching folders: {error}"
                )));
            }
        };
        Ok(Self {
            wake_queue: Box::new(runner.waker()),
            runner,
            watcher,
            dispatcher,
            wake_dispatcher,
        })
    }

    pub(super) fn wake_queue(&self) {
        (self.wake_queue)();
    }

    pub(super) fn wake_dispatcher(&self) {
        (self.wake_dispatcher)();
    }

    pub(super) fn folder_status(&self) -> HashMap<i64, FolderEvent> {
        self.watcher.status()
    }

    /// The watcher first (no new jobs), then the queue (running jobs go back to it), then
    /// the dispatcher (so the last jobs' messages had their chance to start).
    pub(super) fn stop(self) {
        self.watcher.stop();
        self.runner.shutdown();
        self.dispatcher.shutdown();
    }
}
