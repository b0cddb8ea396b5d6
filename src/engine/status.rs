//! The engine at a glance: what the window's header and `hookscribe info` show.

use serde::Serialize;
use ts_rs::TS;

use super::{DeliverySummary, Engine, EngineError, JobStatus};

#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineStatus {
    pub version: String,
    /// The data folder.
    pub home: String,
    pub default_model: String,
    pub default_model_installed: bool,
    pub installed_models: Vec<String>,
    /// Whether the queue, the watcher and the dispatcher run in this process.
    pub running: bool,
    pub queued: i64,
    pub running_jobs: i64,
    pub failed_jobs: i64,
    pub webhooks: DeliverySummary,
}

impl Engine {
    pub fn status(&self) -> Result<EngineStatus, EngineError> {
        let models = self.models();
        let default_model = models.default_name()?;
        let installed_models = crate::models::Models::open(self.home()).installed()?;
        let counts = self.with_store(|store| store.job_counts())?;
        let count = |status: JobStatus| {
            counts
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        Ok(EngineStatus {
            version: crate::version().to_string(),
            home: self.home().root().display().to_string(),
            default_model_installed: models.is_installed(&default_model),
            default_model,
            installed_models,
            running: self.is_running(),
            queued: count(JobStatus::Queued),
            running_jobs: count(JobStatus::Running),
            failed_jobs: count(JobStatus::Failed),
            webhooks: self.deliveries().summary()?,
        })
    }
}
