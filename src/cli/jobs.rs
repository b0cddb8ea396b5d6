//! `hookscribe jobs …`, `hookscribe search` and `hookscribe run`.

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use hookscribe::home::Home;
use hookscribe::jobs::{Runner, RunnerConfig};
use hookscribe::store::jobs::{Job, JobOptions, JobStatus, NewJob, Origin};
use hookscribe::store::webhooks::MessageFilter;
use hookscribe::store::Store;
use hookscribe::watch::FolderWatcher;
use hookscribe::webhooks::{Dispatcher, DispatcherConfig};

use super::print_json;
use super::transcribe::RecordingArgs;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Queue files for transcription (run by `hookscribe run` or the desktop app)
    Add {
        #[command(flatten)]
        recordings: RecordingArgs,
        #[arg(long)]
        json: bool,
    },
    /// Jobs, newest first
    List {
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One job, with its transcript when it has one
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Stop a queued or running job
    Cancel { id: i64 },
    /// Queue a failed or cancelled job again
    Retry { id: i64 },
    /// Delete a job and its transcript
    Delete { id: i64 },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl From<StatusArg> for JobStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Queued => JobStatus::Queued,
            StatusArg::Running => JobStatus::Running,
            StatusArg::Completed => JobStatus::Completed,
            StatusArg::Failed => JobStatus::Failed,
            StatusArg::Cancelled => JobStatus::Cancelled,
        }
    }
}

fn open(home: &Home) -> Result<Store> {
    Ok(Store::open(&home.database_path())?)
}

pub fn run(home: &Home, command: JobsCommand) -> Result<()> {
    let mut store = open(home)?;
    match command {
        JobsCommand::Add { recordings, json } => {
            let RecordingArgs {
                files,
                model,
                language,
                translate,
                prompt,
            } = recordings;
            let options = JobOptions {
                model,
                language,
                translate,
                prompt,
            };
            let mut ids = Vec::new();
            for file in &files {
                // Check now, so a typo is reported here rather than as a failed job later.
                let path = std::fs::canonicalize(file)
                    .with_context(|| format!("cannot queue {}", file.display()))?;
                if !path.is_file() {
                    anyhow::bail!("cannot queue {}: it is not a file", file.display());
                }
                let id = store.enqueue(&NewJob {
                    source_path: path.display().to_string(),
                    origin: Origin::Manual,
                    folder_id: None,
                    options: options.clone(),
                    metadata: None,
                })?;
                ids.push(id);
                if !json {
                    println!("queued job {id}: {}", path.display());
                }
            }
            if json {
                print_json(&serde_json::json!({ "queued": ids }))?;
            }
        }
        JobsCommand::List {
            status,
            limit,
            json,
        } => {
            let jobs = store.jobs(status.map(Into::into), limit)?;
            if json {
                return print_json(&jobs);
            }
            for job in jobs {
                println!("{:>6}  {:<10} {}", job.id, describe(&job), job.source_path);
            }
        }
        JobsCommand::Show { id, json } => {
            let job = store.job(id)?;
            let transcript = match job.transcript_id {
                Some(tid) => store.transcript(tid)?,
                None => None,
            };
            let deliveries = store.messages(&MessageFilter {
                job: Some(id),
                limit: 1000,
                ..MessageFilter::default()
            })?;
            if json {
                return print_json(&serde_json::json!({
                    "job": job,
                    "transcript": transcript,
                    "deliveries": deliveries,
                }));
            }
            println!("job {}: {}", job.id, describe(&job));
            println!("file: {}", job.source_path);
            if let Some(error) = &job.error {
                println!("error: {error}");
            }
            if let Some(original) = job.duplicate_of {
                println!("same content as job {original}; its transcript is reused");
            }
            for delivery in deliveries.iter().rev() {
                println!(
                    "webhook {} to endpoint {}: {} after {} attempt(s) (`hookscribe deliveries show {}`)",
                    delivery.event,
                    delivery.endpoint_id,
                    delivery.status.as_str(),
                    delivery.attempts,
                    delivery.id
                );
            }
            if let Some(stored) = transcript {
                println!("\n{}", stored.transcript.text);
            }
        }
        JobsCommand::Cancel { id } => {
            store.cancel(id)?;
            println!("job {id} cancelled");
        }
        JobsCommand::Retry { id } => {
            store.retry(id)?;
            println!("job {id} queued again");
        }
        JobsCommand::Delete { id } => {
            let outputs = store.job_outputs(id)?;
            let job = store.delete_job(id)?;
            for output in outputs {
                match std::fs::remove_file(&output) {
                    Ok(()) => println!("removed {output}"),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => eprintln!("warning: cannot remove {output}: {e}"),
                }
            }
            println!("job {id} deleted ({})", job.source_path);
        }
    }
    Ok(())
}

fn describe(job: &Job) -> String {
    match (job.status, &job.stage) {
        (JobStatus::Running, Some(stage)) => format!("{stage} {}%", job.progress),
        (status, _) => status.as_str().to_string(),
    }
}

pub fn search(home: &Home, text: &str, limit: usize, json: bool) -> Result<()> {
    let hits = open(home)?.search(text, limit)?;
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        eprintln!("no transcript mentions {text:?}");
    }
    for hit in hits {
        let job = hit.job_id.map(|id| format!("job {id}")).unwrap_or_default();
        println!(
            "{job}  {}\n    {}",
            hit.source_path.unwrap_or_default(),
            hit.snippet
        );
    }
    Ok(())
}

/// `hookscribe run`: the headless daemon. Processes the queue until SIGINT or SIGTERM.
pub fn daemon(home: &Home) -> Result<()> {
    let program =
        std::env::current_exe().context("cannot find the hookscribe binary to start workers")?;
    let runner = Runner::start(RunnerConfig::new(home.clone(), program))?;
    let watcher = FolderWatcher::start(home.clone(), runner.waker())
        .context("cannot start watching folders")?;
    let dispatcher = Dispatcher::start(DispatcherConfig::new(home.clone()))
        .context("cannot start sending webhooks")?;
    dispatcher.follow(runner.subscribe());
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .context("cannot install the SIGINT/SIGTERM handler")?;
    tracing::info!(home = %home.root().display(), "hookscribe run: waiting for jobs (Ctrl-C to stop)");
    let _ = stopped.recv();
    tracing::info!("stopping");
    watcher.stop();
    runner.shutdown();
    dispatcher.shutdown();
    Ok(())
}
