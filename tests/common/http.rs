//! A small, real HTTP/1.1 file server on 127.0.0.1 for download tests. It serves one
//! file with the headers Hugging Face sends, honours Range, and can misbehave on demand.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server treats requests for the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Normal,
    /// The first GET sends half the body, then closes the connection.
    DropHalfwayOnce,
    /// Every GET sends half the body, then closes.
    AlwaysDropHalfway,
    /// Announces a SHA-256 that does not match the body.
    WrongChecksum,
    NotFound,
    /// Sends headers and a little data, then goes silent.
    Stall,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
}

pub struct FileServer {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl FileServer {
    /// Serves `body` at `/resolve/main/{file_name}`.
    pub fn start(file_name: &str, body: Vec<u8>, behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(ServerState {
            path: format!("/resolve/main/{file_name}"),
            sha256: sha256_hex(&body),
            body,
            behaviour,
            gets: Mutex::new(0),
            requests: requests.clone(),
        });
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let state = state.clone();
                thread::spawn(move || state.handle(stream));
            }
        });
        Self { port, requests }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

struct ServerState {
    path: String,
    body: Vec<u8>,
    sha256: String,
    behaviour: Behaviour,
    gets: Mutex<u32>,
    requests: Arc<Mutex<Vec<Request>>>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

impl ServerState {
    fn handle(&self, mut stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut range = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("range") {
                    range = Some(value.trim().to_string());
                }
            }
        }
        self.requests.lock().unwrap().push(Request {
            method: method.clone(),
            path: path.clone(),
            range: range.clone(),
        });

        if path != self.path || self.behaviour == Behaviour::NotFound {
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found");
            return;
        }
        let sha = if self.behaviour == Behaviour::WrongChecksum {
            "0".repeat(64)
        } else {
            self.sha256.clone()
        };
        let total = self.body.len();
        let linked = format!("x-linked-etag: \"{sha}\"\r\nx-linked-size: {total}\r\n");
        if method == "HEAD" {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {total}\r\n{linked}connection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            return;
        }
        let get_number = {
            let mut gets = self.gets.lock().unwrap();
            *gets += 1;
            *gets
        };
        let start = range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
            .filter(|s| *s < total);
        let (status, from) = match start {
            Some(from) => (
                format!(
                    "206 Partial Content\r\ncontent-range: bytes {from}-{}/{total}",
                    total - 1
                ),
                from,
            ),
            None => ("200 OK".to_string(), 0),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\naccept-ranges: bytes\r\n{linked}connection: close\r\n\r\n",
            total - from
        );
        let _ = stream.write_all(head.as_bytes());
        let rest = &self.body[from..];
        let drop_now = match self.behaviour {
            Behaviour::DropHalfwayOnce => get_number == 1,
            Behaviour::AlwaysDropHalfway => true,
            _ => false,
        };
        if drop_now {
            let _ = stream.write_all(&rest[..rest.len() / 2]);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        if self.behaviour == Behaviour::Stall {
            let _ = stream.write_all(&rest[..rest.len().min(1024)]);
            let _ = stream.flush();
            thread::sleep(Duration::from_secs(60));
            return;
        }
        for chunk in rest.chunks(64 * 1024) {
            if stream.write_all(chunk).is_err() {
                return;
            }
        }
    }
}
