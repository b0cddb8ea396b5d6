//! Downloading catalog models over HTTP: resumable (Range), verified (size, SHA-256 from
//! Hugging Face's `X-Linked-Etag`, SHA-1 from the catalog), written to a `.part` file and
//! renamed into place only once verified, with progress and cancellation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, CONTENT_RANGE, RANGE};
use reqwest::StatusCode;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::catalog::CatalogEntry;
use super::ggml::ModelInfo;

/// Where whisper.cpp's ggml models live; `models.base_url` points elsewhere for mirrors.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co/ggerganov/whisper.cpp";

#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Repository URL; files are fetched from `{base_url}/resolve/main/{file}`.
    pub base_url: String,
    /// Give up when no byte arrives for this long.
    pub stall_timeout: Duration,
    pub connect_timeout: Duration,
    /// How many times a dropped connection is resumed before giving up.
    pub max_resumes: u32,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            stall_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(15),
            max_resumes: 5,
        }
    }
}

/// Progress of one download, for progress bars and UI events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub downloaded: u64,
    pub total: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(
        "cannot reach {url}: {reason}. Are you offline? Without internet, copy the model \
             file from another machine and import it"
    )]
    Offline { url: String, reason: String },
    #[error("{url} answered HTTP {status}{hint}")]
    Status {
        url: String,
        status: u16,
        hint: &'static str,
    },
    #[error(
        "the download from {url} stalled: no data for {seconds} s; download it again to resume"
    )]
    Stalled { url: String, seconds: u64 },
    #[error("the download from {url} broke off ({reason}) after {resumes} resumes; download it again to resume")]
    Interrupted {
        url: String,
        reason: String,
        resumes: u32,
    },
    #[error("{name}: {algorithm} checksum mismatch (expected {expected}, got {actual}); the downloaded file was discarded and nothing was installed")]
    Checksum {
        name: String,
        algorithm: &'static str,
        expected: String,
        actual: String,
    },
    #[error("{name}: the server announced {expected} bytes but sent {actual}; the downloaded file was discarded")]
    Size {
        name: String,
        expected: u64,
        actual: u64,
    },
    #[error("the downloaded file is not a usable model: {0}; it was discarded")]
    NotAModel(String),
    #[error(
        "download of {0} cancelled; the partial file is kept and the next download resumes it"
    )]
    Cancelled(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the server says the file should be, from a HEAD on the resolve URL.
#[derive(Debug, Default)]
struct Announced {
    sha256: Option<String>,
    size: Option<u64>,
}

fn announced(headers: &HeaderMap) -> Announced {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let sha256 = text("x-linked-etag")
        .map(|v| {
            v.trim_start_matches("W/")
                .trim_matches('"')
                .to_ascii_lowercase()
        })
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let size = text("x-linked-size").and_then(|v| v.parse().ok());
    Announced { sha256, size }
}

pub struct Downloader {
    options: DownloadOptions,
    client: reqwest::Client,
    /// HEAD requests must not follow Hugging Face's redirect to its CDN: the checksum
    /// headers are on the first response.
    head_client: reqwest::Client,
}

impl Downloader {
    pub fn new(options: DownloadOptions) -> Self {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .user_agent(concat!("Hookscribe/", env!("CARGO_PKG_VERSION")))
        };
        let client = builder().build().unwrap_or_default();
        let head_client = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            options,
            client,
            head_client,
        }
    }

    pub fn url_for(&self, entry: &CatalogEntry) -> String {
        format!(
            "{}/resolve/main/{}",
            self.options.base_url.trim_end_matches('/'),
            entry.file_name()
        )
    }

    /// Downloads `entry` to `dest` (a final path). Leaves `dest` untouched unless the
    /// whole file arrived and verified.
    pub async fn download(
        &self,
        entry: &CatalogEntry,
        dest: &Path,
        cancel: &CancellationToken,
        mut on_progress: impl FnMut(Progress),
    ) -> Result<ModelInfo, DownloadError> {
        let url = self.url_for(entry);
        let part = part_path(dest);
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DownloadError::Io { path, source }
        };
        let head = self.head(&url).await?;
        tracing::info!(model = entry.name, %url, sha256 = ?head.sha256, size = ?head.size, "downloading model");

        let mut resumes = 0;
        let total = loop {
            if cancel.is_cancelled() {
                return Err(DownloadError::Cancelled(entry.name.to_string()));
            }
            match self
                .fetch_into(&url, &part, head.size, cancel, &mut on_progress)
                .await
            {
                Ok(total) => break total,
                Err(Attempt::Cancelled) => {
                    return Err(DownloadError::Cancelled(entry.name.to_string()))
                }
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retryable(reason)) if resumes < self.options.max_resumes => {
                    resumes += 1;
                    tracing::warn!(model = entry.name, %reason, resumes, "download interrupted; resuming");
                    tokio::time::sleep(Duration::from_millis(250 * u64::from(resumes))).await;
                }
                Err(Attempt::Retryable(reason)) => {
                    return Err(DownloadError::Interrupted {
                        url,
                        reason,
                        resumes,
                    })
                }
            }
        };

        if let Err(e) = verify(entry, &part, total, &head).await {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        let info = match ModelInfo::read(&part) {
            Ok(info) => info,
            Err(e) => {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(DownloadError::NotAModel(e.to_string()));
            }
        };
        tokio::fs::rename(&part, dest).await.map_err(io_err(dest))?;
        Ok(info)
    }

    async fn head(&self, url: &str) -> Result<Announced, DownloadError> {
        let response = tokio::time::timeout(
            self.options.stall_timeout,
            self.head_client.head(url).send(),
        )
        .await
        .map_err(|_| self.stalled(url))?
        .map_err(|e| offline(url, &e))?;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            return Err(status_error(url, status));
        }
        Ok(announced(response.headers()))
    }

    fn stalled(&self, url: &str) -> DownloadError {
        DownloadError::Stalled {
            url: url.to_string(),
            seconds: self.options.stall_timeout.as_secs(),
        }
    }

    /// One GET, resuming from the `.part` file's length. Returns the final length.
    async fn fetch_into(
        &self,
        url: &str,
        part: &Path,
        expected: Option<u64>,
        cancel: &CancellationToken,
        on_progress: &mut impl FnMut(Progress),
    ) -> Result<u64, Attempt> {
        let io_fatal = |source| {
            Attempt::Fatal(DownloadError::Io {
                path: part.to_path_buf(),
                source,
            })
        };
        let have = tokio::fs::metadata(part)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        if expected.is_some_and(|size| have == size) {
            return Ok(have);
        }
        let mut request = self.client.get(url);
        if have > 0 {
            request = request.header(RANGE, format!("bytes={have}-"));
        }
        let response = tokio::time::timeout(self.options.stall_timeout, request.send())
            .await
            .map_err(|_| Attempt::Fatal(self.stalled(url)))?
            .map_err(|e| {
                if e.is_connect() {
                    Attempt::Fatal(offline(url, &e))
                } else {
                    Attempt::Retryable(e.to_string())
                }
            })?;
        let status = response.status();
        let (mut file, mut downloaded) = match status {
            StatusCode::PARTIAL_CONTENT if resumes_at(response.headers()) == Some(have) => {
                let file = tokio::fs::OpenOptions::new()
                    .append(true)
                    .open(part)
                    .await
                    .map_err(io_fatal)?;
                (file, have)
            }
            StatusCode::OK | StatusCode::PARTIAL_CONTENT => {
                // The server ignored our range (or answered another one): start over.
                (tokio::fs::File::create(part).await.map_err(io_fatal)?, 0)
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                let _ = tokio::fs::remove_file(part).await;
                return Err(Attempt::Retryable(
                    "the partial file was longer than the model".into(),
                ));
            }
            other => return Err(Attempt::Fatal(status_error(url, other))),
        };
        let total = expected.or_else(|| response.content_length().map(|len| len + downloaded));
        on_progress(Progress { downloaded, total });

        let mut body = response.bytes_stream();
        loop {
            let next = tokio::select! {
                _ = cancel.cancelled() => {
                    file.flush().await.map_err(io_fatal)?;
                    return Err(Attempt::Cancelled);
                }
                next = tokio::time::timeout(self.options.stall_timeout, body.next()) => next,
            };
            match next {
                Err(_) => {
                    file.flush().await.map_err(io_fatal)?;
                    return Err(Attempt::Fatal(self.stalled(url)));
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    file.flush().await.map_err(io_fatal)?;
                    return Err(Attempt::Retryable(e.to_string()));
                }
                Ok(Some(Ok(chunk))) => {
                    file.write_all(&chunk).await.map_err(io_fatal)?;
                    downloaded += chunk.len() as u64;
                    on_progress(Progress { downloaded, total });
                }
            }
        }
        file.flush().await.map_err(io_fatal)?;
        file.sync_all().await.map_err(io_fatal)?;
        if total.is_some_and(|t| downloaded < t) {
            return Err(Attempt::Retryable(format!(
                "the connection closed after {downloaded} of {} bytes",
                total.unwrap_or_default()
            )));
        }
        Ok(downloaded)
    }
}

