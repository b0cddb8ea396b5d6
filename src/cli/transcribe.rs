//! `hookscribe transcribe FILE...`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use hookscribe::asr::{ModelCache, Options, Transcript};
use hookscribe::cancel::CancelFlag;
use hookscribe::export::Format;
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::pipeline::{self, Stage};
use hookscribe::settings::Settings;
use hookscribe::store::Store;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The recordings and how to transcribe them: shared by `transcribe` and `jobs add`.
#[derive(Debug, Args)]
pub struct RecordingArgs {
    /// Audio or video files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Model name (see `hookscribe models list`) or path to a ggml .bin file
    #[arg(long, short)]
    pub model: Option<String>,
    /// Spoken language: auto (detect) or a code such as en, de, fr (default: the language setting)
    #[arg(long, short)]
    pub language: Option<String>,
    /// Translate the speech to English
    #[arg(long)]
    pub translate: bool,
    /// Vocabulary hints: names and terms the recording uses
    #[arg(long)]
    pub prompt: Option<String>,
}

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    #[command(flatten)]
    recordings: RecordingArgs,
    /// CPU threads (default: the threads setting, else the number of physical cores)
    #[arg(long, short)]
    threads: Option<usize>,
    /// Output formats, comma-separated: txt, srt, vtt, json
    #[arg(long, short, value_delimiter = ',', default_value = "txt")]
    format: Vec<Format>,
    /// Write files here (named after each input) instead of printing
    #[arg(long, short)]
    output_dir: Option<PathBuf>,
    /// Beam width (1 = greedy, faster)
    #[arg(long, default_value_t = 5)]
    beam_size: usize,
    /// Include per-word timestamps (in the JSON output)
    #[arg(long)]
    word_timestamps: bool,
}

pub fn run(home: &Home, args: TranscribeArgs) -> Result<()> {
    let models = Models::open(home)?;
    let model_name = match &args.recordings.model {
        Some(name) => name.clone(),
        None => models.default_name()?,
    };
    let model_path = models.resolve(&model_name)?;
    let cache = ModelCache::default();
    let model = cache
        .get(&model_path)
        .with_context(|| format!("cannot use the model {model_name}"))?;
    let store = Store::open(&home.database_path())?;
    let settings = Settings::new(&store);
    let language = match &args.recordings.language {
        Some(language) => language.clone(),
        None => settings.get("language")?.value,
    };
    let threads = match args.threads {
        Some(threads) => Some(threads),
        None => settings.threads()?,
    };
    let options = Options {
        language: Some(language),
        translate: args.recordings.translate,
        threads,
        prompt: args.recordings.prompt.clone(),
        beam_size: args.beam_size.max(1),
        word_timestamps: args.word_timestamps,
    };
    let cancel = CancelFlag::new();
    let on_ctrl_c = cancel.clone();
    super::on_interrupt(move || on_ctrl_c.cancel());

    let to_stdout = args.recordings.files.len() == 1 && args.output_dir.is_none();
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    }
    let mut failed = Vec::new();
    for file in &args.recordings.files {
        let bar = progress_bar(file);
        let result = pipeline::transcribe_file(
            &model,
            file,
            &options,
            |stage, percent| {
                bar.set_message(match stage {
                    Stage::Decoding => "decoding",
                    Stage::Transcribing => "transcribing",
                });
                bar.set_position(u64::from(percent));
            },
            &cancel,
        );
        bar.finish_and_clear();
        match result {
            Ok(transcript) if to_stdout => {
                print!("{}", args.format[0].render(&transcript));
            }
            Ok(transcript) => {
                let written =
                    write_outputs(file, args.output_dir.as_deref(), &args.format, &transcript)?;
                for path in written {
                    eprintln!("wrote {}", path.display());
                }
            }
            Err(error) if error.is_cancelled() => anyhow::bail!("cancelled"),
            // One file: its error is the command's error.
            Err(error) if args.recordings.files.len() == 1 => return Err(error.into()),
            Err(error) => {
                eprintln!("error: {error}");
                failed.push(file.display().to_string());
            }
        }
    }
    if args.recordings.files.len() > 1 {
        let done = args.recordings.files.len() - failed.len();
        eprintln!(
            "{done} of {} files transcribed",
            args.recordings.files.len()
        );
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {} files failed: {}",
            failed.len(),
            args.recordings.files.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

fn progress_bar(file: &Path) -> ProgressBar {
    let bar = ProgressBar::new(100);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{prefix} {msg:>12} [{bar:30}] {pos:>3}% eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar
}

/// Writes `<stem>.<ext>` for each format, in `dir` or next to the input.
fn write_outputs(
    input: &Path,
    dir: Option<&Path>,
    formats: &[Format],
    transcript: &Transcript,
) -> Result<Vec<PathBuf>> {
    let stem = input.file_stem().unwrap_or_default();
    let folder = dir
        .map(Path::to_path_buf)
        .or_else(|| input.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let mut written = Vec::new();
    for format in formats {
        let mut name = stem.to_os_string();
        name.push(".");
        name.push(format.extension());
        let path = folder.join(name);
        if path == input {
            anyhow::bail!(
                "{} would overwrite its own input; use --output-dir",
                path.display()
            );
        }
        std::fs::write(&path, format.render(transcript))
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
