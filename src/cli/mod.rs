//! Argument parsing and dispatch. Each command is a thin adapter over the engine's
//! services: it turns flags into a request, calls the service, and prints the view as
//! human text, or as JSON on stdout with `--json`. Errors go to stderr (see `main`), with
//! a hint naming the command that helps.

mod api;
mod config;
mod deliveries;
mod folders;
mod jobs;
mod models;
mod transcribe;
mod webhooks;

use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};
use hookscribe::engine::{
    now_ms, parse_rfc3339_ms, BackgroundConfig, Engine, EngineError, ErrorKind, Subject,
};
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(
    name = "hookscribe",
    version,
    about = "Local Whisper transcription with signed, durable webhooks"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Long-running commands log their progress by default.
    pub fn is_daemon(&self) -> bool {
        matches!(self.command, Command::Run { .. })
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the version, data directory and default model
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Transcribe audio or video files
    Transcribe(transcribe::TranscribeArgs),
    /// Process the job queue headless until stopped (SIGINT/SIGTERM)
    Run {
        /// Serve the local HTTP API too, whatever the `api.enabled` setting says
        #[arg(long)]
        api: bool,
    },
    /// The local HTTP API: its address and token
    #[command(subcommand)]
    Api(api::ApiCommand),
    /// Watch folders for new recordings
    #[command(subcommand)]
    Folders(folders::FoldersCommand),
    /// Queue files and manage jobs
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Full-text search over transcripts
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Serve transcription requests on stdin/stdout (started by the queue, not by hand)
    #[command(hide = true)]
    Worker,
    /// Webhook endpoints: add, test, rotate secrets, enable and disable
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// The webhook delivery log: every message and attempt; replays
    #[command(subcommand)]
    Deliveries(deliveries::DeliveriesCommand),
    /// Read and change settings (model, language, threads, …)
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// List, download, import and choose Whisper models
    #[command(subcommand)]
    Models(models::ModelsCommand),
}

/// Logs go to stderr; `HOOKSCRIBE_LOG` (or `RUST_LOG`) sets the filter, default `warn`
/// (`info` for the daemon).
pub fn init_logging(daemon: bool) {
    let default = if daemon {
        "info,whisper_rs=warn"
    } else {
        "warn"
    };
    let filter = std::env::var("HOOKSCRIBE_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub fn run(cli: Cli) -> Result<()> {
    if let Command::Worker = cli.command {
        // The worker needs no data folder: every request names its files.
        return Ok(hookscribe::engine::serve_worker()?);
    }
    let engine = Engine::open_default()?;
    match cli.command {
        Command::Info { json } => info(&engine, json),
        Command::Models(command) => models::run(&engine, command),
        Command::Transcribe(args) => transcribe::run(&engine, args),
        Command::Config(command) => config::run(&engine, command),
        Command::Worker => Ok(()),
        Command::Run { api } => daemon(&engine, api),
        Command::Api(command) => api::run(&engine, command),
        Command::Jobs(command) => jobs::run(&engine, command),
        Command::Folders(command) => folders::run(&engine, command),
        Command::Webhooks(command) => webhooks::run(&engine, command),
        Command::Deliveries(command) => deliveries::run(&engine, command),
        Command::Search { text, limit, json } => jobs::search(&engine, &text, limit, json),
    }
}

/// The message for an error, with the command that helps where one does.
pub fn explain(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    match error.downcast_ref::<EngineError>().and_then(hint) {
        Some(hint) => format!("{text}; {hint}"),
        None => text,
    }
}

/// What to run next, by what the error is about.
fn hint(error: &EngineError) -> Option<String> {
    let subject = error.subject.as_ref()?;
    let hint = match (error.kind, subject) {
        (ErrorKind::NotFound, Subject::Job(_)) => "see `hookscribe jobs list`".to_string(),
        (ErrorKind::NotFound, Subject::Endpoint(_)) => "see `hookscribe webhooks list`".to_string(),
        (ErrorKind::NotFound, Subject::Delivery(_)) => {
            "see `hookscribe deliveries list`".to_string()
        }
        (ErrorKind::NotFound, Subject::Folder(_)) => "see `hookscribe folders list`".to_string(),
        (ErrorKind::NotFound, Subject::Model(name)) if hookscribe::engine::in_catalog(name) => {
            format!(
                "run `hookscribe models download {name}` (or `hookscribe models import` offline)"
            )
        }
        (ErrorKind::NotFound, Subject::Model(_)) => "see `hookscribe models list`".to_string(),
        (ErrorKind::Conflict, Subject::Model(_)) if error.message.contains("already installed") => {
            "or pass --name".to_string()
        }
        _ => return None,
    };
    Some(hint)
}

fn info(engine: &Engine, json: bool) -> Result<()> {
    let status = engine.status()?;
    if json {
        return print_json(&status);
    }
    println!("Hookscribe {}", status.version);
    println!("data directory: {}", status.home);
    let state = if status.default_model_installed {
        "installed"
    } else {
        "not installed"
    };
    println!("default model:  {} ({state})", status.default_model);
    let webhooks = &status.webhooks;
    if webhooks.endpoints == 0 {
        println!("webhooks:       none (`hookscribe webhooks add URL`)");
    } else {
        let disabled = webhooks.endpoints - webhooks.enabled_endpoints;
        println!(
            "webhooks:       {} endpoint(s){}; {} delivered, {} pending, {} failed, {} held",
            webhooks.endpoints,
            if disabled > 0 {
                format!(" ({disabled} disabled)")
            } else {
                String::new()
            },
            webhooks.delivered,
            webhooks.pending,
            webhooks.failed,
            webhooks.held
        );
    }
    Ok(())
}

/// `hookscribe run`: the headless daemon. Processes the queue, watches folders, sends
/// webhooks and serves the local API (when enabled, or with `--api`) until SIGINT or
/// SIGTERM.
fn daemon(engine: &Engine, force_api: bool) -> Result<()> {
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .map_err(|e| anyhow::anyhow!("cannot install the SIGINT/SIGTERM handler: {e}"))?;
    engine.start(BackgroundConfig::this_program()?)?;
    let mode = if force_api {
        hookscribe::api::Mode::Always
    } else {
        hookscribe::api::Mode::FromSettings
    };
    let api = hookscribe::api::Api::start(engine, mode)?;
    if let (true, hookscribe::api::ApiStatus::Failed { error }) = (force_api, api.status()) {
        engine.shutdown();
        anyhow::bail!("{error}");
    }
    tracing::info!(home = %engine.home().root().display(), "hookscribe run: waiting for jobs (Ctrl-C to stop)");
    let _ = stopped.recv();
    tracing::info!("stopping");
    api.stop();
    engine.shutdown();
    Ok(())
}

/// Runs `cancel` on the first Ctrl-C so work can stop cleanly; a second Ctrl-C exits.
pub fn on_interrupt(cancel: impl Fn() + Send + 'static) {
    let pressed = std::sync::atomic::AtomicBool::new(false);
    let result = ctrlc::set_handler(move || {
        if pressed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping… (Ctrl-C again to quit at once)");
        cancel();
    });
    if let Err(error) = result {
        tracing::debug!(%error, "no Ctrl-C handler");
    }
}

pub fn print_json(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A time as unix ms: an RFC 3339 date, or a duration meaning that long ago.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ago) = humantime::parse_duration(text) {
        return Ok(now_ms() - ago.as_millis() as i64);
    }
    parse_rfc3339_ms(text).ok_or_else(|| {
        format!("'{text}' is neither a duration (2h, 3days) nor a time (2026-11-23T10:00:00Z)")
    })
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("'{text}' is not a duration such as 15s, 2m or 24h ({e})"))
}

/// `--metadata` text as JSON (the engine checks it is a small object).
pub fn parse_metadata(text: Option<String>) -> Result<Option<serde_json::Value>> {
    text.map(|text| {
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("--metadata is not valid JSON ({e})"))
    })
    .transpose()
}

/// RFC 3339 for a unix ms time, for human output.
pub fn time(ms: i64) -> String {
    hookscribe::engine::rfc3339_ms(ms)
}
