//! `hookscribe models download` against a real HTTP server on 127.0.0.1 that serves a
//! model the way Hugging Face does (and misbehaves in the ways networks do).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::http::{Behaviour, FileServer};
use common::{run_cli, temp_home};
use hookscribe::models::catalog::{CatalogEntry, Languages};
use hookscribe::models::download::{DownloadOptions, Downloader, Progress};
use hookscribe::models::ggml::{FileType, GgmlWriter, Hparams, TensorType};
use hookscribe::models::Models;
use tokio_util::sync::CancellationToken;

/// A catalog model without a published SHA-1, so the server's SHA-256 is what is checked.
const MODEL: &str = "tiny-q5_1";
const FILE: &str = "ggml-tiny-q5_1.bin";

/// A small but structurally valid ggml whisper file (one layer each side, ~800 KB).
fn synthetic_model() -> Vec<u8> {
    let hparams = Hparams {
        n_vocab: 16,
        n_audio_ctx: 8,
        n_audio_state: 64,
        n_audio_head: 1,
        n_audio_layer: 1,
        n_text_ctx: 8,
        n_text_state: 64,
        n_text_head: 1,
        n_text_layer: 1,
        n_mels: 2,
    };
    let mut writer = GgmlWriter::new(Vec::new());
    writer.header(&hparams, FileType::F32).unwrap();
    writer.mel_filters(2, 3, &[0.0; 6]).unwrap();
    writer.vocabulary(&[b"a".to_vec(), b"b".to_vec()]).unwrap();
    for i in 0..hparams.expected_tensor_count() {
        writer
            .tensor_header(&format!("t{i}"), &[64, 64], TensorType::F32)
            .unwrap();
        let data: Vec<u8> = (0..64 * 64 * 4).map(|b| (b as u64 * 7 + i) as u8).collect();
        writer.data(&data).unwrap();
    }
    writer.finish().unwrap()
}

fn download(
    home: &hookscribe::home::Home,
    server: &FileServer,
    extra: &[&str],
) -> (bool, String, String) {
    let base = server.base_url();
    let mut args = vec!["models", "download", MODEL, "--base-url", base.as_str()];
    args.extend_from_slice(extra);
    run_cli(home, &args)
}

fn installed_path(home: &hookscribe::home::Home) -> std::path::PathBuf {
    Models::open(home).path_of(MODEL)
}

fn part_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".part"))
        .collect()
}

#[test]
fn a_normal_download_is_verified_and_installed() {
    let body = synthetic_model();
    let server = FileServer::start(FILE, body.clone(), Behaviour::Normal);
    let (_dir, home) = temp_home();
    let (ok, stdout, stderr) = download(&home, &server, &["--json"]);
    assert!(ok, "download failed: {stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["name"], MODEL);
    assert_eq!(std::fs::read(installed_path(&home)).unwrap(), body);
    assert!(part_files(&home.models_dir()).is_empty());

    let requests = server.requests();
    assert_eq!(
        requests[0].method, "HEAD",
        "checksums are read from a HEAD first"
    );
    assert!(requests.iter().all(|r| r.range.is_none()), "{requests:?}");

    let (ok, stdout, _) = run_cli(&home, &["models", "list", "--json"]);
    assert!(ok);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == MODEL)
        .unwrap();
    assert_eq!(row["installed"], true);

    // Downloading again does not clobber what is installed.
    let (ok, _, stderr) = download(&home, &server, &[]);
    assert!(!ok);
    assert!(stderr.contains("already installed"), "{stderr}");
}

#[test]
fn a_connection_dropped_halfway_is_resumed_with_a_range_request() {
    let body = synthetic_model();
    let server = FileServer::start(FILE, body.clone(), Behaviour::DropHalfwayOnce);
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = download(&home, &server, &[]);
    assert!(ok, "download failed: {stderr}");
    assert_eq!(std::fs::read(installed_path(&home)).unwrap(), body);
    let ranges: Vec<_> = server
        .requests()
        .into_iter()
        .filter_map(|r| r.range)
        .collect();
    assert_eq!(ranges, vec![format!("bytes={}-", body.len() / 2)]);
}

#[test]
fn an_interrupted_download_resumes_on_the_next_run() {
    let body = synthetic_model();
    let (_dir, home) = temp_home();
    let flaky = FileServer::start(FILE, body.clone(), Behaviour::AlwaysDropHalfway);
    let (ok, _, stderr) = download(&home, &flaky, &[]);
    assert!(!ok, "a server that always drops must fail the download");
    assert!(
        stderr.contains("broke off") && stderr.contains("run the same command again"),
        "{stderr}"
    );
    assert!(!installed_path(&home).exists(), "nothing may be installed");
    let kept = part_files(&home.models_dir());
    assert_eq!(kept.len(), 1, "the partial download is kept for resuming");
    let have = std::fs::metadata(home.models_dir().join(&kept[0]))
        .unwrap()
        .len();
    assert!(have > 0 && (have as usize) < body.len());

    let good = FileServer::start(FILE, body.clone(), Behaviour::Normal);
    let (ok, _, stderr) = download(&home, &good, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::read(installed_path(&home)).unwrap(), body);
    let ranges: Vec<_> = good
        .requests()
        .into_iter()
        .filter_map(|r| r.range)
        .collect();
    assert_eq!(ranges, vec![format!("bytes={have}-")]);
}

