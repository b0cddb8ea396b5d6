//! Argument parsing and dispatch. Each command prints human text, or JSON on stdout with
//! `--json`; errors go to stderr (see `main`).

mod config;
mod deliveries;
mod folders;
mod jobs;
mod models;
mod transcribe;
mod webhooks;

use anyhow::Result;
use clap::{Parser, Subcommand};
use hookscribe::home::Home;
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
        matches!(self.command, Command::Run)
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
    Run,
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
        return Ok(hookscribe::jobs::worker_process::serve()?);
    }
    let home = Home::from_env()?;
    match cli.command {
        Command::Info { json } => info(&home, json),
        Command::Models(command) => models::run(&home, command),
        Command::Transcribe(args) => transcribe::run(&home, args),
        Command::Config(command) => config::run(&home, command),
        Command::Worker => Ok(()),
        Command::Run => jobs::daemon(&home),
        Command::Jobs(command) => jobs::run(&home, command),
        Command::Folders(command) => folders::run(&home, command),
        Command::Webhooks(command) => webhooks::run(&home, command),
        Command::Deliveries(command) => deliveries::run(&home, command),
        Command::Search { text, limit, json } => jobs::search(&home, &text, limit, json),
    }
}

fn info(home: &Home, json: bool) -> Result<()> {
    let status = hookscribe::engine_status(home)?;
    if json {
        return print_json(&status);
    }
    println!("Hookscribe {}", status.version);
    println!("data directory: {}", status.home.display());
    let state = if status.default_model_installed {
        "installed"
    } else {
        "not installed"
    };
    println!("default model:  {} ({state})", status.default_model);
    let webhooks = hookscribe::store::Store::open(&home.database_path())?.delivery_summary()?;
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
