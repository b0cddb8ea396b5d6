//! TypeScript declarations of every view, request and event the front ends exchange,
//! generated from the Rust types (ts-rs), so the window's types cannot drift from the
//! engine's. `ui/src/lib/bindings.ts` is this module's output; a test compares them.

use ts_rs::{Config, TS};

use super::*;

/// The declarations, one `export type` each, in a stable order.
pub fn typescript() -> String {
    let config = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the engine's Rust types by ts-rs (src/engine/bindings.rs).\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test --test bindings` instead.\n",
    );
    macro_rules! declare {
        ($($ty:ty),* $(,)?) => {
            $(
                out.push('\n');
                out.push_str("export ");
                out.push_str(&<$ty as TS>::decl(&config));
                out.push('\n');
            )*
        };
    }
    declare!(
        // Events and errors.
        EngineEvent,
        ChangedArea,
        DownloadState,
        EngineError,
        ErrorKind,
        Subject,
        // Jobs and transcripts.
        JobView,
        JobStatus,
        Origin,
        Stage,
        TranscribeOptions,
        JobDetail,
        TranscriptView,
        Segment,
        Word,
        AddJobs,
        JobWebhook,
        JobQuery,
        SearchQuery,
        SearchHitView,
        SnippetPart,
        DeletedJob,
        ExportFormat,
        Page<JobView>,
        // Folders.
        FolderView,
        FolderRequest,
        FolderOptions,
        FolderState,
        After,
        // Webhooks and deliveries.
        EndpointView,
        EndpointHealth,
        DisabledView,
        HeaderView,
        EndpointRequest,
        EndpointPatch,
        HeaderRequest,
        EndpointCreated,
        RemovedEndpoint,
        SecretRotated,
        TestReport,
        endpoints::Enabled,
        EventType,
        BodyFormat,
        MessageView,
        MessageStatus,
        MessageDetail,
        AttemptView,
        crate::webhooks::policy::ErrorKind,
        DeliveryQuery,
        DeliverySummary,
        // Models, settings, status.
        ModelListing,
        crate::models::Languages,
        InstalledModel,
        DownloadRequest,
        ImportRequest,
        SettingValue,
        crate::settings::Kind,
        EngineStatus,
        // The local API.
        ApiInfo,
        ApiServerStatus,
    );
    out
}
