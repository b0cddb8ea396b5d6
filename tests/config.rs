//! `hookscribe config` as a user drives it.

mod common;

use common::{run_cli, temp_home};

#[test]
fn settings_round_trip_and_list_as_json() {
    let (_dir, home) = temp_home();
    let (ok, stdout, stderr) = run_cli(&home, &["config", "set", "threads", "3"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "threads = 3");
    let (ok, stdout, _) = run_cli(&home, &["config", "get", "threads"]);
    assert!(ok);
    assert_eq!(stdout.trim(), "3");
    let (ok, stdout, _) = run_cli(&home, &["config", "list", "--json"]);
    assert!(ok);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let threads = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "threads")
        .unwrap();
    assert_eq!(threads["value"], "3");
    assert_eq!(threads["is_set"], true);
    let language = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "language")
        .unwrap();
    assert_eq!(language["value"], "auto");
    assert_eq!(language["is_set"], false);

    let (ok, _, _) = run_cli(&home, &["config", "unset", "threads"]);
    assert!(ok);
    let (_, stdout, _) = run_cli(&home, &["config", "get", "threads"]);
    assert_eq!(stdout.trim(), "auto");
}

#[test]
fn unknown_keys_and_bad_values_fail_clearly_and_change_nothing() {
    let (_dir, home) = temp_home();
    let (ok, _, stderr) = run_cli(&home, &["config", "set", "concurency", "2"]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown setting 'concurency'") && stderr.contains("concurrency"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_cli(&home, &["config", "set", "concurrency", "lots"]);
    assert!(!ok);
    assert!(stderr.contains("a whole number from 1 to 16"), "{stderr}");
    let (_, stdout, _) = run_cli(&home, &["config", "get", "concurrency"]);
    assert_eq!(stdout.trim(), "auto");
}