enum Attempt {
    Fatal(DownloadError),
    Cancelled,
    /// The connection broke: resume from what we have.
    Retryable(String),
}

/// The first byte offset of a 206 response's `Content-Range: bytes START-END/TOTAL`.
fn resumes_at(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

fn offline(url: &str, error: &reqwest::Error) -> DownloadError {
    use std::error::Error;
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        reason = format!("{reason}: {inner}");
        source = inner.source();
    }
    DownloadError::Offline {
        url: url.to_string(),
        reason,
    }
}

fn status_error(url: &str, status: StatusCode) -> DownloadError {
    let hint = match status.as_u16() {
        404 => " (not found): check the model name and the models.base_url setting",
        401 | 403 => " (access denied): check the models.base_url setting",
        500..=599 => " (server error): try again later",
        _ => "",
    };
    DownloadError::Status {
        url: url.to_string(),
        status: status.as_u16(),
        hint,
    }
}

/// The temporary name a download is written under, next to its destination.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

async fn verify(
    entry: &CatalogEntry,
    part: &Path,
    total: u64,
    head: &Announced,
) -> Result<(), DownloadError> {
    if let Some(expected) = head.size {
        if expected != total {
            return Err(DownloadError::Size {
                name: entry.name.to_string(),
                expected,
                actual: total,
            });
        }
    }
    let (sha1, sha256) = digests(part).await.map_err(|source| DownloadError::Io {
        path: part.to_path_buf(),
        source,
    })?;
    let checks = [
        ("SHA-256", head.sha256.as_deref(), sha256),
        ("SHA-1", entry.sha1, sha1),
    ];
    for (algorithm, expected, actual) in checks {
        if let Some(expected) = expected {
            if expected != actual {
                return Err(DownloadError::Checksum {
                    name: entry.name.to_string(),
                    algorithm,
                    expected: expected.to_string(),
                    actual,
                });
            }
        }
    }
    if head.sha256.is_none() && entry.sha1.is_none() {
        tracing::warn!(
            model = entry.name,
            "no checksum is known for this model; only its size and header were checked"
        );
    }
    Ok(())
}

