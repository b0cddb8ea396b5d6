//! Plays recordings in the window through a loopback HTTP server.
//!
//! Why not Tauri's asset protocol: WebKitGTK hands a media element's URL straight to
//! GStreamer, which has no source for custom schemes (`asset://`), so `<audio>` fails
//! with "format not supported" on Linux (WebKit bug 146351, tauri#3725). Plain HTTP
//! with byte ranges plays everywhere and lets the player seek in an hour-long file
//! without reading it whole.
//!
//! Only what the window asked to play is served: each recording gets an unguessable
//! token (128 random bits) and the server listens on 127.0.0.1 only.

use std::collections::HashMap;
use std::io::SeekFrom;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// The app's media server, started the first time the window plays something.
pub type Media = tokio::sync::OnceCell<MediaServer>;

/// The running server: hands out URLs for recordings.
#[derive(Clone)]
pub struct MediaServer {
    addr: SocketAddr,
    files: Files,
}

/// Token → recording, and the way back so a recording keeps one URL.
#[derive(Clone, Default)]
struct Files(Arc<Mutex<Registry>>);

#[derive(Default)]
struct Registry {
    by_token: HashMap<String, PathBuf>,
    by_path: HashMap<PathBuf, String>,
}

impl Files {
    fn token_for(&self, path: &Path) -> std::io::Result<String> {
        let mut registry = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = registry.by_path.get(path) {
            return Ok(token.clone());
        }
        let token = random_token()?;
        registry.by_token.insert(token.clone(), path.to_path_buf());
        registry.by_path.insert(path.to_path_buf(), token.clone());
        Ok(token)
    }

    fn path_of(&self, token: &str) -> Option<PathBuf> {
        let registry = self.0.lock().unwrap_or_else(|e| e.into_inner());
        registry.by_token.get(token).cloned()
    }
}

fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl MediaServer {
    /// Binds a free port on 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start() -> std::io::Result<MediaServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let files = Files::default();
        let app = Router::new()
            .route("/media/{token}", get(serve))
            .with_state(files.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the media server stopped; recordings cannot play");
            }
        });
        tracing::debug!(%addr, "media server listening");
        Ok(MediaServer { addr, files })
    }

    /// The URL the window plays `path` from.
    pub fn url_for(&self, path: &Path) -> std::io::Result<String> {
        let token = self.files.token_for(path)?;
        Ok(format!("http://{}/media/{token}", self.addr))
    }
}

async fn serve(
    State(files): State<Files>,
    UrlPath(token): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(path) = files.path_of(&token) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match respond(&path, headers.get(header::RANGE)).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot serve a recording to the player");
            let status = if error.kind() == std::io::ErrorKind::NotFound {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            status.into_response()
        }
    }
}

async fn respond(path: &Path, range: Option<&HeaderValue>) -> std::io::Result<Response> {
    let mut file = tokio::fs::File::open(path).await?;
    let size = file.metadata().await?.len();
    let requested = range
        .and_then(|v| v.to_str().ok())
        .map(|v| ByteRange::parse(v, size));
    let (status, span) = match requested {
        None | Some(Parsed::Ignored) => (
            StatusCode::OK,
            ByteRange {
                start: 0,
                end: size,
            },
        ),
        Some(Parsed::Range(span)) => (StatusCode::PARTIAL_CONTENT, span),
        Some(Parsed::Unsatisfiable) => {
            return Ok(Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .unwrap_or_default());
        }
    };
    file.seek(SeekFrom::Start(span.start)).await?;
    let body = Body::from_stream(ReaderStream::new(file.take(span.len())));
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type(path))
        .header(header::CONTENT_LENGTH, span.len())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "no-store");
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{size}", span.start, span.end - 1),
        );
    }
    response.body(body).map_err(std::io::Error::other)
}

/// A half-open byte span `[start, end)` of the file.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct ByteRange {
    start: u64,
    end: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Range(ByteRange),
    /// Not a single byte range we serve (several ranges, another unit, garbage): the
    /// whole file, as RFC 9110 allows.
    Ignored,
    Unsatisfiable,
}

