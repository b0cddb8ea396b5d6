//! Endpoints and their secrets: rotation, auto-disable, secrets kept out of every log and
//! view, validation.

use super::*;

#[test]
fn during_a_secret_rotation_both_secrets_verify_and_afterwards_only_the_new_one() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    let (endpoint, old) = add_endpoint(&home, &receiver.url, &[]);
    let rotated: serde_json::Value = serde_json::from_str(&cli(
        &home,
        &["webhooks", "rotate-secret", &endpoint.to_string(), "--json"],
    ))
    .unwrap();
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "test", &endpoint.to_string()]);
    assert!(ok, "{stderr}");
    let request = &receiver.received()[0];
    assert_eq!(request.header("webhook-signature").split(' ').count(), 2);
    assert!(
        verifies(&old, request),
        "receivers still on the old secret verify"
    );
    assert!(
        verifies(&new, request),
        "receivers on the new secret verify"
    );

    cli(
        &home,
        &[
            "webhooks",
            "rotate-secret",
            &endpoint.to_string(),
            "--grace",
            "0s",
        ],
    );
    let newest = cli(
        &home,
        &[
            "webhooks",
            "show",
            &endpoint.to_string(),
            "--reveal",
            "--json",
        ],
    );
    let newest: serde_json::Value = serde_json::from_str(&newest).unwrap();
    let newest = newest["secret"].as_str().unwrap();
    cli(&home, &["webhooks", "test", &endpoint.to_string()]);
    let request = &receiver.received()[1];
    assert!(verifies(newest, request));
    assert!(
        !verifies(&new, request),
        "after the grace period the old secret is dropped"
    );
    assert!(!verifies(&old, request));
}

#[test]
fn an_endpoint_that_keeps_failing_is_disabled_and_its_held_messages_can_be_skipped() {
    let (_dir, home) = setup(&["50ms"; 12].join(","));
    cli(&home, &["config", "set", "webhooks.disable_after", "0s"]);
    let receiver = Receiver::start(Reply::Status(500));
    let (endpoint, _) = add_endpoint(&home, &receiver.url, &[]);
    completed_job(&mut store(&home), "a.wav", "hello");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    wait_status(
        &home,
        message.id,
        MessageStatus::Held,
        Duration::from_secs(20),
    );
    assert_eq!(
        receiver.count(),
        10,
        "disabled after the tenth failure in a row"
    );
    let reason = store(&home)
        .endpoint(endpoint)
        .unwrap()
        .disabled_reason
        .unwrap();
    assert!(reason.contains("10 failed attempts in a row"), "{reason}");
    assert!(
        daemon.log().contains("webhook endpoint disabled"),
        "{}",
        daemon.log()
    );
    let shown = cli(&home, &["webhooks", "show", &endpoint.to_string()]);
    assert!(shown.contains("DISABLED"), "{shown}");

    let out = cli(
        &home,
        &["webhooks", "enable", &endpoint.to_string(), "--skip-held"],
    );
    assert!(out.contains("1 held message(s) skipped"), "{out}");
    let skipped = store(&home).message(message.id).unwrap();
    assert_eq!(skipped.status, MessageStatus::Failed);
    assert!(skipped.last_error.unwrap().contains("skipped"));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(receiver.count(), 10, "a skipped message is not sent");
}

#[test]
fn secrets_never_reach_the_logs_the_cli_or_the_delivery_log() {
    let (_dir, home) = setup("100ms");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Status(500)]);
    let token = "tok_7d1f0c9e5b2a";
    let (endpoint, secret) = add_endpoint(
        &home,
        &receiver.url,
        &[
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--secret-header",
            "X-Api: hunter2-value",
        ],
    );
    completed_job(&mut store(&home), "a.wav", "hello");
    let daemon = Daemon::start_logging(&home, "debug");
    let received = receiver.wait_for(2, Duration::from_secs(20));
    assert_eq!(
        received[1].header("authorization"),
        format!("Bearer {token}"),
        "sent for real"
    );
    assert_eq!(received[1].header("x-api"), "hunter2-value");
    let message = only_message(&home);
    wait_status(
        &home,
        message.id,
        MessageStatus::Delivered,
        Duration::from_secs(5),
    );
    let id = endpoint.to_string();
    let mut seen = daemon.terminate();
    for args in [
        vec!["webhooks", "list"],
        vec!["webhooks", "list", "--json"],
        vec!["webhooks", "show", &id],
        vec!["webhooks", "show", &id, "--json"],
        vec!["deliveries", "list", "--json"],
        vec!["deliveries", "show", "1"],
        vec!["deliveries", "show", "1", "--json"],
    ] {
        seen.push_str(&cli(&home, &args));
    }
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    let logged: String = conn
        .query_row(
            "SELECT group_concat(request_headers || coalesce(response_headers, '') || coalesce(response_body, '') || coalesce(error, ''), '') FROM attempts",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let bodies: String = conn
        .query_row(
            "SELECT group_concat(body || coalesce(last_error, ''), '') FROM messages",
            [],
            |r| r.get(0),
        )
        .unwrap();
    seen.push_str(&logged);
    seen.push_str(&bodies);
    assert!(
        seen.contains("webhook-signature"),
        "the log shows the signature header"
    );
    assert!(seen.contains("••••••"), "secret values are masked");
    let key = &secret["whsec_".len()..];
    for needle in [key, token, "hunter2-value"] {
        assert!(!seen.contains(needle), "{needle} leaked");
    }
}

