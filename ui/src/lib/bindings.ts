// Generated from the engine's Rust types by ts-rs (src/engine/bindings.rs).
// Do not edit: run `UPDATE_BINDINGS=1 cargo test --test bindings` instead.

export type EngineEvent = { "type": "job_queued", job: JobView, } | { "type": "job_started", job: number, path: string, } | { "type": "job_progress", job: number, stage: Stage, percent: number, 
/**
 * Seconds left, once enough of the job has run to tell.
 */
eta_seconds: number | null, } | { "type": "job_completed", job: number, transcript: number, duplicate_of: number | null, } | { "type": "job_failed", job: number, error: string, } | { "type": "job_cancelled", job: number, } | { "type": "job_requeued", job: number, } | { "type": "job_deleted", job: number, } | { "type": "folder_status", folder: number, state: FolderState, waiting: number, } | { "type": "delivery_attempted", message: number, endpoint: number, job: number | null, status: MessageStatus, response_status: number | null, summary: string, } | { "type": "endpoint_disabled", endpoint: number, url: string, reason: string, } | { "type": "endpoint_enabled", endpoint: number, } | { "type": "changed", what: ChangedArea, } | { "type": "model_download", name: string, downloaded: number, total: number | null, state: DownloadState, error: string | null, };

export type ChangedArea = "endpoints" | "deliveries" | "folders" | "models" | "settings";

export type DownloadState = "running" | "completed" | "failed" | "cancelled";

export type EngineError = { kind: ErrorKind, message: string, subject: Subject | null, };

export type ErrorKind = "not_found" | "invalid_input" | "conflict" | "unavailable" | "cancelled" | "internal";

export type Subject = { "type": "job", "id": number } | { "type": "transcript", "id": number } | { "type": "folder", "id": number } | { "type": "endpoint", "id": number } | { "type": "delivery", "id": number } | { "type": "model", "id": string } | { "type": "setting", "id": string } | { "type": "path", "id": string } | { "type": "field", "id": string };

export type JobView = { id: number, 
/**
 * The recording.
 */
path: string, file_name: string, status: JobStatus, 
/**
 * While running: decoding or transcribing.
 */
stage: Stage | null, 
/**
 * 0-100, saved every few percent (live progress comes as events).
 */
progress: number, error: string | null, origin: Origin, folder_id: number | null, 
/**
 * What was asked for (unset options follow the settings when the job runs).
 */
options: TranscribeOptions, metadata: Record<string, unknown> | null, transcript_id: number | null, 
/**
 * The earlier job whose transcript this one reuses (the same recording).
 */
duplicate_of: number | null, attempts: number, source_sha256: string | null, source_bytes: number | null, 
/**
 * The recording's length, once transcribed.
 */
audio_seconds: number | null, 
/**
 * The start of the transcript.
 */
preview: string | null, 
/**
 * Unix milliseconds.
 */
created_at: number, started_at: number | null, finished_at: number | null, };

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

export type Origin = "manual" | "folder";

export type Stage = "decoding" | "transcribing";

export type TranscribeOptions = { 
/**
 * A model name (installed or in the catalog) or a path to a ggml file.
 */
model?: string | null, 
/**
 * `auto` (detect) or a language code such as `en`.
 */
language?: string | null, 
/**
 * Translate the speech to English.
 */
translate?: boolean, 
/**
 * Vocabulary hints: names and terms the recording uses.
 */
prompt?: string | null, 
/**
 * Beam width; 1 is greedy decoding (faster).
 */
beam_size?: number | null, 
/**
 * CPU threads; `None` uses the physical cores.
 */
threads?: number | null, 
/**
 * Also time each word.
 */
word_timestamps?: boolean, 
/**
 * Transcribe only the speech that voice activity detection finds (pauses skipped);
 * `None` follows the `vad` setting. Resolved to `Some(true)` only where the voice
 * activity model is installed.
 */
vad?: boolean | null, };

export type JobDetail = { job: JobView, transcript: TranscriptView | null, 
/**
 * Its webhook messages, newest first.
 */
deliveries: Array<MessageView>, 
/**
 * Files it wrote (a watched folder's sidecars).
 */
outputs: Array<string>, };