impl ByteRange {
    fn len(self) -> u64 {
        self.end - self.start
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes.
    fn parse(value: &str, size: u64) -> Parsed {
        let Some(spec) = value.trim().strip_prefix("bytes=") else {
            return Parsed::Ignored;
        };
        if spec.contains(',') {
            return Parsed::Ignored;
        }
        let Some((first, last)) = spec.trim().split_once('-') else {
            return Parsed::Ignored;
        };
        let (first, last) = (first.trim(), last.trim());
        let span = if first.is_empty() {
            // The last `n` bytes.
            let Ok(n) = last.parse::<u64>() else {
                return Parsed::Ignored;
            };
            if n == 0 {
                return Parsed::Unsatisfiable;
            }
            ByteRange {
                start: size.saturating_sub(n),
                end: size,
            }
        } else {
            let Ok(start) = first.parse::<u64>() else {
                return Parsed::Ignored;
            };
            let end = match last {
                "" => size,
                last => match last.parse::<u64>() {
                    Ok(last) if last >= start => last.saturating_add(1).min(size),
                    _ => return Parsed::Ignored,
                },
            };
            ByteRange { start, end }
        };
        if span.start >= size {
            Parsed::Unsatisfiable
        } else {
            Parsed::Range(span)
        }
    }
}

/// What the player needs to pick a demuxer; the file's extension is all we have cheaply.
fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "wav" | "wave" => "audio/wav",
        "mp3" => "audio/mpeg",
        "m4a" | "aac" => "audio/mp4",
        "flac" => "audio/flac",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "webm" => "video/webm",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "aif" | "aiff" => "audio/aiff",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn ranges_parse_as_rfc_9110_says() {
        let range = |start, end| Parsed::Range(ByteRange { start, end });
        assert_eq!(ByteRange::parse("bytes=0-", 100), range(0, 100));
        assert_eq!(ByteRange::parse("bytes=10-19", 100), range(10, 20));
        assert_eq!(ByteRange::parse("bytes=90-500", 100), range(90, 100));
        assert_eq!(ByteRange::parse("bytes=-30", 100), range(70, 100));
        assert_eq!(ByteRange::parse("bytes=-300", 100), range(0, 100));
        assert_eq!(ByteRange::parse("bytes=100-", 100), Parsed::Unsatisfiable);
        assert_eq!(ByteRange::parse("bytes=-0", 100), Parsed::Unsatisfiable);
        assert_eq!(ByteRange::parse("bytes=0-1,5-9", 100), Parsed::Ignored);
        assert_eq!(ByteRange::parse("bytes=9-1", 100), Parsed::Ignored);
        assert_eq!(ByteRange::parse("items=0-1", 100), Parsed::Ignored);
    }

    /// One raw HTTP/1.1 request to the server: (status line, headers, body).
    fn request(url: &str, range: Option<&str>) -> (String, String, Vec<u8>) {
        let rest = url.strip_prefix("http://").expect("an http URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut stream = std::net::TcpStream::connect(host).expect("connect to the server");
        let range = range.map(|r| format!("Range: {r}\r\n")).unwrap_or_default();
        write!(
            stream,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\n{range}Connection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read the answer");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let (status, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
        (
            status.to_string(),
            headers.to_lowercase(),
            raw[split + 4..].to_vec(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_what_was_registered_with_byte_ranges_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("hookscribe-media-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("memo.wav");
        let content: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(&path, &content).expect("write the recording");
        let server = MediaServer::start().await.expect("start");
        let url = server.url_for(&path).expect("a URL");
        assert_eq!(
            server.url_for(&path).expect("again"),
            url,
            "one URL per recording"
        );

        let checks = tokio::task::spawn_blocking(move || {
            let (status, headers, body) = request(&url, None);
            assert!(status.contains("200"), "{status}");
            assert!(headers.contains("content-type: audio/wav"), "{headers}");
            assert!(headers.contains("accept-ranges: bytes"), "{headers}");
            assert_eq!(body, content);

            let (status, headers, body) = request(&url, Some("bytes=1000-1999"));
            assert!(status.contains("206"), "{status}");
            assert!(
                headers.contains("content-range: bytes 1000-1999/10000"),
                "{headers}"
            );
            assert_eq!(body, &content[1000..2000]);

            let (status, _, body) = request(&url, Some("bytes=-16"));
            assert!(status.contains("206"), "{status}");
            assert_eq!(body, &content[10_000 - 16..]);

            let (status, headers, _) = request(&url, Some("bytes=20000-"));
            assert!(status.contains("416"), "{status}");
            assert!(
                headers.contains("content-range: bytes */10000"),
                "{headers}"
            );

            // A token nobody was given, and a recording deleted since.
            let base = url.rsplit_once('/').expect("a token").0;
            let (status, _, _) = request(&format!("{base}/00000000000000000000000000000000"), None);
            assert!(status.contains("404"), "{status}");
            std::fs::remove_file(&path).expect("delete the recording");
            let (status, _, _) = request(&url, None);
            assert!(status.contains("404"), "{status}");
        });
        checks.await.expect("the checks");
    }
}
