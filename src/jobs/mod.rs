//! Running transcription jobs. whisper.cpp runs in a long-lived worker subprocess
//! (`hookscribe worker`) so that a native crash fails one job, not the app; the model
//! stays loaded in the worker between jobs.

pub mod cores;
pub mod outputs;
pub mod protocol;
pub mod runner;
pub mod worker;
pub mod worker_process;

pub use outputs::FolderJob;
pub use runner::{JobEvent, JobSink, Runner, RunnerConfig};
pub use worker::{JobRequest, Worker, WorkerError};
