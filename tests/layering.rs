//! The layering holds: each part of the engine imports only the parts below it, the store
//! imports nothing above it, and the front ends talk to the engine facade only.
//!
//! The store is its own crate (`crates/hookscribe-store`), so the compiler already refuses
//! an import of the engine there; this test checks what the compiler cannot see inside
//! one crate: which of the engine's modules may use which, and that the CLI and the
//! desktop shell never reach past the facade. See docs/ARCHITECTURE.md.

use std::path::{Path, PathBuf};

/// For each engine module, the modules it may use (`crate::X`), and whether it may use
/// the store. Anything not listed is forbidden.
const ALLOWED: &[(&str, &[&str], bool)] = &[
    ("cancel", &[], false),
    ("home", &[], false),
    ("text", &[], false),
    ("asr", &["cancel", "text"], false),
    ("audio", &["asr", "cancel"], false),
    ("export", &["asr"], false),
    ("models", &["home"], false),
    ("pipeline", &["asr", "audio", "cancel"], false),
    ("webhooks", &["asr", "home", "version"], true),
    ("watch", &["asr", "export", "home"], true),
    ("settings", &["asr", "models", "webhooks"], true),
    (
        "jobs",
        &[
            "asr", "cancel", "home", "models", "pipeline", "settings", "version", "watch",
            "webhooks",
        ],
        true,
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Rust files of a module: `src/NAME.rs` or everything under `src/NAME/`.
fn files(base: &Path) -> Vec<PathBuf> {
    if base.is_dir() {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(base).unwrap() {
            all.extend(files(&entry.unwrap().path()));
        }
        all
    } else if base.extension().is_some_and(|e| e == "rs") {
        vec![base.to_path_buf()]
    } else {
        Vec::new()
    }
}

/// Code lines only: comments and doc comments do not import anything.
fn code(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(n, line)| (n + 1, line.to_string()))
        .collect()
}

/// Every `prefix` path's first segment used in `lines` (`crate::jobs::X` -> `jobs`).
fn uses(lines: &[(usize, String)], prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in lines {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push((*n, name));
            rest = after;
        }
    }
    found
}

#[test]
fn engine_modules_use_only_the_parts_below_them() {
    let mut wrong = Vec::new();
    for (module, allowed, store) in ALLOWED {
        let dir = root().join("src").join(module);
        let base = if dir.is_dir() {
            dir
        } else {
            root().join("src").join(format!("{module}.rs"))
        };
        let sources = files(&base);
        assert!(!sources.is_empty(), "no sources for {module}");
        for file in sources {
            let lines = code(&file);
            for (line, used) in uses(&lines, "crate::") {
                if used != *module && !allowed.contains(&used.as_str()) {
                    wrong.push(format!("{}:{line} uses crate::{used}", file.display()));
                }
            }
            if !store && !uses(&lines, "hookscribe_store").is_empty() {
                wrong.push(format!("{} uses the store", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that break the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn front_ends_use_the_engine_facade_only() {
    let mut wrong = Vec::new();
    let front_ends = [
        root().join("src/cli"),
        root().join("src/main.rs"),
        root().join("src-tauri/src"),
    ];
    for file in front_ends.iter().flat_map(|base| files(base)) {
        let lines = code(&file);
        // The local API is a front end the CLI and the shell host.
        for (line, used) in uses(&lines, "hookscribe::") {
            if !["engine", "version", "api"].contains(&used.as_str()) {
                wrong.push(format!("{}:{line} uses hookscribe::{used}", file.display()));
            }
        }
        for (line, _) in uses(&lines, "hookscribe_store")
            .into_iter()
            .chain(uses(&lines, "rusqlite"))
        {
            wrong.push(format!("{}:{line} reaches the store", file.display()));
        }
    }
    // The local API lives in the engine's crate but is a front end all the same.
    for file in files(&root().join("src/api")) {
        let lines = code(&file);
        for (line, used) in uses(&lines, "crate::") {
            if used != "engine" {
                wrong.push(format!("{}:{line} uses crate::{used}", file.display()));
            }
        }
        for (line, _) in uses(&lines, "hookscribe_store")
            .into_iter()
            .chain(uses(&lines, "rusqlite"))
        {
            wrong.push(format!("{}:{line} reaches the store", file.display()));
        }
    }
    let shell = std::fs::read_to_string(root().join("src-tauri/Cargo.toml")).unwrap();
    if shell.contains("hookscribe-store") || shell.contains("rusqlite") {
        wrong.push("src-tauri/Cargo.toml depends on the store".into());
    }
    assert!(
        wrong.is_empty(),
        "front ends past the facade:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_store_crate_depends_on_nothing_above_it() {
    let manifest =
        std::fs::read_to_string(root().join("crates/hookscribe-store/Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or_default();
    let names: Vec<&str> = dependencies
        .lines()
        .filter_map(|line| line.split('=').next())
        .map(str::trim)
        .filter(|name| name.starts_with("hookscribe"))
        .collect();
    assert_eq!(
        names,
        ["hookscribe-types"],
        "the store's hookscribe dependencies"
    );
    let mut sources = files(&root().join("crates/hookscribe-store/src"));
    sources.extend(files(&root().join("crates/hookscribe-types/src")));
    for file in sources {
        for (line, text) in code(&file) {
            assert!(
                !text.contains("hookscribe::"),
                "{}:{line} names the engine",
                file.display()
            );
        }
    }
}
