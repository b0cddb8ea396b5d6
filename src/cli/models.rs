//! `hookscribe models …`

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use hookscribe::home::Home;
use hookscribe::models::catalog;
use hookscribe::models::download::{DownloadOptions, Downloader};
use hookscribe::models::{ModelInfo, Models, Precision};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::print_json;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// The model catalog, with what is installed and the default
    List {
        #[arg(long)]
        json: bool,
    },
    /// Download a catalog model (resumable, checksum-verified)
    Download {
        name: String,
        /// Repository to download from (default: the models.base_url setting, else Hugging Face)
        #[arg(long)]
        base_url: Option<String>,
        /// Give up when no data arrives for this many seconds
        #[arg(long, default_value_t = 30)]
        stall_timeout: u64,
        #[arg(long)]
        json: bool,
    },
    /// Import a ggml .bin file, or convert a CTranslate2 (faster-whisper) model folder
    Import {
        path: PathBuf,
        /// Name to install it under (default: from the file name or the model's size)
        #[arg(long)]
        name: Option<String>,
        /// Quantize a converted model's weights
        #[arg(long, value_enum)]
        quantize: Option<Quantization>,
        #[arg(long)]
        json: bool,
    },
    /// Set the model used when none is named
    Default {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete an installed model
    Remove {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Quantization {
    #[value(name = "q8_0")]
    Q8_0,
}

#[derive(Serialize)]
struct Installed<'a> {
    name: &'a str,
    path: PathBuf,
    model_type: &'a str,
    multilingual: bool,
    weights: &'static str,
    bytes: u64,
}

impl<'a> Installed<'a> {
    fn new(models: &Models, name: &'a str, info: &'a ModelInfo) -> Self {
        Self {
            name,
            path: models.path_of(name),
            model_type: &info.model_type,
            multilingual: info.multilingual,
            weights: info.file_type.as_str(),
            bytes: info.bytes,
        }
    }

    fn print(&self, json: bool, verb: &str) -> Result<()> {
        if json {
            return print_json(self);
        }
        let languages = if self.multilingual {
            "multilingual"
        } else {
            "English-only"
        };
        println!(
            "{verb} {} ({} {languages}, {}, {:.1} MiB) at {}",
            self.name,
            self.model_type,
            self.weights,
            self.bytes as f64 / (1 << 20) as f64,
            self.path.display()
        );
        Ok(())
    }
}

pub fn run(home: &Home, command: ModelsCommand) -> Result<()> {
    let models = Models::open(home)?;
    match command {
        ModelsCommand::List { json } => list(&models, json),
        ModelsCommand::Download {
            name,
            base_url,
            stall_timeout,
            json,
        } => download(&models, &name, base_url, stall_timeout, json),
        ModelsCommand::Import {
            path,
            name,
            quantize,
            json,
        } => {
            let precision = quantize.map(|Quantization::Q8_0| Precision::Q8_0);
            let (name, info) = models
                .import(&path, name.as_deref(), precision)
                .with_context(|| format!("cannot import {}", path.display()))?;
            Installed::new(&models, &name, &info).print(json, "imported")
        }
        ModelsCommand::Default { name, json } => {
            models.set_default(&name)?;
            if json {
                print_json(&serde_json::json!({ "default": name }))
            } else {
                if !models.is_installed(&name) {
                    eprintln!("note: {name} is not installed yet; run `hookscribe models download {name}`");
                }
                println!("default model: {name}");
                Ok(())
            }
        }
        ModelsCommand::Remove { name, json } => {
            let path = models.remove(&name)?;
            if json {
                print_json(&serde_json::json!({ "removed": name, "path": path }))
            } else {
                println!("removed {name} ({})", path.display());
                Ok(())
            }
        }
    }
}

fn list(models: &Models, json: bool) -> Result<()> {
    let rows = models.list()?;
    if json {
        return print_json(&rows);
    }
    println!("{:<22} {:>9}  {:<13} STATUS", "NAME", "SIZE", "LANGUAGES");
    for row in rows {
        let languages = match row.languages {
            Some(catalog::Languages::English) => "English",
            Some(catalog::Languages::Multilingual) => "multilingual",
            None => "?",
        };
        let mut status = Vec::new();
        if row.installed {
            status.push("installed");
        }
        if row.default {
            status.push("default");
        }
        if !row.in_catalog {
            status.push("imported");
        }
        println!(
            "{:<22} {:>5} MiB  {:<13} {}",
            row.name,
            row.size_mib,
            languages,
            status.join(", ")
        );
    }
    Ok(())
}

fn download(
    models: &Models,
    name: &str,
    base_url: Option<String>,
    stall_timeout: u64,
    json: bool,
) -> Result<()> {
    let entry = catalog::find(name)
        .with_context(|| format!("'{name}' is not in the catalog; see `hookscribe models list`"))?;
    let dest = models.path_of(entry.name);
    if dest.is_file() {
        anyhow::bail!(
            "{} is already installed at {}; remove it first to download again",
            entry.name,
            dest.display()
        );
    }
    let options = DownloadOptions {
        base_url: match base_url {
            Some(url) => url,
            None => models.base_url()?,
        },
        stall_timeout: Duration::from_secs(stall_timeout.max(1)),
        ..DownloadOptions::default()
    };
    let downloader = Downloader::new(options);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("downloading {}", entry.name));
    if !json {
        eprintln!(
            "downloading {} from {}",
            entry.name,
            downloader.url_for(entry)
        );
    }

    let runtime = tokio::runtime::Runtime::new()?;
    let cancel = CancellationToken::new();
    let info = runtime.block_on(async {
        let on_ctrl_c = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_ctrl_c.cancel();
            }
        });
        downloader
            .download(entry, &dest, &cancel, |progress| {
                if let Some(total) = progress.total {
                    bar.set_length(total);
                }
                bar.set_position(progress.downloaded);
            })
            .await
    });
    bar.finish_and_clear();
    let info = info?;
    Installed::new(models, entry.name, &info).print(json, "downloaded")
}
