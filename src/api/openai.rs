//! The routes OpenAI's clients call: `/v1/audio/transcriptions`, `/v1/audio/translations`
//! and `/v1/models`. A transcription here is a job like any other (it waits its turn in
//! the one queue, so it never races another job for the CPU, and it shows in History);
//! the request is answered when the job ends, and a client that hangs up cancels it.

use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::jobs::{queue, Recording};
use super::{blocking, upload, AppState};
use crate::engine::{
    AddJobs, Engine, ExportFormat, JobStatus, JobView, TranscribeOptions, TranscriptView,
};

/// The model name OpenAI's examples use: it means "the default model" here.
const OPENAI_MODEL: &str = "whisper-1";

/// A model name as a job takes it: `whisper-1` and nothing both mean the default.
pub fn model_name(given: Option<&str>) -> Option<String> {
    given
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != OPENAI_MODEL)
        .map(str::to_string)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Transcribe,
    Translate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseFormat {
    Json,
    Text,
    Srt,
    Vtt,
    VerboseJson,
}

impl ResponseFormat {
    fn parse(text: Option<&str>) -> ApiResult<Self> {
        Ok(match text.unwrap_or("json") {
            "json" => Self::Json,
            "text" => Self::Text,
            "srt" => Self::Srt,
            "vtt" => Self::Vtt,
            "verbose_json" => Self::VerboseJson,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown response_format `{other}`; choose json, text, srt, vtt or verbose_json"
                )))
            }
        })
    }
}

pub async fn transcriptions(
    State(state): State<AppState>,
    multipart: Multipart,
) -> ApiResult<Response> {
    transcribe(state, multipart, Task::Transcribe).await
}

pub async fn translations(
    State(state): State<AppState>,
    multipart: Multipart,
) -> ApiResult<Response> {
    transcribe(state, multipart, Task::Translate).await
}

async fn transcribe(state: AppState, multipart: Multipart, task: Task) -> ApiResult<Response> {
    let form = upload::receive(multipart, &state.uploads, state.max_upload).await?;
    let format = ResponseFormat::parse(form.text("response_format").as_deref())?;
    check_temperature(form.text("temperature").as_deref())?;
    let words = form
        .all("timestamp_granularities[]")
        .chain(form.all("timestamp_granularities"))
        .any(|g| g.trim() == "word");
    let options = TranscribeOptions {
        model: model_name(form.text("model").as_deref()),
        language: form.text("language"),
        prompt: form.text("prompt"),
        translate: task == Task::Translate,
        word_timestamps: words,
        ..TranscribeOptions::default()
    };
    let upload = form.file.ok_or_else(|| {
        ApiError::bad_request("send the recording as the multipart form field `file`")
    })?;
    let file_name = upload.name.clone();
    let request = AddJobs {
        paths: vec![upload.path().to_path_buf()],
        options,
        ..AddJobs::default()
    };
    let (job, _) = queue(&state, Recording::Uploaded(upload), request).await?;
    let mut guard = CancelIfAbandoned {
        engine: Some(state.engine.clone()),
        job: job.id,
    };
    let job = wait_for_end(&state, job.id).await?;
    guard.engine = None;
    match job.status {
        JobStatus::Completed => {
            let id = job.id;
            let transcript = blocking(&state, move |engine| engine.jobs().transcript(id)).await?;
            respond(format, task, words, &transcript)
        }
        JobStatus::Cancelled => Err(ApiError::new(
            StatusCode::CONFLICT,
            "cancelled",
            format!("the transcription of {file_name} was cancelled"),
        )),
        _ => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "transcription_failed",
            job.error
                .map(|e| e.replace(&job.path, &file_name))
                .unwrap_or_else(|| format!("the transcription of {file_name} failed")),
        )),
    }
}

/// OpenAI's range; the value itself is not used (decoding falls back on its own).
fn check_temperature(text: Option<&str>) -> ApiResult<()> {
    let Some(text) = text else { return Ok(()) };
    match text.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(()),
        _ => Err(ApiError::bad_request(format!(
            "temperature must be a number from 0 to 1, not `{text}`"
        ))),
    }
}

