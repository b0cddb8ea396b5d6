//! The window's TypeScript types are generated from the engine's Rust types
//! (`hookscribe::engine::bindings`), and the checked-in file must be what they generate:
//! a view or event changed in Rust without regenerating fails here, not in the window.
//!
//! `UPDATE_BINDINGS=1 cargo test --test bindings` rewrites `ui/src/lib/bindings.ts`.

use std::path::Path;

#[test]
fn the_ui_bindings_are_generated_from_the_engine_types() {
    let generated = hookscribe::engine::bindings::typescript();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write ui/src/lib/bindings.ts");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "ui/src/lib/bindings.ts is not what the engine's types generate; run \
         `UPDATE_BINDINGS=1 cargo test --test bindings` and commit the result"
    );
}

#[test]
fn every_view_the_window_uses_is_declared() {
    let generated = hookscribe::engine::bindings::typescript();
    for name in [
        "EngineEvent",
        "EngineError",
        "JobView",
        "TranscriptView",
        "FolderView",
        "EndpointView",
        "MessageDetail",
        "ModelListing",
        "SettingValue",
        "EngineStatus",
        "Page<T>",
    ] {
        assert!(
            generated.contains(&format!("export type {name} = ")),
            "{name} is not declared:\n{generated}"
        );
    }
}
