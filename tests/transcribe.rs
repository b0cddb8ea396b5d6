//! The transcription pipeline on real speech in every container and codec we support,
//! bad input of every kind, silence, progress and cancellation.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{ct2_tiny_en, run_cli, speak, temp_home, whisper_turn};
use hookscribe::asr::{Model, TranscribeOptions as Options};
use hookscribe::cancel::CancelFlag;
use hookscribe::home::Home;
use hookscribe::models::Models;
use hookscribe::pipeline::{transcribe_file, PipelineError, Stage};
use hookscribe::text::word_error_rate;

const SENTENCE: &str = "The meeting starts at ten on Tuesday morning. \
    Please bring the weekly report and two printed copies.";

/// Shared fixtures: a home with tiny.en imported, and the spoken sentence as a WAV.
struct Fixtures {
    _dir: tempfile::TempDir,
    home: Home,
    speech: PathBuf,
    work: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let (dir, home) = temp_home();
        Models::open(&home)
            .import(&ct2_tiny_en(), Some("tiny.en"), None)
            .expect("import tiny.en");
        let work = dir.path().join("media");
        std::fs::create_dir_all(&work).unwrap();
        let speech = work.join("speech.wav");
        speak(SENTENCE, &speech);
        Fixtures {
            _dir: dir,
            home,
            speech,
            work,
        }
    })
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = Models::open(&fixtures().home).path_of("tiny.en");
        Model::load(&path).unwrap()
    })
}

fn options() -> Options {
    Options {
        language: Some("en".into()),
        threads: Some(2),
        ..Options::default()
    }
}