/// Waits until the job ends, however it ends; the job as stored then.
async fn wait_for_end(state: &AppState, id: i64) -> ApiResult<JobView> {
    let mut events = super::events::job_events(state.engine.clone(), state.log.clone(), id, None);
    while events.recv().await.is_some() {}
    blocking(state, move |engine| engine.jobs().get(id)).await
}

/// Cancels the job when the request is dropped before it ended (the client hung up):
/// nobody is waiting for that transcript any more.
struct CancelIfAbandoned {
    engine: Option<Engine>,
    job: i64,
}

impl Drop for CancelIfAbandoned {
    fn drop(&mut self) {
        let Some(engine) = self.engine.take() else {
            return;
        };
        let job = self.job;
        tracing::info!(job, "the client hung up: its transcription is cancelled");
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn_blocking(move || {
                if let Err(error) = engine.jobs().cancel(job) {
                    tracing::debug!(job, %error, "not cancelled");
                }
            });
        }
    }
}

fn respond(
    format: ResponseFormat,
    task: Task,
    words: bool,
    transcript: &TranscriptView,
) -> ApiResult<Response> {
    let plain = |format: ExportFormat, content_type: &'static str| {
        let text = format.render(&transcript.to_transcript());
        ([(header::CONTENT_TYPE, content_type)], text).into_response()
    };
    Ok(match format {
        ResponseFormat::Json => Json(json!({ "text": transcript.text })).into_response(),
        ResponseFormat::Text => plain(ExportFormat::Txt, "text/plain; charset=utf-8"),
        ResponseFormat::Srt => plain(ExportFormat::Srt, "text/plain; charset=utf-8"),
        ResponseFormat::Vtt => plain(ExportFormat::Vtt, "text/plain; charset=utf-8"),
        ResponseFormat::VerboseJson => Json(verbose(task, words, transcript)).into_response(),
    })
}

/// OpenAI's `verbose_json`: segments with their times (and words when asked for).
/// Whisper's per-segment statistics that Hookscribe does not keep are sent as zeros.
fn verbose(task: Task, words: bool, transcript: &TranscriptView) -> Value {
    let segments: Vec<Value> = transcript
        .segments
        .iter()
        .enumerate()
        .map(|(id, s)| {
            json!({
                "id": id, "seek": 0, "start": s.start, "end": s.end, "text": s.text,
                "tokens": [], "temperature": 0.0, "avg_logprob": 0.0,
                "compression_ratio": 0.0, "no_speech_prob": 0.0,
            })
        })
        .collect();
    let mut body = json!({
        "task": match task { Task::Transcribe => "transcribe", Task::Translate => "translate" },
        "language": transcript.language.clone().unwrap_or_default(),
        "duration": transcript.audio_seconds,
        "text": transcript.text,
        "segments": segments,
    });
    if words {
        let words: Vec<Value> = transcript
            .segments
            .iter()
            .flat_map(|s| s.words.iter())
            .map(|w| json!({"word": w.text.trim(), "start": w.start, "end": w.end}))
            .collect();
        body["words"] = Value::Array(words);
    }
    body
}

/// `GET /v1/models`: the installed models, as OpenAI lists models; `whisper-1` names the
/// default one.
pub async fn models(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let listing = blocking(&state, |engine| engine.models().list()).await?;
    let mut data: Vec<Value> = listing
        .iter()
        .filter(|m| m.installed)
        .map(|m| {
            json!({"id": m.name, "object": "model", "created": 0, "owned_by": "hookscribe",
                   "default": m.default})
        })
        .collect();
    if listing.iter().any(|m| m.installed && m.default) {
        data.push(json!({"id": OPENAI_MODEL, "object": "model", "created": 0,
                         "owned_by": "hookscribe", "default": true}));
    }
    Ok(Json(json!({"object": "list", "data": data})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whisper_1_and_blank_mean_the_default_model() {
        assert_eq!(model_name(Some("whisper-1")), None);
        assert_eq!(model_name(Some("  ")), None);
        assert_eq!(model_name(None), None);
        assert_eq!(model_name(Some("base.en")), Some("base.en".into()));
    }

    #[test]
    fn temperatures_outside_openais_range_are_refused() {
        assert!(check_temperature(None).is_ok());
        assert!(check_temperature(Some("0.2")).is_ok());
        assert!(check_temperature(Some("1.5")).is_err());
        assert!(check_temperature(Some("warm")).is_err());
    }
}
