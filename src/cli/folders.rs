//! `hookscribe folders …`

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use hookscribe::engine::{After, Engine, ExportFormat, FolderOptions, FolderRequest};

use super::print_json;

// Parsed once per process: the size of the biggest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum FoldersCommand {
    /// Watch a folder: every recording that lands in it is transcribed once
    Add {
        dir: PathBuf,
        /// Also watch subfolders
        #[arg(long)]
        recursive: bool,
        /// Only files matching these patterns (default: common audio and video files)
        #[arg(long = "include")]
        include: Vec<String>,
        /// Skip files matching these patterns
        #[arg(long = "exclude")]
        exclude: Vec<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        language: Option<String>,
        /// Write transcripts next to each recording in these formats (txt,srt,vtt,json)
        #[arg(long, value_delimiter = ',')]
        formats: Vec<ExportFormat>,
        /// Write the transcripts into this folder (relative to the watched folder) instead
        #[arg(long)]
        output_dir: Option<String>,
        /// Move each recording into this subfolder once transcribed
        #[arg(long)]
        move_to: Option<String>,
        /// A JSON object attached to every job from this folder (at most 4 KB)
        #[arg(long)]
        metadata: Option<String>,
        /// Scan every few seconds instead of waiting for file events (network shares)
        #[arg(long)]
        poll: bool,
        /// How long a file must stay unchanged before it counts as complete
        #[arg(long, default_value_t = 2000)]
        stable_ms: u64,
        /// Transcribe again even when the same recording was transcribed before
        #[arg(long)]
        rerun_duplicates: bool,
        /// Notify only this webhook endpoint (repeatable; default: every subscribed one)
        #[arg(long = "webhook")]
        webhooks: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// The watched folders
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop watching a folder (its jobs and transcripts stay)
    Remove { id: i64 },
    /// Stop taking new files from a folder for now
    Pause { id: i64 },
    /// Take new files from a paused folder again
    Resume { id: i64 },
}

pub fn run(engine: &Engine, command: FoldersCommand) -> Result<()> {
    let folders = engine.folders();
    match command {
        FoldersCommand::Add {
            dir,
            recursive,
            include,
            exclude,
            model,
            language,
            formats,
            output_dir,
            move_to,
            metadata,
            poll,
            stable_ms,
            rerun_duplicates,
            webhooks,
            json,
        } => {
            let metadata = super::parse_metadata(metadata)?;
            let mut options = FolderOptions {
                recursive,
                exclude,
                model,
                language,
                formats,
                output_dir,
                after: match move_to {
                    Some(sub) => After::Move(sub),
                    None => After::Leave,
                },
                metadata,
                poll,
                stable_ms,
                rerun_duplicates,
                webhooks: (!webhooks.is_empty()).then_some(webhooks),
                ..FolderOptions::default()
            };
            if !include.is_empty() {
                options.include = include;
            }
            let folder = folders.add(&FolderRequest { path: dir, options })?;
            if json {
                return print_json(&folder);
            }
            println!(
                "watching {} (folder {}); `hookscribe run` or the app transcribes what lands there",
                folder.path, folder.id
            );
        }
        FoldersCommand::List { json } => {
            let list = folders.list()?;
            if json {
                return print_json(&list);
            }
            for folder in list {
                println!(
                    "{:>4}  {:<12} {}",
                    folder.id,
                    folder.state.as_str(),
                    folder.path
                );
            }
        }
        FoldersCommand::Remove { id } => {
            folders.remove(id)?;
            println!("folder {id} is no longer watched");
        }
        FoldersCommand::Pause { id } | FoldersCommand::Resume { id } => {
            let pause = matches!(command, FoldersCommand::Pause { .. });
            folders.set_paused(id, pause)?;
            println!("folder {id} {}", if pause { "paused" } else { "resumed" });
        }
    }
    Ok(())
}