#[test]
fn a_wrong_checksum_is_rejected_and_nothing_is_installed() {
    let server = FileServer::start(FILE, synthetic_model(), Behaviour::WrongChecksum);
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = download(&home, &server, &[]);
    assert!(!ok);
    assert!(stderr.contains("SHA-256 checksum mismatch"), "{stderr}");
    assert!(stderr.contains("discarded"), "{stderr}");
    assert!(!installed_path(&home).exists());
    assert!(
        part_files(&home.models_dir()).is_empty(),
        "the bad file must be removed"
    );
}

#[test]
fn a_missing_file_reports_the_404() {
    let server = FileServer::start(FILE, synthetic_model(), Behaviour::NotFound);
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = download(&home, &server, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("HTTP 404") && stderr.contains(FILE),
        "{stderr}"
    );
    assert!(!installed_path(&home).exists());
}

#[test]
fn a_stalled_server_times_out_with_a_clear_message() {
    let server = FileServer::start(FILE, synthetic_model(), Behaviour::Stall);
    let (_dir, home) = temp_home();
    let started = Instant::now();
    let (ok, _, stderr) = download(&home, &server, &["--stall-timeout", "1"]);
    assert!(!ok);
    assert!(stderr.contains("stalled: no data for 1 s"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(!installed_path(&home).exists());
}

#[test]
fn being_offline_says_so_and_how_to_import_instead() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (_dir, home) = temp_home();
    let base = format!("http://127.0.0.1:{port}");
    let (ok, _, stderr) = run_cli(&home, &["models", "download", MODEL, "--base-url", &base]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot reach") && stderr.contains("models import"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_model_name_is_refused() {
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = run_cli(&home, &["models", "download", "huge-v9"]);
    assert!(!ok);
    assert!(
        stderr.contains("'huge-v9' is not in the catalog"),
        "{stderr}"
    );
}

fn entry(sha1: Option<&'static str>) -> CatalogEntry {
    CatalogEntry {
        name: MODEL,
        size_mib: 1,
        languages: Languages::Multilingual,
        sha1,
    }
}

fn options(server: &FileServer) -> DownloadOptions {
    DownloadOptions {
        base_url: server.base_url(),
        stall_timeout: Duration::from_secs(5),
        ..DownloadOptions::default()
    }
}

#[tokio::test]
async fn progress_is_monotonic_and_reaches_the_total() {
    let body = synthetic_model();
    let server = FileServer::start(FILE, body.clone(), Behaviour::Normal);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("model.bin");
    let mut seen: Vec<Progress> = Vec::new();
    Downloader::new(options(&server))
        .download(&entry(None), &dest, &CancellationToken::new(), |p| {
            seen.push(p)
        })
        .await
        .unwrap();
    assert!(seen.windows(2).all(|w| w[0].downloaded <= w[1].downloaded));
    let last = seen.last().unwrap();
    assert_eq!(last.downloaded, body.len() as u64);
    assert_eq!(last.total, Some(body.len() as u64));
}

#[tokio::test]
async fn a_cancelled_download_installs_nothing() {
    let server = FileServer::start(FILE, synthetic_model(), Behaviour::Normal);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("model.bin");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let result = Downloader::new(options(&server))
        .download(&entry(None), &dest, &cancel, |p| {
            if p.downloaded > 0 {
                trigger.cancel();
            }
        })
        .await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("cancelled"), "{err}");
    assert!(!dest.exists());
}

#[tokio::test]
async fn the_catalog_sha1_is_enforced_too() {
    let body = synthetic_model();
    let server = FileServer::start(FILE, body.clone(), Behaviour::Normal);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("model.bin");
    let wrong = "c78c86eb1a8faa21b369bcd33207cc90d64ae9df";
    let err = Downloader::new(options(&server))
        .download(
            &entry(Some(wrong)),
            &dest,
            &CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SHA-1 checksum mismatch") && err.contains(wrong),
        "{err}"
    );
    assert!(!dest.exists());
}

#[test]
fn the_base_url_setting_points_downloads_at_a_mirror() {
    let body = synthetic_model();
    let server = FileServer::start(FILE, body.clone(), Behaviour::Normal);
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = run_cli(
        &home,
        &["config", "set", "models.base_url", &server.base_url()],
    );
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run_cli(&home, &["models", "download", MODEL]);
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::read(installed_path(&home)).unwrap(), body);
}
