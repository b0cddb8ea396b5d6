//! `hookscribe folders …`

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use hookscribe::export::Format;
use hookscribe::home::Home;
use hookscribe::store::folders::{After, Folder, FolderOptions};
use hookscribe::store::Store;
use hookscribe::watch::filter;
use serde::Serialize;

use super::print_json;

/// Folder metadata is carried into every job and webhook: keep it small.
const MAX_METADATA_BYTES: usize = 4096;

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
        formats: Vec<Format>,
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

#[derive(Serialize)]
struct FolderRow<'a> {
    #[serde(flatten)]
    folder: &'a Folder,
    available: bool,
}

fn relative_name(value: &str, what: &str) -> Result<String> {
    let path = std::path::Path::new(value);
    if value.is_empty()
        || path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        anyhow::bail!("{what} '{value}' must be a folder name inside the watched folder");
    }
    Ok(value.to_string())
}

pub fn run(home: &Home, command: FoldersCommand) -> Result<()> {
    let store = Store::open(&home.database_path())?;
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
            for id in &webhooks {
                store.endpoint(*id)?;
            }
            let path = std::fs::canonicalize(&dir)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
            if !path.is_dir() {
                anyhow::bail!("cannot watch {}: it is not a folder", dir.display());
            }
            let metadata = match metadata {
                Some(text) => {
                    if text.len() > MAX_METADATA_BYTES {
                        anyhow::bail!(
                            "--metadata is {} bytes; at most {MAX_METADATA_BYTES} are allowed",
                            text.len()
                        );
                    }
                    let value: serde_json::Value =
                        serde_json::from_str(&text).context("--metadata is not valid JSON")?;
                    if !value.is_object() {
                        anyhow::bail!(
                            "--metadata must be a JSON object, like {{\"team\": \"sales\"}}"
                        );
                    }
                    Some(value)
                }
                None => None,
            };
            let mut options = FolderOptions {
                recursive,
                exclude,
                model,
                language,
                formats,
                output_dir: output_dir
                    .map(|d| relative_name(&d, "--output-dir"))
                    .transpose()?,
                after: match move_to {
                    Some(sub) => After::Move(relative_name(&sub, "--move-to")?),
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
            filter::validate(&options.include)?;
            filter::validate(&options.exclude)?;
            let path_text = path.display().to_string();
            if store.folders()?.iter().any(|f| f.path == path_text) {
                anyhow::bail!("{path_text} is already watched");
            }
            let id = store.add_folder(&path_text, &options)?;
            if json {
                return print_json(
                    &serde_json::json!({ "id": id, "path": path_text, "options": options }),
                );
            }
            println!("watching {path_text} (folder {id}); `hookscribe run` or the app transcribes what lands there");
        }
        FoldersCommand::List { json } => {
            let folders = store.folders()?;
            let rows: Vec<FolderRow> = folders
                .iter()
                .map(|folder| FolderRow {
                    folder,
                    available: std::path::Path::new(&folder.path).is_dir(),
                })
                .collect();
            if json {
                return print_json(&rows);
            }
            for row in rows {
                let state = match (row.folder.paused, row.available) {
                    (true, _) => "paused",
                    (false, true) => "watching",
                    (false, false) => "unavailable",
                };
                println!("{:>4}  {:<12} {}", row.folder.id, state, row.folder.path);
            }
        }
        FoldersCommand::Remove { id } => {
            if !store.remove_folder(id)? {
                anyhow::bail!("no watched folder {id}; see `hookscribe folders list`");
            }
            println!("folder {id} is no longer watched");
        }
        FoldersCommand::Pause { id } | FoldersCommand::Resume { id } => {
            let pause = matches!(command, FoldersCommand::Pause { .. });
            if !store.set_folder_paused(id, pause)? {
                anyhow::bail!("no watched folder {id}; see `hookscribe folders list`");
            }
            println!("folder {id} {}", if pause { "paused" } else { "resumed" });
        }
    }
    Ok(())
}