/// SHA-1 and SHA-256 of a file, read once. Hashing after the download (rather than while
/// streaming) keeps resumed downloads simple and costs well under a second per 100 MB.
async fn digests(path: &Path) -> std::io::Result<(String, String)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        sha1.update(&buf[..n]);
        sha256.update(&buf[..n]);
    }
    Ok((hex::encode(sha1.finalize()), hex::encode(sha256.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hugging_face_headers_are_parsed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-linked-etag",
            "\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\""
                .parse()
                .unwrap(),
        );
        headers.insert("x-linked-size", "77691713".parse().unwrap());
        let a = announced(&headers);
        assert_eq!(
            a.sha256.as_deref(),
            Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
        );
        assert_eq!(a.size, Some(77_691_713));
        // A git-style etag (SHA-1) is not a SHA-256 and is ignored.
        headers.insert(
            "x-linked-etag",
            "\"c78c86eb1a8faa21b369bcd33207cc90d64ae9df\""
                .parse()
                .unwrap(),
        );
        assert_eq!(announced(&headers).sha256, None);
    }

    #[test]
    fn content_range_start_is_read() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_RANGE, "bytes 1000-1999/2000".parse().unwrap());
        assert_eq!(resumes_at(&headers), Some(1000));
    }

    #[test]
    fn part_file_sits_next_to_the_destination() {
        assert_eq!(
            part_path(Path::new("/m/tiny.en.bin")),
            PathBuf::from("/m/tiny.en.bin.part")
        );
    }
}