export type TranscriptView = { id: number, text: string, segments: Array<Segment>, language: string | null, model: string, audio_seconds: number, processing_seconds: number, source_sha256: string, 
/**
 * Unix milliseconds.
 */
created_at: number, };

export type Segment = { 
/**
 * Seconds from the start of the audio.
 */
start: number, end: number, text: string, 
/**
 * Per-word times, when word timestamps were asked for.
 */
words?: Array<Word>, };

export type Word = { start: number, end: number, text: string, };

export type AddJobs = { 
/**
 * Files, or folders whose recordings are all queued.
 */
paths: Array<string>, 
/**
 * Also queue recordings in subfolders of the folders given.
 */
recursive?: boolean, options?: TranscribeOptions, 
/**
 * A JSON object (at most 4 KB) carried into the job's webhooks.
 */
metadata?: Record<string, unknown>, 
/**
 * Where the jobs' webhooks go; unset: every endpoint subscribed to their events.
 */
webhook?: JobWebhook, };

export type JobWebhook = { "kind": "endpoints", ids: Array<number>, } | { "kind": "url", url: string, secret?: string, };

export type JobQuery = { status?: JobStatus, folder?: number, 
/**
 * Created at or after (unix ms).
 */
since?: number, 
/**
 * Created before (unix ms).
 */
until?: number, 
/**
 * How many to return: default 50, at most 1000.
 */
limit?: number, offset?: number, };

export type SearchQuery = { text: string, status?: JobStatus, folder?: number, since?: number, until?: number, 
/**
 * How many to return: default 50, at most 1000.
 */
limit?: number, offset?: number, };

export type SearchHitView = { transcript_id: number, 
/**
 * The latest job with this transcript.
 */
job_id: number | null, path: string | null, file_name: string | null, folder_id: number | null, created_at: number | null, snippet: Array<SnippetPart>, };

export type SnippetPart = { text: string, hit: boolean, };

export type DeletedJob = { job: JobView, 
/**
 * Files it wrote that are now removed.
 */
removed: Array<string>, 
/**
 * Files it wrote that could not be removed, and why.
 */
not_removed: Array<[string, string]>, };

export type ExportFormat = "txt" | "srt" | "vtt" | "json";

export type Page<T> = { items: Array<T>, 
/**
 * How many items match, over all pages.
 */
total: number, offset: number, limit: number, };

export type FolderView = { id: number, path: string, options: FolderOptions, paused: boolean, state: FolderState, 
/**
 * Files seen and waiting to hold still (while the engine runs here).
 */
waiting: number, 
/**
 * Why the folder is `invalid`.
 */
problem: string | null, 
/**
 * Unix ms.
 */
created_at: number, };

export type FolderRequest = { path: string, options: FolderOptions, };

export type FolderOptions = { recursive: boolean, include: Array<string>, exclude: Array<string>, model?: string | null, language?: string | null, 
/**
 * Formats written next to the source (or into `output_dir`).
 */
formats: Array<ExportFormat>, output_dir?: string | null, after: After, 
/**
 * Attached to every job from this folder and carried into its webhooks.
 */
metadata?: Record<string, unknown> | null, 
/**
 * Scan on a timer instead of relying on file-system events (network shares).
 */
poll: boolean, 
/**
 * A file must keep its size and modification time this long to count as complete.
 */
stable_ms: number, 
/**
 * Transcribe a file again even when the same content was transcribed before.
 */
rerun_duplicates: boolean, 
/**
 * The webhook endpoints this folder's jobs notify; `None`: every subscribed one.
 */
webhooks?: Array<number> | null, };

export type FolderState = "watching" | "polling" | "paused" | "unavailable" | "invalid";

export type After = { "action": "leave" } | { "action": "move", "subfolder": string };

