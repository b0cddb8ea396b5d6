//! `hookscribe transcribe FILE...`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use hookscribe::engine::{
    CancelFlag, Engine, ErrorKind, ExportFormat, TranscribeOptions, Transcript,
};
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
    /// Beam width: 1 is greedy (faster), 5 whisper's default (default: the beam_size setting)
    #[arg(long)]
    pub beam_size: Option<u32>,
    /// CPU threads (default: the threads setting, else the number of physical cores)
    #[arg(long, short)]
    pub threads: Option<u32>,
    /// Include per-word timestamps (in the JSON output)
    #[arg(long)]
    pub word_timestamps: bool,
    /// Transcribe the pauses too (default: the vad setting skips them when the voice
    /// activity model is installed)
    #[arg(long)]
    pub no_vad: bool,
}

impl RecordingArgs {
    pub fn options(&self) -> TranscribeOptions {
        TranscribeOptions {
            model: self.model.clone(),
            language: self.language.clone(),
            translate: self.translate,
            prompt: self.prompt.clone(),
            beam_size: self.beam_size,
            threads: self.threads,
            word_timestamps: self.word_timestamps,
            vad: self.no_vad.then_some(false),
        }
    }
}

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    #[command(flatten)]
    recordings: RecordingArgs,
    /// Output formats, comma-separated: txt, srt, vtt, json
    #[arg(long, short, value_delimiter = ',', default_value = "txt")]
    format: Vec<ExportFormat>,
    /// Write files here (named after each input) instead of printing
    #[arg(long, short)]
    output_dir: Option<PathBuf>,
}

pub fn run(engine: &Engine, args: TranscribeArgs) -> Result<()> {
    let prepared = engine.transcriber().prepare(&args.recordings.options())?;
    let cancel = CancelFlag::new();
    let on_ctrl_c = cancel.clone();
    super::on_interrupt(move || on_ctrl_c.cancel());

    let files = &args.recordings.files;
    let to_stdout = files.len() == 1 && args.output_dir.is_none();
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    }
    let mut failed = Vec::new();
    for file in files {
        let bar = progress_bar(file);
        let result = prepared.transcribe(
            file,
            |stage, percent| {
                bar.set_message(stage.as_str());
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
            Err(error) if error.kind == ErrorKind::Cancelled => anyhow::bail!("cancelled"),
            // One file: its error is the command's error.
            Err(error) if files.len() == 1 => return Err(error.into()),
            Err(error) => {
                eprintln!("error: {error}");
                failed.push(file.display().to_string());
            }
        }
    }
    if files.len() > 1 {
        let done = files.len() - failed.len();
        eprintln!("{done} of {} files transcribed", files.len());
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {} files failed: {}",
            failed.len(),
            files.len(),
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
    formats: &[ExportFormat],
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
