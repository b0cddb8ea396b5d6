//! The local HTTP API as its users meet it: `hookscribe run --api` as a real process on
//! 127.0.0.1, called over real HTTP by reqwest, by the official `openai` Python client and
//! checked with the `standardwebhooks` library, with real speech and whisper.cpp.

// The whisper turn (a std mutex) is held across awaits on purpose: it keeps tests that
// transcribe from running side by side, and each test has a runtime of its own.
#![allow(clippy::await_holding_lock)]

#[path = "../common/mod.rs"]
mod common;

mod jobs;
mod limits;
mod openai;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::daemon::{wait_for, Daemon};
use common::{ct2_tiny_en, run_cli, speak, temp_home};
use hookscribe::home::Home;
use hookscribe::models::Models;
use serde_json::Value;

pub const SENTENCE: &str = "Please send the meeting notes to the team by Friday afternoon.";

/// Shared media: one spoken sentence, and a models folder with tiny.en converted once.
pub struct Media {
    _dir: tempfile::TempDir,
    pub speech: PathBuf,
    models: PathBuf,
}

pub fn media() -> &'static Media {
    static MEDIA: OnceLock<Media> = OnceLock::new();
    MEDIA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let speech = dir.path().join("notes.wav");
        speak(SENTENCE, &speech);
        let home = Home::at(dir.path().join("model-home")).unwrap();
        Models::open(&home)
            .import(&ct2_tiny_en(), Some("tiny.en"), None)
            .unwrap();
        Media {
            speech,
            models: home.models_dir(),
            _dir: dir,
        }
    })
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `hookscribe run --api` on its own data folder with tiny.en installed.
pub struct Server {
    pub home: Home,
    _dir: tempfile::TempDir,
    pub daemon: Daemon,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Started after `settings` (key, value pairs) are set.
    pub fn start_with(settings: &[(&str, &str)]) -> Self {
        let (dir, home) = temp_home();
        install_model(&home);
        let port = free_port().to_string();
        let mut all = vec![("threads", "2"), ("api.port", port.as_str())];
        all.extend_from_slice(settings);
        for (key, value) in all {
            let (ok, _, stderr) = run_cli(&home, &["config", "set", key, value]);
            assert!(ok, "config set {key}: {stderr}");
        }
        let (ok, token, stderr) = run_cli(&home, &["api", "token"]);
        assert!(ok, "{stderr}");
        let daemon = Daemon::start_with(&home, "info", &["--api"]);
        let server = Self {
            base: format!("http://127.0.0.1:{port}"),
            token: token.trim().to_string(),
            http: reqwest::Client::new(),
            daemon,
            home,
            _dir: dir,
        };
        server.wait_listening();
        server
    }

    fn wait_listening(&self) {
        let address = self.base.trim_start_matches("http://").to_string();
        wait_for("the API to listen", Duration::from_secs(20), || {
            std::net::TcpStream::connect(&address).is_ok()
        });
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(&self.token)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(&self.token)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.delete(self.url(path)).bearer_auth(&self.token)
    }

    /// Posts a multipart form (`file` from `path`, then the text fields).
    pub async fn post_form(
        &self,
        route: &str,
        file: Option<&Path>,
        fields: &[(&str, &str)],
    ) -> (u16, Value) {
        let form = Form::new(file, fields);
        let response = self
            .post(route)
            .header("content-type", form.content_type())
            .body(form.body)
            .send()
            .await
            .unwrap();
        read(response).await
    }

    pub async fn post_json(&self, route: &str, body: &Value) -> (u16, Value) {
        let response = self
            .post(route)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        read(response).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        read(self.get(path).send().await.unwrap()).await
    }

    /// A job as the API shows it, once it finished.
    pub async fn wait_finished(&self, id: i64) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            let (status, job) = self.get_json(&format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if ["completed", "failed", "cancelled"].contains(&job["status"].as_str().unwrap()) {
                return job;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} did not finish: {job}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Whether the server still answers (after a bad request).
    pub async fn still_serving(&self) {
        let (status, body) = self.get_json("/v1/models").await;
        assert_eq!(status, 200, "the server stopped answering: {body}");
    }
}

fn install_model(home: &Home) {
    std::fs::create_dir_all(home.models_dir()).unwrap();
    for entry in std::fs::read_dir(&media().models).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), home.models_dir().join(entry.file_name())).unwrap();
    }
}

/// The status and the JSON body (or the text as a JSON string).
pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts a failure has the documented shape: the status and `{error: {code, message}}`.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) -> String {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "an error says what went wrong: {body}");
    message.to_string()
}

/// A multipart/form-data body, built by hand so the tests control every byte.
pub struct Form {
    boundary: String,
    pub body: Vec<u8>,
}

impl Form {
    pub fn new(file: Option<&Path>, fields: &[(&str, &str)]) -> Self {
        let boundary = "hookscribe-test-boundary-7MA4YWxkTrZu0gW".to_string();
        let mut body = Vec::new();
        if let Some(path) = file {
            let name = path.file_name().unwrap().to_string_lossy();
            body.extend(Self::file_head(&boundary, &name));
            body.extend(std::fs::read(path).unwrap());
            body.extend(b"\r\n");
        }
        for (name, value) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        Self { boundary, body }
    }

    pub fn file_head(boundary: &str, name: &str) -> Vec<u8> {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes()
    }

    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// Reads an event stream to its end (or until `limit` events).
pub async fn read_events(response: reqwest::Response, limit: usize) -> Vec<Sse> {
    use futures_util::StreamExt;
    assert_eq!(response.status().as_u16(), 200);
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(120), stream.next())
        .await
        .expect("the event stream went quiet")
    {
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = Sse {
                id: String::new(),
                event: "message".into(),
                data: Value::Null,
            };
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    event.id = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event.event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if data.is_empty() {
                continue; // a keep-alive comment
            }
            event.data = serde_json::from_str(&data).unwrap_or(Value::String(data));
            events.push(event);
            if events.len() == limit {
                return events;
            }
        }
    }
    events
}

/// The Python with the real clients (`openai`, `standardwebhooks`) the setup installs.
pub fn python() -> PathBuf {
    let python = std::env::var_os("HOOKSCRIBE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/hookscribe/venv/bin/python")
        });
    assert!(
        python.is_file(),
        "the Python API clients are not installed at {}; run `bash scripts/test.sh` first",
        python.display()
    );
    python
}

/// Runs one of the Python scripts next to this file; its stdout as JSON.
pub fn run_python(script: &str, args: &[&str], stdin: &str) -> Value {
    use std::io::Write;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api")
        .join(script);
    let mut child = Command::new(python())
        .arg(&path)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