#[test]
fn endpoints_are_validated_and_shown_with_their_secret_masked() {
    let (_dir, home) = temp_home();
    for (url, expected) in [
        ("ftp://example.com/x", "use http:// or https://"),
        ("example.com/hook", "not a usable webhook URL"),
    ] {
        let (ok, _, stderr) = run_cli(&home, &["webhooks", "add", url]);
        assert!(!ok && stderr.contains(expected), "{url}: {stderr}");
    }
    let (ok, _, stderr) = run_cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--events",
            "transcription.done",
        ],
    );
    assert!(
        !ok && stderr.contains("transcription.completed"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--header",
            "Webhook-Id: x",
        ],
    );
    assert!(!ok && stderr.contains("set by Hookscribe"), "{stderr}");

    let out = cli(
        &home,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/x",
            "--description",
            "n8n",
        ],
    );
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("signing secret: "))
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{out}");
    let list = cli(&home, &["webhooks", "list", "--json"]);
    assert!(
        !list.contains(&secret) && list.contains("whsec_…"),
        "{list}"
    );
    let revealed = cli(&home, &["webhooks", "show", "1", "--reveal"]);
    assert!(revealed.contains(&secret), "{revealed}");
    cli(
        &home,
        &[
            "webhooks",
            "update",
            "1",
            "--format",
            "flat",
            "--events",
            "transcription.failed",
        ],
    );
    let shown = cli(&home, &["webhooks", "show", "1"]);
    assert!(
        shown.contains("format: flat") && shown.contains("events: transcription.failed"),
        "{shown}"
    );
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "test", "1"]);
    assert!(!ok && stderr.contains("not delivered"), "{stderr}");
    let disabled: serde_json::Value =
        serde_json::from_str(&cli(&home, &["webhooks", "disable", "1", "--json"])).unwrap();
    assert_eq!(disabled["enabled"], false);
    assert_eq!(disabled["disabled"]["reason"], "disabled by the user");
    let enabled: serde_json::Value =
        serde_json::from_str(&cli(&home, &["webhooks", "enable", "1", "--json"])).unwrap();
    assert_eq!(enabled["endpoint"]["enabled"], true);
    let replayed: serde_json::Value =
        serde_json::from_str(&cli(&home, &["deliveries", "replay", "1", "--json"])).unwrap();
    assert_eq!(replayed[0]["status"], "pending", "{replayed}");
    let out = cli(&home, &["webhooks", "remove", "1"]);
    assert!(out.contains("removed"), "{out}");
    let (ok, _, stderr) = run_cli(&home, &["webhooks", "show", "1"]);
    assert!(!ok && stderr.contains("no webhook endpoint 1"), "{stderr}");
}

/// `hookscribe ARGS…` with `stdin` written to its standard input.
fn cli_with_stdin(home: &Home, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(common::hookscribe_bin())
        .args(args)
        .env("HOOKSCRIBE_HOME", home.root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    write!(child.stdin.take().unwrap(), "{stdin}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_receivers_existing_secret_can_be_kept_via_stdin() {
    let (_dir, home) = temp_home();
    let receiver = Receiver::start(Reply::Status(200));
    let existing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let output = cli_with_stdin(
        &home,
        &["webhooks", "add", &receiver.url, "--secret-stdin", "--json"],
        &format!("{existing}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(created["secret"], existing);
    cli(&home, &["webhooks", "test", "1"]);
    assert!(verifies(existing, &receiver.received()[0]));

    let output = std::process::Command::new(common::hookscribe_bin())
        .args(["webhooks", "rotate-secret", "1", "--secret-stdin"])
        .env("HOOKSCRIBE_HOME", home.root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("secret on standard input is not usable"),
        "{stderr}"
    );
}

/// Secret header values can come from standard input (never the command line, where `ps`
/// and shell history would show them), after the signing secret, one line each.
#[test]
fn secret_header_values_are_read_from_stdin_in_order() {
    let (_dir, home) = temp_home();
    let receiver = Receiver::start(Reply::Status(200));
    let existing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let add = |stdin: &str| {
        let args = [
            "webhooks",
            "add",
            &receiver.url,
            "--secret-stdin",
            "--json",
            "--secret-header-stdin",
            "Authorization",
            "--secret-header-stdin",
            "X-Api-Key",
        ];
        cli_with_stdin(&home, &args, stdin)
    };

    let short = add(&format!("{existing}\nBearer only-one\n"));
    assert!(!short.status.success(), "one value for two headers");
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(
        stderr.contains("standard input ended before the value of the X-Api-Key header"),
        "{stderr}"
    );
    assert_eq!(
        cli(&home, &["webhooks", "list", "--json"]).trim(),
        "[]",
        "nothing was added"
    );

    let output = add(&format!("{existing}\nBearer tok-9f2c\nkey-77aa\n"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = cli(&home, &["webhooks", "list", "--json"]);
    assert!(
        !listed.contains("tok-9f2c") && !listed.contains("key-77aa"),
        "{listed}"
    );
    cli(&home, &["webhooks", "test", "1"]);
    let request = &receiver.received()[0];
    assert_eq!(request.header("authorization"), "Bearer tok-9f2c");
    assert_eq!(request.header("x-api-key"), "key-77aa");
    assert!(verifies(existing, request), "the signing secret came first");
}