/// Runs ffmpeg quietly; panics with its stderr on failure.
fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (Debian package ffmpeg); run scripts/test.sh");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The speech converted to `name` with extra ffmpeg output arguments.
fn convert(name: &str, output_args: &[&str]) -> PathBuf {
    let f = fixtures();
    let out = f.work.join(name);
    let mut args = vec!["-i", f.speech.to_str().unwrap()];
    args.extend_from_slice(output_args);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

/// The speech as the audio track of a video file with a test-pattern picture.
fn video(name: &str, video_codec: &str, audio_args: &[&str]) -> PathBuf {
    let f = fixtures();
    let out = f.work.join(name);
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10",
        "-i",
        f.speech.to_str().unwrap(),
        "-shortest",
        "-c:v",
        video_codec,
    ];
    args.extend_from_slice(audio_args);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

fn transcribe(path: &Path) -> Result<hookscribe::asr::Transcript, PipelineError> {
    let _turn = whisper_turn();
    transcribe_file(
        model(),
        None,
        path,
        &options(),
        |_, _| {},
        &CancelFlag::new(),
    )
}

#[test]
fn speech_in_every_supported_format_transcribes_accurately() {
    let cases: Vec<(&str, PathBuf)> = vec![
        ("wav 16k mono", fixtures().speech.clone()),
        (
            "wav 44.1k stereo",
            convert("stereo.wav", &["-ar", "44100", "-ac", "2"]),
        ),
        ("flac", convert("speech.flac", &["-ar", "48000"])),
        (
            "mp3",
            convert("speech.mp3", &["-ar", "44100", "-ac", "2", "-b:a", "128k"]),
        ),
        (
            "ogg vorbis",
            convert("speech.ogg", &["-c:a", "libvorbis", "-ar", "44100"]),
        ),
        (
            "m4a aac",
            convert("speech.m4a", &["-c:a", "aac", "-ar", "44100", "-ac", "2"]),
        ),
        ("m4a alac", convert("alac.m4a", &["-c:a", "alac"])),
        ("aiff", convert("speech.aiff", &["-ar", "22050"])),
        ("caf", convert("speech.caf", &["-c:a", "pcm_s16le"])),
        (
            "opus voice note",
            convert("note.opus", &["-c:a", "libopus", "-b:a", "24k"]),
        ),
        (
            "webm opus",
            convert("speech.webm", &["-c:a", "libopus", "-vn"]),
        ),
        (
            "mp4 video 48k",
            video("clip.mp4", "mpeg4", &["-c:a", "aac", "-ar", "48000"]),
        ),
        ("mov video", video("clip.mov", "mpeg4", &["-c:a", "aac"])),
        (
            "mkv video",
            video("clip.mkv", "mpeg4", &["-c:a", "libvorbis"]),
        ),
        (
            "webm video",
            video(
                "clip-video.webm",
                "libvpx",
                &["-c:a", "libopus", "-ar", "48000"],
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (label, path) in &cases {
        match transcribe(path) {
            Ok(t) => {
                let wer = word_error_rate(SENTENCE, &t.text);
                eprintln!(
                    "{label:<18} WER {wer:.3}  {:.2} s audio  {:?}",
                    t.audio_seconds, t.text
                );
                if wer > 0.15 {
                    failures.push(format!("{label}: WER {wer:.2}, heard {:?}", t.text));
                }
                if !(5.0..12.0).contains(&t.audio_seconds) {
                    failures.push(format!("{label}: duration {} s", t.audio_seconds));
                }
            }
            Err(e) => failures.push(format!("{label}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "failed formats:\n{}",
        failures.join("\n")
    );
}

#[test]
fn one_recording_does_not_leak_into_the_next() {
    let _turn = whisper_turn();
    let other = fixtures().work.join("other.wav");
    speak(
        "Seven green parrots were sitting quietly on the old fence.",
        &other,
    );
    let cancel = CancelFlag::new();
    // The shared model has transcribed other files before (its whisper state is reused).
    transcribe_file(
        model(),
        None,
        &fixtures().speech,
        &options(),
        |_, _| {},
        &cancel,
    )
    .unwrap();
    let after_another =
        transcribe_file(model(), None, &other, &options(), |_, _| {}, &cancel).unwrap();
    let fresh_model = Model::load(model().path()).unwrap();
    let fresh =
        transcribe_file(&fresh_model, None, &other, &options(), |_, _| {}, &cancel).unwrap();
    assert_eq!(
        after_another.text, fresh.text,
        "earlier text must not steer a later transcript"
    );
    assert_eq!(after_another.segments, fresh.segments);
}

#[test]
fn segments_have_timestamps_inside_the_audio() {
    let t = transcribe(&fixtures().speech).unwrap();
    assert!(!t.segments.is_empty());
    for s in &t.segments {
        assert!(
            s.start >= 0.0 && s.end > s.start && s.end <= t.audio_seconds + 0.5,
            "{s:?}"
        );
    }
    assert_eq!(t.language.as_deref(), Some("en"));
    assert_eq!(t.model, "tiny.en");
    assert!(t.processing_seconds > 0.0);
}

#[test]
fn word_timestamps_are_ordered_and_cover_the_words() {
    let opts = Options {
        word_timestamps: true,
        ..options()
    };
    let _turn = whisper_turn();
    let t = transcribe_file(
        model(),
        None,
        &fixtures().speech,
        &opts,
        |_, _| {},
        &CancelFlag::new(),
    )
    .unwrap();
    let words: Vec<_> = t.segments.iter().flat_map(|s| s.words.iter()).collect();
    assert!(words.len() >= 10, "{words:?}");
    assert!(
        words.windows(2).all(|w| w[0].start <= w[1].start),
        "{words:?}"
    );
    let joined: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert!(
        word_error_rate(SENTENCE, &joined.join(" ")) <= 0.15,
        "{joined:?}"
    );
}

fn expect_error(path: &Path, needles: &[&str]) {
    let err = transcribe(path).expect_err("must fail").to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(
        err.contains(name.as_ref()),
        "the error must name the file: {err}"
    );
    for needle in needles {
        assert!(err.contains(needle), "expected {needle:?} in: {err}");
    }
}

#[test]
fn bad_input_fails_with_a_clear_error_naming_the_file() {
    let work = fixtures().work.join("bad");
    std::fs::create_dir_all(&work).unwrap();

    let empty = work.join("empty.mp3");
    std::fs::write(&empty, b"").unwrap();
    expect_error(&empty, &["empty"]);

    let text = work.join("notes.mp3");
    std::fs::write(&text, "Meeting notes: nothing to hear here.\n".repeat(50)).unwrap();
    expect_error(&text, &["not a recognised audio or video file"]);

    let image = work.join("picture.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x64",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "png",
        image.to_str().unwrap(),
    ]);
    expect_error(&image, &["not a recognised audio or video file"]);

    let silent_video = video_only(&work.join("no-audio.mp4"));
    expect_error(&silent_video, &["no audio track"]);

    let ac3 = convert("dolby.mkv", &["-c:a", "ac3"]);
    expect_error(&ac3, &["unsupported codec", "AC-3"]);

    expect_error(&work.join("does-not-exist.wav"), &["cannot open"]);
    let folder = work.join("a-folder.wav");
    std::fs::create_dir_all(&folder).unwrap();
    expect_error(&folder, &["is a folder"]);
}

fn video_only(out: &Path) -> PathBuf {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10",
        "-t",
        "2",
        "-c:v",
        "mpeg4",
        out.to_str().unwrap(),
    ]);
    out.to_path_buf()
}

#[test]
fn a_truncated_file_transcribes_what_is_readable() {
    let mp3 = convert("whole.mp3", &["-b:a", "64k"]);
    let bytes = std::fs::read(&mp3).unwrap();
    let cut = fixtures().work.join("cut.mp3");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let t = transcribe(&cut).expect("a cut file still transcribes its first half");
    assert!(
        t.audio_seconds > 1.5 && t.audio_seconds < 5.0,
        "{}",
        t.audio_seconds
    );
    assert!(t.text.to_lowercase().contains("tuesday"), "{:?}", t.text);
}

#[test]
fn silence_and_a_pure_tone_produce_no_text() {
    let work = &fixtures().work;
    let silence = work.join("silence.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=16000:cl=mono",
        "-t",
        "10",
        silence.to_str().unwrap(),
    ]);
    let tone = work.join("tone.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100",
        "-t",
        "10",
        tone.to_str().unwrap(),
    ]);
    let hum = work.join("hum.flac");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=color=brown:amplitude=0.05:r=16000",
        "-t",
        "8",
        hum.to_str().unwrap(),
    ]);
    for path in [&silence, &tone, &hum] {
        let t = transcribe(path).unwrap();
        assert!(
            t.text.trim().is_empty(),
            "{} produced invented text: {:?}",
            path.display(),
            t.text
        );
    }
}