export type EndpointView = { id: number, url: string, description: string, events: Array<EventType>, format: BodyFormat, headers: Array<HeaderView>, timeout_ms: number, max_concurrency: number, 
/**
 * Whether 401, 403 and 404 answers are retried on the schedule (the default) or
 * fail the message at once.
 */
retry_client_errors: boolean, 
/**
 * Masked (`whsec_…abcd`); `Endpoints::reveal_secret` shows it.
 */
secret: string, 
/**
 * The previous secret still signs until then (unix ms), during a rotation.
 */
previous_secret_until: number | null, 
/**
 * Whether messages are sent to it (`disabled` is `None`).
 */
enabled: boolean, 
/**
 * Since when and why it is disabled: by the user, or by the engine after failing
 * for long (or a 410 Gone). Its new messages are held meanwhile.
 */
disabled: DisabledView | null, health: EndpointHealth, created_at: number, };

export type EndpointHealth = { 
/**
 * Attempts in the last 7 days, and how many delivered.
 */
attempts: number, succeeded: number, 
/**
 * `succeeded / attempts`, when there were attempts.
 */
success_rate: number | null, consecutive_failures: number, 
/**
 * Unix ms.
 */
failing_since: number | null, last_success_at: number | null, last_failure_at: number | null, 
/**
 * What went wrong the last time.
 */
last_failure: string | null, };

export type DisabledView = { 
/**
 * Unix ms.
 */
at: number, reason: string, };

export type HeaderView = { name: string, value: string, secret: boolean, };

export type EndpointRequest = { url: string, description?: string, 
/**
 * Events to send; empty: every event.
 */
events?: Array<string>, format?: BodyFormat, headers?: Array<HeaderRequest>, timeout_ms?: number, max_concurrency?: number, 
/**
 * Retry 401, 403 and 404 on the schedule (default: yes).
 */
retry_client_errors?: boolean, 
/**
 * A `whsec_…` secret the receiver already has; `None` makes a new one.
 */
secret?: string, };

export type EndpointPatch = { url?: string, description?: string, events?: Array<string>, format?: BodyFormat, 
/**
 * Remove every custom header before applying `headers`.
 */
clear_headers?: boolean, 
/**
 * Headers to remove, by name.
 */
remove_headers?: Array<string>, 
/**
 * Headers to add, or to replace (by name, ignoring case).
 */
headers?: Array<HeaderRequest>, timeout_ms?: number, max_concurrency?: number, retry_client_errors?: boolean, };

export type HeaderRequest = { name: string, value: string, 
/**
 * Masked in views and the delivery log (credential-like names always are).
 */
secret?: boolean, };

export type EndpointCreated = { endpoint: EndpointView, secret: string, };

export type RemovedEndpoint = { id: number, 
/**
 * Messages (and their attempts) removed with it.
 */
messages_removed: number, };

export type SecretRotated = { id: number, secret: string, 
/**
 * Until then (unix ms) requests carry signatures with both secrets.
 */
previous_secret_until: number, };

export type TestReport = { message_id: number, webhook_id: string, url: string, delivered: boolean, 
/**
 * "HTTP 200 OK", "no response within 15s", …
 */
summary: string, response_status: number | null, duration_ms: number, error: string | null, response_body: string | null, 
/**
 * The endpoint is disabled (a test still goes out).
 */
endpoint_disabled: boolean, };

export type Enabled = { endpoint: EndpointView, 
/**
 * Held messages now pending (or, with `skip_held`, marked failed).
 */
held: number, skipped: boolean, };

export type EventType = "transcription.completed" | "transcription.failed" | "webhook.test";

export type BodyFormat = "full" | "compact" | "flat";

export type MessageView = { id: number, 
/**
 * The `webhook-id` header: the same on every attempt and replay.
 */
webhook_id: string, 
/**
 * `transcription.completed`, `transcription.failed` or `webhook.test`.
 */
event: string, endpoint_id: number, job_id: number | null, status: MessageStatus, 
/**
 * Attempts since the message was created or last replayed.
 */
attempts: number, 
/**
 * Unix ms of the next attempt (pending and held messages).
 */
next_attempt_at: number | null, last_error: string | null, created_at: number, delivered_at: number | null, 
/**
 * Where its endpoint sends (`None`: the endpoint was removed since).
 */
endpoint_url: string | null, 
/**
 * Sent to a job's own webhook URL (from the local API or `jobs add --webhook-url`),
 * which is not among the configured endpoints.
 */
job_webhook: boolean, 
/**
 * The file name of the job's recording (`None`: no job, or it was deleted).
 */
job_file_name: string | null, };

