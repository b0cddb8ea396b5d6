//! Decode benchmark: streams a file through `hookscribe::audio::Decoder` (decode, mix to
//! mono, resample to 16 kHz), keeping nothing but a sample count, as the transcription
//! pipeline does before whisper.
//!
//!   cargo bench --bench decode -- FILE
//!   target/release/deps/decode-* FILE        (what benches/run.sh runs)
//!
//! Prints one line: `decode wall_s=... samples=... audio_s=... peak_rss_kib=...`
//! (peak RSS is the process's VmHWM from /proc/self/status, Linux only).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use hookscribe::audio::Decoder;
use hookscribe::cancel::CancelFlag;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` to harness-less targets: skip flags.
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: decode FILE");
        return ExitCode::from(2);
    };
    let path = PathBuf::from(path);
    let started = Instant::now();
    let decoder = match Decoder::open(&path, CancelFlag::new()) {
        Ok(decoder) => decoder,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let mut samples: u64 = 0;
    for chunk in decoder {
        match chunk {
            Ok(chunk) => samples += chunk.len() as u64,
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib()
        .map(|k| k.to_string())
        .unwrap_or_else(|| "unknown".into());
    println!(
        "decode wall_s={wall:.4} samples={samples} audio_s={:.3} peak_rss_kib={peak}",
        samples as f64 / 16_000.0
    );
    ExitCode::SUCCESS
}

/// VmHWM: the peak resident set size of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
