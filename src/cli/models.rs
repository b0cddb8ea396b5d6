//! `hookscribe models …`

use std::path::PathBuf;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use hookscribe::engine::{
    DownloadRequest, Engine, EngineError, ErrorKind, ImportRequest, InstalledModel, Languages,
};
use indicatif::{ProgressBar, ProgressStyle};

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
    /// Import a ggml .bin file, convert a CTranslate2 (faster-whisper) model folder, or
    /// install Silero VAD's silero_vad_16k.safetensors (PyPI silero-vad) to skip pauses
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
    /// Delete an installed model (silero-vad: the voice activity model)
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

fn print_installed(model: &InstalledModel, json: bool, verb: &str) -> Result<()> {
    if json {
        return print_json(model);
    }
    let languages = if model.multilingual {
        "multilingual"
    } else {
        "English-only"
    };
    println!(
        "{verb} {} ({} {languages}, {}, {:.1} MiB) at {}",
        model.name,
        model.model_type,
        model.weights,
        model.bytes as f64 / (1 << 20) as f64,
        model.path.display()
    );
    Ok(())
}

pub fn run(engine: &Engine, command: ModelsCommand) -> Result<()> {
    let models = engine.models();
    match command {
        ModelsCommand::List { json } => {
            let rows = models.list()?;
            if json {
                return print_json(&rows);
            }
            println!("{:<22} {:>9}  {:<13} STATUS", "NAME", "SIZE", "LANGUAGES");
            for row in rows {
                let languages = match row.languages {
                    Some(Languages::English) => "English",
                    Some(Languages::Multilingual) => "multilingual",
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
            match models.vad() {
                Some(vad) => println!(
                    "\nvoice activity: {} installed at {} (pauses are skipped)",
                    hookscribe::engine::VAD_NAME,
                    vad.path.display()
                ),
                None => println!("\nvoice activity: not installed; `hookscribe models import silero_vad_16k.safetensors` (PyPI silero-vad) makes transcriptions skip pauses"),
            }
            Ok(())
        }
        ModelsCommand::Download {
            name,
            base_url,
            stall_timeout,
            json,
        } => download(engine, name, base_url, stall_timeout, json),
        ModelsCommand::Import {
            path,
            name,
            quantize,
            json,
        } if hookscribe::engine::is_vad_source(&path) => {
            if name.is_some() || quantize.is_some() {
                anyhow::bail!(
                    "--name and --quantize apply to Whisper models; {} is a voice activity model",
                    path.display()
                );
            }
            let vad = models.import_vad(&path)?;
            if json {
                return print_json(&vad);
            }
            println!(
                "imported the voice activity model (Silero VAD, {:.1} MiB) at {}; transcriptions now skip pauses (`hookscribe config set vad false` turns this off)",
                vad.bytes as f64 / (1 << 20) as f64,
                vad.path.display()
            );
            Ok(())
        }
        ModelsCommand::Import {
            path,
            name,
            quantize,
            json,
        } => {
            let model = models.import(&ImportRequest {
                path,
                name,
                quantize: quantize.is_some(),
            })?;
            print_installed(&model, json, "imported")
        }
        ModelsCommand::Default { name, json } => {
            let name = models.set_default(&name)?;
            if json {
                return print_json(&serde_json::json!({ "default": name }));
            }
            if !models.is_installed(&name) {
                eprintln!(
                    "note: {name} is not installed yet; run `hookscribe models download {name}`"
                );
            }
            println!("default model: {name}");
            Ok(())
        }
        ModelsCommand::Remove { name, json } => {
            let path = models.remove(&name)?;
            if json {
                return print_json(&serde_json::json!({ "removed": name, "path": path }));
            }
            println!("removed {name} ({})", path.display());
            Ok(())
        }
    }
}

fn download(
    engine: &Engine,
    name: String,
    base_url: Option<String>,
    stall_timeout: u64,
    json: bool,
) -> Result<()> {
    let models = engine.models();
    let request = DownloadRequest {
        name,
        base_url,
        stall_timeout_s: Some(stall_timeout),
    };
    if !json {
        eprintln!(
            "downloading {} from {}",
            request.name,
            models.download_url(&request)?
        );
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("downloading {}", request.name));
    let progress = bar.clone();
    let cancel_engine = engine.clone();
    let cancel_name = request.name.clone();
    super::on_interrupt(move || {
        cancel_engine.models().cancel_download(&cancel_name);
    });
    let result = engine.block_on(models.download(&request, move |downloaded, total| {
        if let Some(total) = total {
            progress.set_length(total);
        }
        progress.set_position(downloaded);
    }));
    bar.finish_and_clear();
    let model = result.map_err(download_hint)?;
    print_installed(&model, json, "downloaded")
}

/// What to do about a download that did not finish.
fn download_hint(error: EngineError) -> anyhow::Error {
    let hint = match error.kind {
        ErrorKind::Unavailable if error.message.contains("Are you offline") => {
            " (`hookscribe models import FILE`)"
        }
        ErrorKind::Unavailable if error.message.contains("again to resume") => {
            "; run the same command again to resume"
        }
        _ => "",
    };
    anyhow::anyhow!("{error}{hint}")
}
