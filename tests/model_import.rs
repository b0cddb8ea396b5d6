//! Importing models the way a user does (`hookscribe models import`), then proving the
//! result with whisper.cpp on real synthesized speech.

mod common;

use common::{ct2_base_parts, ct2_tiny_en, read_wav, run_cli, speak, temp_home};
use hookscribe::asr::{Model, TranscribeOptions as Options, SAMPLE_RATE};
use hookscribe::models::{ModelInfo, Models};
use hookscribe::text::word_error_rate;

const SENTENCE: &str = "The quick brown fox jumps over the lazy dog. \
    Please send the meeting notes to the team by Friday afternoon.";

fn transcribe_speech(model_path: &std::path::Path) -> hookscribe::asr::Transcript {
    transcribe_speech_in(model_path, Some("en"))
}

fn transcribe_speech_in(
    model_path: &std::path::Path,
    language: Option<&str>,
) -> hookscribe::asr::Transcript {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("speech.wav");
    speak(SENTENCE, &wav);
    let (samples, rate) = read_wav(&wav);
    assert_eq!(rate, SAMPLE_RATE);
    let model = Model::load(model_path).expect("whisper.cpp loads the imported model");
    let options = Options {
        language: language.map(str::to_string),
        threads: Some(2),
        ..Options::default()
    };
    model
        .transcribe(
            &samples,
            &options,
            None,
            |_| {},
            &hookscribe::cancel::CancelFlag::new(),
        )
        .expect("transcribe")
}

