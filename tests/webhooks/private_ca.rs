//! Endpoints on a LAN behind a company certificate authority: the system's trust store
//! (here pointed at by `SSL_CERT_FILE`, as `update-ca-certificates` would fill it) is
//! trusted as well as the bundled web roots.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::*;

/// A CA and a certificate for 127.0.0.1 signed by it, made with the openssl command.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the openssl command (Debian package openssl) must be installed");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Hookscribe Test Company CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

/// An HTTPS receiver (Python's http.server over TLS) that answers 200 and counts.
struct HttpsReceiver {
    child: Child,
    port: u16,
    count_file: std::path::PathBuf,
}

impl HttpsReceiver {
    fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let count_file = dir.join("received");
        let script = r#"
import http.server, ssl, sys
port, cert, key, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with open(count, "a") as out:
            out.write(self.headers.get("webhook-id", "") + "\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", port), Hook)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"#;
        let child = Command::new("python3")
            .args(["-c", script, &port.to_string()])
            .arg(dir.join("server.pem"))
            .arg(dir.join("server.key"))
            .arg(&count_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("the HTTPS receiver", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Self {
            child,
            port,
            count_file,
        }
    }

    fn received(&self) -> usize {
        std::fs::read_to_string(&self.count_file)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for HttpsReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_endpoint_behind_a_company_ca_in_the_system_store_is_reached() {
    let (dir, home) = setup("1s");
    make_certificates(dir.path());
    let receiver = HttpsReceiver::start(dir.path());
    let url = format!("https://127.0.0.1:{}/hook", receiver.port);
    add_endpoint(&home, &url, &[]);
    completed_job(&mut store(&home), "a.wav", "over a private CA");
    let message = only_message(&home);

    // Not trusted by the web roots alone: a TLS error, retried.
    let daemon = Daemon::start(&home);
    wait_for("a refused TLS attempt", Duration::from_secs(20), || {
        !attempts(&home, message.id).is_empty()
    });
    daemon.terminate();
    let first = attempts(&home, message.id).remove(0);
    assert_eq!(
        first.attempt.error_kind.as_deref(),
        Some("tls"),
        "{first:?}"
    );
    assert_eq!(receiver.received(), 0);

    // The CA in the system's store: delivered.
    let ca = dir.path().join("ca.pem");
    let _daemon = Daemon::start_env(&home, "info", &[], &[("SSL_CERT_FILE", &ca)]);
    wait_status(
        &home,
        message.id,
        MessageStatus::Delivered,
        Duration::from_secs(20),
    );
    assert_eq!(receiver.received(), 1);
}