/// About 80 s of speech: long enough to cancel in the middle.
fn long_speech() -> PathBuf {
    let out = fixtures().work.join("long.wav");
    if !out.exists() {
        let list = fixtures().work.join("list.txt");
        let line = format!("file '{}'\n", fixtures().speech.display());
        std::fs::write(&list, line.repeat(12)).unwrap();
        ffmpeg(&[
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            list.to_str().unwrap(),
            "-c",
            "copy",
            out.to_str().unwrap(),
        ]);
    }
    out
}

#[test]
fn progress_is_monotonic_and_reaches_100() {
    let mut seen: Vec<(Stage, u8)> = Vec::new();
    let _turn = whisper_turn();
    transcribe_file(
        model(),
        None,
        &fixtures().speech,
        &options(),
        |s, p| seen.push((s, p)),
        &CancelFlag::new(),
    )
    .unwrap();
    let percents: Vec<u8> = seen
        .iter()
        .filter(|(s, _)| *s == Stage::Transcribing)
        .map(|(_, p)| *p)
        .collect();
    assert!(percents.windows(2).all(|w| w[0] < w[1]), "{percents:?}");
    assert_eq!(percents.last(), Some(&100));
    assert!(
        percents.len() >= 3,
        "progress must report along the way: {percents:?}"
    );
}

