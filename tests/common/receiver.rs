//! A real webhook receiver on 127.0.0.1 (axum on its own runtime thread) that answers as
//! a test scripts it and records every request it gets.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with extra response headers (`Retry-After`, `Location`, …).
    WithHeaders(u16, Vec<(&'static str, String)>),
    /// Never answers.
    Hang,
    /// Answers with this status after a pause (a slow receiver).
    After(Duration, u16),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

struct Script {
    next: VecDeque<Reply>,
    otherwise: Reply,
    received: Vec<Received>,
}

pub struct Receiver {
    pub url: String,
    script: Arc<Mutex<Script>>,
    _thread: std::thread::JoinHandle<()>,
}

async fn handle(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            at: Instant::now(),
            headers,
            body: body.to_vec(),
        });
        script
            .next
            .pop_front()
            .unwrap_or_else(|| script.otherwise.clone())
    };
    match reply {
        Reply::Status(code) => (
            StatusCode::from_u16(code).unwrap(),
            "ok from the test receiver",
        )
            .into_response(),
        Reply::WithHeaders(code, headers) => {
            let mut response = (StatusCode::from_u16(code).unwrap(), "scripted").into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
        Reply::After(pause, code) => {
            tokio::time::sleep(pause).await;
            (StatusCode::from_u16(code).unwrap(), "slow answer").into_response()
        }
    }
}

impl Receiver {
    /// Answers `otherwise` to every request not scripted with `then`.
    pub fn start(otherwise: Reply) -> Self {
        Self::listen(
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            otherwise,
        )
    }

    /// Listens on a given port (one a test saw refused before).
    pub fn start_on(port: u16, otherwise: Reply) -> Self {
        Self::listen(
            std::net::TcpListener::bind(("127.0.0.1", port)).unwrap(),
            otherwise,
        )
    }

    fn listen(std_listener: std::net::TcpListener, otherwise: Reply) -> Self {
        let script = Arc::new(Mutex::new(Script {
            next: VecDeque::new(),
            otherwise,
            received: Vec::new(),
        }));
        std_listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/hook", std_listener.local_addr().unwrap());
        let state = script.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let app = axum::Router::new()
                    .fallback(axum::routing::post(handle))
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        Self {
            url,
            script,
            _thread: thread,
        }
    }

    /// Answers the next requests with these replies, in order.
    pub fn then(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().next.extend(replies);
    }

    pub fn otherwise(&self, reply: Reply) {
        self.script.lock().unwrap().otherwise = reply;
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    pub fn count(&self) -> usize {
        self.script.lock().unwrap().received.len()
    }

    /// Waits until at least `n` requests arrived; returns them.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver got {} of {n} requests in {timeout:?}",
                received.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hook")
}
