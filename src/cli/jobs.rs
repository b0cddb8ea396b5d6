//! `hookscribe jobs …` and `hookscribe search`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use hookscribe::engine::{
    parse_status, AddJobs, Engine, ExportFormat, JobQuery, JobStatus, JobView, JobWebhook,
    SearchQuery,
};

use super::print_json;
use super::transcribe::RecordingArgs;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Queue files (or every recording in a folder) for `hookscribe run` or the app
    Add {
        #[command(flatten)]
        recordings: RecordingArgs,
        /// Also queue recordings in subfolders of the folders given
        #[arg(long)]
        recursive: bool,
        /// A JSON object carried into the job's webhooks (at most 4 KB)
        #[arg(long)]
        metadata: Option<String>,
        /// Notify only these configured endpoints (ids from `webhooks list`)
        #[arg(long = "endpoint", value_name = "ID", conflicts_with = "webhook_url")]
        endpoints: Vec<i64>,
        /// Also send the jobs' webhooks to this URL of their own, retried like an
        /// endpoint's; its signing secret is made and printed unless given on stdin
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
        /// Read the `whsec_` secret for --webhook-url from standard input
        #[arg(long, requires = "webhook_url")]
        webhook_secret_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Jobs, newest first
    List {
        #[arg(long, value_parser = parse_status)]
        status: Option<JobStatus>,
        /// Only jobs from this watched folder
        #[arg(long)]
        folder: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long)]
        json: bool,
    },
    /// One job, with its transcript when it has one
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// A job's transcript as txt, srt, vtt or json (to stdout, or a file)
    Export {
        id: i64,
        #[arg(long, short, default_value = "txt")]
        format: ExportFormat,
        /// Write it here instead of printing it
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Stop a queued or running job
    Cancel { id: i64 },
    /// Queue a failed or cancelled job again
    Retry { id: i64 },
    /// Send a finished job's webhook again to every endpoint subscribed now
    Resend {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Delete a job, its transcript and the files it wrote
    Delete { id: i64 },
}

pub fn run(engine: &Engine, command: JobsCommand) -> Result<()> {
    let jobs = engine.jobs();
    match command {
        JobsCommand::Add {
            recordings,
            recursive,
            metadata,
            endpoints,
            webhook_url,
            webhook_secret_stdin,
            json,
        } => {
            let metadata = super::parse_metadata(metadata)?;
            let webhook = match (webhook_url, endpoints.is_empty()) {
                (Some(url), _) => Some(JobWebhook::Url {
                    url,
                    secret: webhook_secret_stdin
                        .then(super::webhooks::read_secret)
                        .transpose()?,
                }),
                (None, false) => Some(JobWebhook::Endpoints { ids: endpoints }),
                (None, true) => None,
            };
            let added = jobs.add_with(&AddJobs {
                paths: recordings.files.clone(),
                recursive,
                options: recordings.options(),
                metadata,
                webhook,
            })?;
            let queued = added.jobs;
            if json {
                let ids: Vec<i64> = queued.iter().map(|j| j.id).collect();
                return print_json(&serde_json::json!({
                    "queued": ids, "jobs": queued, "webhook_secret": added.new_secret
                }));
            }
            if let Some(secret) = &added.new_secret {
                println!("webhook signing secret (shown once): {secret}");
            }
            for job in queued {
                println!("queued job {}: {}", job.id, job.path);
            }
        }
        JobsCommand::List {
            status,
            folder,
            limit,
            offset,
            json,
        } => {
            let page = jobs.list(&JobQuery {
                status,
                folder,
                limit: Some(limit),
                offset: Some(offset),
                ..JobQuery::default()
            })?;
            if json {
                return print_json(&page);
            }
            if page.total == 0 {
                eprintln!("no jobs; queue one with `hookscribe jobs add FILE`");
            }
            for job in &page.items {
                println!("{:>6}  {:<10} {}", job.id, describe(job), job.path);
            }
            let shown = page.offset + page.items.len();
            if (shown as i64) < page.total {
                eprintln!(
                    "{shown} of {} jobs shown; `--offset {shown}` shows the next",
                    page.total
                );
            }
        }
        JobsCommand::Show { id, json } => {
            let detail = jobs.show(id)?;
            if json {
                return print_json(&detail);
            }
            let job = &detail.job;
            println!("job {}: {}", job.id, describe(job));
            println!("file: {}", job.path);
            if let Some(error) = &job.error {
                println!("error: {error}");
            }
            if let Some(original) = job.duplicate_of {
                println!("same content as job {original}; its transcript is reused");
            }
            for output in &detail.outputs {
                println!("wrote: {output}");
            }
            for delivery in detail.deliveries.iter().rev() {
                println!(
                    "webhook {} to endpoint {}: {} after {} attempt(s) (`hookscribe deliveries show {}`)",
                    delivery.event,
                    delivery.endpoint_id,
                    delivery.status,
                    delivery.attempts,
                    delivery.id
                );
            }
            if let Some(transcript) = &detail.transcript {
                println!("\n{}", transcript.text);
            }
        }
        JobsCommand::Export { id, format, output } => match output {
            Some(path) => {
                let written = jobs.export_to(id, format, &path)?;
                eprintln!("wrote {}", written.display());
            }
            None => print!("{}", jobs.export(id, format)?),
        },
        JobsCommand::Cancel { id } => {
            jobs.cancel(id)?;
            println!("job {id} cancelled");
        }
        JobsCommand::Retry { id } => {
            jobs.retry(id)?;
            println!("job {id} queued again");
        }
        JobsCommand::Resend { id, json } => {
            let messages = jobs.resend(id)?;
            if json {
                return print_json(&messages);
            }
            if messages.is_empty() {
                println!("no endpoint is subscribed to job {id}'s event");
            }
            for message in &messages {
                println!(
                    "delivery {} ({}) to endpoint {} is {}",
                    message.id, message.event, message.endpoint_id, message.status
                );
            }
        }
        JobsCommand::Delete { id } => {
            let deleted = jobs.delete(id)?;
            for path in &deleted.removed {
                println!("removed {path}");
            }
            for (path, error) in &deleted.not_removed {
                eprintln!("warning: cannot remove {path}: {error}");
            }
            println!("job {id} deleted ({})", deleted.job.path);
        }
    }
    Ok(())
}

fn describe(job: &JobView) -> String {
    match (job.status, job.stage) {
        (JobStatus::Running, Some(stage)) => format!("{} {}%", stage.as_str(), job.progress),
        (status, _) => status.as_str().to_string(),
    }
}

pub fn search(engine: &Engine, text: &str, limit: usize, json: bool) -> Result<()> {
    let page = engine.jobs().search(&SearchQuery {
        text: text.to_string(),
        limit: Some(limit),
        ..SearchQuery::default()
    })?;
    if json {
        return print_json(&page.items);
    }
    if page.items.is_empty() {
        eprintln!("no transcript mentions {text:?}");
    }
    for hit in &page.items {
        let job = hit.job_id.map(|id| format!("job {id}")).unwrap_or_default();
        println!(
            "{job}  {}\n    {}",
            hit.path.as_deref().unwrap_or_default(),
            hit.bracketed()
        );
    }
    Ok(())
}