fn import_and_check(extra: &[&str], expected_name: &str, weights: &str) {
    let (_dir, home) = temp_home();
    let source = ct2_tiny_en();
    let mut args = vec!["models", "import", source.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = run_cli(&home, &args);
    assert!(ok, "import failed: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(report["name"], expected_name);
    assert_eq!(report["model_type"], "tiny");
    assert_eq!(report["multilingual"], false);
    assert_eq!(report["weights"], weights);

    let models = Models::open(&home);
    let path = models.resolve(expected_name).expect("installed");
    let info = ModelInfo::read(&path).unwrap();
    assert_eq!(info.hparams.n_vocab, 51864);
    assert_eq!(info.hparams.n_audio_layer, 4);
    assert_eq!(info.hparams.n_text_head, 6);

    let text = transcribe_speech(&path).text;
    let wer = word_error_rate(SENTENCE, &text);
    eprintln!("{expected_name}: WER {wer:.3}, heard {text:?}");
    assert!(
        wer <= 0.15,
        "WER {wer:.2} > 0.15 for {expected_name}: heard {text:?}"
    );
}

#[test]
fn multilingual_base_from_two_byte_parts_detects_english_and_transcribes_it() {
    let (_dir, home) = temp_home();
    let source = ct2_base_parts();
    let (ok, stdout, stderr) = run_cli(
        &home,
        &["models", "import", source.to_str().unwrap(), "--json"],
    );
    assert!(ok, "import failed: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["name"], "base");
    assert_eq!(report["multilingual"], true);
    let path = Models::open(&home).resolve("base").unwrap();
    let info = ModelInfo::read(&path).unwrap();
    assert_eq!(info.hparams.n_vocab, 51865);
    assert_eq!(info.hparams.n_audio_layer, 6);

    let transcript = transcribe_speech_in(&path, None);
    assert_eq!(
        transcript.language.as_deref(),
        Some("en"),
        "language detection"
    );
    let wer = word_error_rate(SENTENCE, &transcript.text);
    eprintln!("base: WER {wer:.3}, heard {:?}", transcript.text);
    assert!(
        wer <= 0.15,
        "WER {wer:.2} > 0.15: heard {:?}",
        transcript.text
    );
}

#[test]
fn imported_ct2_tiny_en_transcribes_real_speech() {
    import_and_check(&[], "tiny.en", "f16");
}

#[test]
fn q8_0_import_transcribes_real_speech() {
    import_and_check(&["--quantize", "q8_0"], "tiny.en-q8_0", "q8_0");
}

#[test]
fn a_ggml_file_is_validated_and_copied_and_a_random_file_refused() {
    let (dir, home) = temp_home();
    let models = Models::open(&home);
    let (name, _) = models
        .import(&ct2_tiny_en(), Some("converted"), None)
        .unwrap();
    let ggml = models.path_of(&name);

    // A ggml file imports under a name taken from its file name.
    let named = dir.path().join("ggml-my-model.bin");
    std::fs::copy(&ggml, &named).unwrap();
    let (ok, stdout, stderr) = run_cli(&home, &["models", "import", named.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("imported my-model (tiny English-only, f16"),
        "{stdout}"
    );

    // The same name again is refused and the installed file is untouched.
    let (ok, _, stderr) = run_cli(&home, &["models", "import", named.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("already installed"), "{stderr}");

    // A truncated file (an interrupted copy) is refused with the reason.
    let truncated = dir.path().join("truncated.bin");
    let bytes = std::fs::read(&ggml).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, _, stderr) = run_cli(&home, &["models", "import", truncated.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("truncated.bin") && stderr.contains("ends too early"),
        "{stderr}"
    );

    // A text file with a .bin name is refused, naming the file.
    let random = dir.path().join("notes.bin");
    std::fs::write(&random, "these are not weights").unwrap();
    let (ok, _, stderr) = run_cli(&home, &["models", "import", random.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("notes.bin is not a whisper.cpp ggml model"),
        "{stderr}"
    );
    assert!(!models.is_installed("notes"));
    assert!(!models.is_installed("truncated"));
}

#[test]
fn a_ct2_folder_missing_pieces_is_refused_clearly() {
    let (dir, home) = temp_home();
    let source = ct2_tiny_en();
    let broken = dir.path().join("no-vocab");
    std::fs::create_dir(&broken).unwrap();
    std::os::unix::fs::symlink(source.join("model.bin"), broken.join("model.bin")).unwrap();
    let (ok, _, stderr) = run_cli(&home, &["models", "import", broken.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("vocabulary.txt"), "{stderr}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (ok, _, stderr) = run_cli(&home, &["models", "import", empty.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("model.bin"), "{stderr}");

    let models = Models::open(&home);
    assert!(
        models.installed().unwrap().is_empty(),
        "nothing may be installed"
    );
}

#[test]
fn a_model_split_in_byte_parts_imports_like_the_whole() {
    let (dir, home) = temp_home();
    let source = ct2_tiny_en();
    let split = dir.path().join("split");
    std::fs::create_dir(&split).unwrap();
    let bytes = std::fs::read(source.join("model.bin")).unwrap();
    let half = bytes.len() / 2;
    std::fs::write(split.join("model.bin.part1"), &bytes[..half]).unwrap();
    std::fs::write(split.join("model.bin.part2"), &bytes[half..]).unwrap();
    std::fs::copy(source.join("vocabulary.txt"), split.join("vocabulary.txt")).unwrap();
    let models = Models::open(&home);
    let (whole, _) = models.import(&source, Some("whole"), None).unwrap();
    let (parts, _) = models.import(&split, Some("parts"), None).unwrap();
    let a = std::fs::read(models.path_of(&whole)).unwrap();
    let b = std::fs::read(models.path_of(&parts)).unwrap();
    assert!(
        a == b,
        "converting the parts must give the same file as the whole"
    );
}

#[test]
fn a_damaged_ct2_model_is_refused_without_a_crash() {
    let (dir, home) = temp_home();
    let source = ct2_tiny_en();
    let bytes = std::fs::read(source.join("model.bin")).unwrap();
    let models = Models::open(&home);
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated", bytes[..1 << 20].to_vec()),
        (
            "garbage",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect(),
        ),
        ("bad-header", {
            let mut b = bytes[..1 << 16].to_vec();
            b[0] = 9; // format version 9
            b
        }),
    ];
    for (name, content) in cases {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("model.bin"), content).unwrap();
        std::fs::copy(source.join("vocabulary.txt"), folder.join("vocabulary.txt")).unwrap();
        let err = models
            .import(&folder, Some(name), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("model.bin"), "{name}: {err}");
        assert!(!models.is_installed(name), "{name} must not be installed");
    }
    let leftovers: Vec<_> = std::fs::read_dir(models.dir()).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files may be left: {leftovers:?}"
    );
}

#[test]
fn silero_vad_from_its_pypi_package_converts_to_a_model_whisper_cpp_runs() {
    use whisper_rs::{WhisperVadContext, WhisperVadContextParams, WhisperVadParams};
    let dir = tempfile::tempdir().unwrap();
    let converted = hookscribe::models::vad::convert_silero(&common::silero_vad_safetensors())
        .expect("the package's safetensors converts");
    let model = dir.path().join("silero-vad.bin");
    std::fs::write(&model, &converted).unwrap();
    let mut params = WhisperVadContextParams::new();
    params.set_n_threads(2);
    let mut vad = WhisperVadContext::new(model.to_str().unwrap(), params)
        .expect("whisper.cpp loads the converted VAD model");

    // Three seconds of silence, the sentence, three seconds of silence.
    let wav = dir.path().join("speech.wav");
    speak(SENTENCE, &wav);
    let (speech, _) = read_wav(&wav);
    let pad = vec![0.0f32; 3 * SAMPLE_RATE as usize];
    let samples: Vec<f32> = pad.iter().chain(&speech).chain(&pad).copied().collect();
    let total = samples.len() as f32 / SAMPLE_RATE as f32;
    let segments: Vec<(f32, f32)> = vad
        .segments_from_samples(WhisperVadParams::new(), &samples)
        .expect("speech detection runs")
        .map(|s| (s.start / 100.0, s.end / 100.0))
        .collect();
    eprintln!("speech found in {total:.1} s of audio: {segments:?}");
    assert!(!segments.is_empty(), "the sentence is speech");
    let (first, last) = (segments[0].0, segments[segments.len() - 1].1);
    assert!(
        (2.5..3.6).contains(&first),
        "speech starts after the 3 s of silence: {segments:?}"
    );
    assert!(
        last <= total - 2.4 && last >= total - 3.8,
        "and ends before the trailing silence ({total:.1} s in all): {segments:?}"
    );
}