#[test]
fn a_cancelled_transcription_stops_within_a_second() {
    let path = long_speech();
    let _turn = whisper_turn();
    let cancel = CancelFlag::new();
    let trigger = cancel.clone();
    let mut cancelled_at = None;
    let result = transcribe_file(
        model(),
        None,
        &path,
        &options(),
        |_, percent| {
            if percent >= 5 && cancelled_at.is_none() {
                cancelled_at = Some(Instant::now());
                trigger.cancel();
            }
        },
        &cancel,
    );
    let stopped = cancelled_at.expect("progress reached 5%").elapsed();
    let err = result.expect_err("cancelled");
    assert!(err.is_cancelled(), "{err}");
    assert!(
        stopped < Duration::from_secs(1),
        "stopped {stopped:?} after cancel"
    );
}

#[test]
fn the_cli_prints_one_file_and_writes_several_with_a_summary() {
    let f = fixtures();
    let _turn = whisper_turn();
    let (ok, stdout, stderr) = run_cli(
        &f.home,
        &[
            "transcribe",
            f.speech.to_str().unwrap(),
            "--format",
            "srt",
            "--threads",
            "2",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("1\n00:00:0"), "{stdout}");
    assert!(
        word_error_rate(
            SENTENCE,
            &stdout
                .lines()
                .filter(|l| !l.contains("-->") && l.parse::<u32>().is_err())
                .collect::<Vec<_>>()
                .join(" ")
        ) <= 0.15
    );

    let out = f.work.join("out");
    let bad = f.work.join("broken.wav");
    std::fs::write(&bad, b"RIFF....WAVEjunk").unwrap();
    let flac = convert("second.flac", &[]);
    let (ok, _, stderr) = run_cli(
        &f.home,
        &[
            "transcribe",
            f.speech.to_str().unwrap(),
            bad.to_str().unwrap(),
            flac.to_str().unwrap(),
            "--output-dir",
            out.to_str().unwrap(),
            "--format",
            "txt,vtt,json",
            "--threads",
            "2",
        ],
    );
    assert!(!ok, "a failed file makes the exit code non-zero");
    assert!(stderr.contains("broken.wav"), "{stderr}");
    assert!(stderr.contains("2 of 3 files transcribed"), "{stderr}");
    for name in [
        "speech.txt",
        "speech.vtt",
        "speech.json",
        "second.txt",
        "second.vtt",
        "second.json",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    assert!(!out.join("broken.txt").exists());
    let vtt = std::fs::read_to_string(out.join("speech.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n00:00:0"), "{vtt}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("second.json")).unwrap()).unwrap();
    assert!(word_error_rate(SENTENCE, json["text"].as_str().unwrap()) <= 0.15);
}

#[test]
fn the_cli_refuses_unknown_models_formats_and_languages_clearly() {
    let f = fixtures();
    let _turn = whisper_turn();
    let speech = f.speech.to_str().unwrap();
    let (ok, _, stderr) = run_cli(&f.home, &["transcribe", speech, "--model", "nope"]);
    assert!(!ok && stderr.contains("'nope'"), "{stderr}");
    let (ok, _, stderr) = run_cli(&f.home, &["transcribe", speech, "--format", "docx"]);
    assert!(!ok && stderr.contains("docx"), "{stderr}");
    let (ok, _, stderr) = run_cli(&f.home, &["transcribe", speech, "--language", "de"]);
    assert!(!ok && stderr.contains("English only"), "{stderr}");
    let (ok, _, stderr) = run_cli(&f.home, &["transcribe", speech, "--language", "xx"]);
    assert!(!ok && stderr.contains("'xx'"), "{stderr}");
}