export type MessageStatus = "pending" | "delivered" | "failed" | "held";

export type MessageDetail = { message: MessageView, 
/**
 * The endpoint's URL now (`None` if it was removed).
 */
endpoint_url: string | null, 
/**
 * The body as sent (JSON).
 */
body: unknown, body_bytes: number, attempts: Array<AttemptView>, };

export type AttemptView = { id: number, url: string, 
/**
 * Unix ms.
 */
attempted_at: number, duration_ms: number, request_headers: Array<[string, string]>, response_status: number | null, response_headers: Array<[string, string]>, response_body: string | null, error_kind: AttemptErrorKind | null, error: string | null, };

export type AttemptErrorKind = "dns" | "connect" | "tls" | "timeout" | "redirect" | "status" | "interrupted";

export type DeliveryQuery = { status?: MessageStatus, endpoint?: number, job?: number, event?: string, 
/**
 * Created at or after (unix ms).
 */
since?: number, 
/**
 * How many to return: default 50, at most 1000.
 */
limit?: number, offset?: number, };

export type DeliverySummary = { endpoints: number, enabled_endpoints: number, pending: number, delivered: number, failed: number, held: number, 
/**
 * Unix ms.
 */
last_delivered_at: number | null, };

export type ModelListing = { name: string, 
/**
 * Size on disk if installed, else the catalog's approximate size.
 */
size_mib: number, languages: Languages | null, installed: boolean, default: boolean, in_catalog: boolean, path: string | null, };

export type Languages = "english" | "multilingual";

export type InstalledModel = { name: string, path: string, 
/**
 * `tiny`, `base`, … (`large v3` for 128 mel bins)
 */
model_type: string, multilingual: boolean, 
/**
 * `f16`, `q8_0`, …
 */
weights: string, bytes: number, };

export type DownloadRequest = { name: string, 
/**
 * Repository to download from; default: the `models.base_url` setting.
 */
base_url?: string, 
/**
 * Give up when no data arrives for this long (default 30 s).
 */
stall_timeout_s?: number, };

export type ImportRequest = { path: string, 
/**
 * The name to install it under (default: from the file or the model's size).
 */
name?: string, 
/**
 * Quantize a converted model's weights to 8 bits (CTranslate2 folders only).
 */
quantize?: boolean, };

export type SettingValue = { key: string, value: string, default: string, 
/**
 * Whether the value was set (rather than the default).
 */
is_set: boolean, description: string, group: string, kind: SettingKind, 
/**
 * For a setting that can be `auto`, the number `auto` stands for on this machine
 * (`threads`: the physical cores; `concurrency`: jobs at once), so that a view can
 * show it; `None` for the others.
 */
auto: string | null, };

export type SettingKind = { "type": "model" } | { "type": "language" } | { "type": "count_or_auto", max: number, } | { "type": "count", min: number, max: number, } | { "type": "url" } | { "type": "duration" } | { "type": "duration_list" } | { "type": "switch" } | { "type": "choice", options: Array<string>, };

export type EngineStatus = { version: string, 
/**
 * The data folder.
 */
home: string, default_model: string, default_model_installed: boolean, installed_models: Array<string>, 
/**
 * Whether the queue, the watcher and the dispatcher run in this process.
 */
running: boolean, queued: number, running_jobs: number, failed_jobs: number, webhooks: DeliverySummary, };

export type ApiInfo = { 
/**
 * Whether the settings turn it on.
 */
enabled: boolean, 
/**
 * The address it listens on.
 */
host: string, port: number, 
/**
 * Its base URL, such as `http://127.0.0.1:8178` (what a client's `base_url` is,
 * with `/v1` after it).
 */
url: string, 
/**
 * Only loopback can reach it.
 */
loopback_only: boolean, 
/**
 * The largest upload it accepts, in bytes.
 */
max_upload_bytes: number, };

export type ApiServerStatus = { "state": "off" } | { "state": "listening", url: string, } | { "state": "failed", error: string, };
