//! Jobs over HTTP: queue one (an upload or a local path) with its own webhook and
//! metadata, follow it, read its transcript, cancel it, see its deliveries.

use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::events::Progress;
use super::upload::{self, Upload};
use super::{blocking, AppState};
use crate::engine::{
    AddJobs, DeliveryQuery, ExportFormat, JobQuery, JobStatus, JobView, JobWebhook,
    TranscribeOptions,
};

/// What a job request may say: JSON fields, or the text fields of a form (whose
/// recording is the `file` field instead of `path`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobFields {
    /// A recording already on this computer (JSON only).
    path: Option<PathBuf>,
    model: Option<String>,
    language: Option<String>,
    prompt: Option<String>,
    #[serde(default)]
    translate: bool,
    #[serde(default)]
    word_timestamps: bool,
    beam_size: Option<u32>,
    /// Skip the pauses (default: the `vad` setting).
    vad: Option<bool>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    endpoint_id: Option<i64>,
    metadata: Option<Value>,
}

impl JobFields {
    fn from_form(form: &upload::Form) -> ApiResult<Self> {
        let given_switch = |name: &str| -> ApiResult<Option<bool>> {
            match form.text(name).as_deref() {
                None => Ok(None),
                Some("false") | Some("0") => Ok(Some(false)),
                Some("true") | Some("1") => Ok(Some(true)),
                Some(other) => Err(ApiError::bad_request(format!(
                    "`{name}` must be true or false, not `{other}`"
                ))),
            }
        };
        let switch = |name: &str| Ok::<_, ApiError>(given_switch(name)?.unwrap_or(false));
        let number = |name: &str| -> ApiResult<Option<i64>> {
            form.text(name)
                .map(|text| {
                    text.parse().map_err(|_| {
                        ApiError::bad_request(format!("`{name}` must be a whole number"))
                    })
                })
                .transpose()
        };
        let metadata = form
            .text("metadata")
            .map(|text| {
                serde_json::from_str(&text).map_err(|e| {
                    ApiError::bad_request(format!("`metadata` is not valid JSON: {e}"))
                })
            })
            .transpose()?;
        Ok(Self {
            path: None,
            model: form.text("model"),
            language: form.text("language"),
            prompt: form.text("prompt"),
            translate: switch("translate")?,
            word_timestamps: switch("word_timestamps")?,
            beam_size: number("beam_size")?.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            vad: given_switch("vad")?,
            webhook_url: form.text("webhook_url"),
            webhook_secret: form.text("webhook_secret"),
            endpoint_id: number("endpoint_id")?,
            metadata,
        })
    }

    fn options(&self) -> TranscribeOptions {
        TranscribeOptions {
            model: super::openai::model_name(self.model.as_deref()),
            language: self.language.clone(),
            prompt: self.prompt.clone(),
            translate: self.translate,
            word_timestamps: self.word_timestamps,
            beam_size: self.beam_size,
            vad: self.vad,
            ..TranscribeOptions::default()
        }
    }

    fn webhook(&self) -> ApiResult<Option<JobWebhook>> {
        match (&self.webhook_url, self.endpoint_id) {
            (Some(_), Some(_)) => Err(ApiError::bad_request(
                "give `webhook_url` or `endpoint_id`, not both",
            )),
            (Some(url), None) => Ok(Some(JobWebhook::Url {
                url: url.clone(),
                secret: self.webhook_secret.clone(),
            })),
            (None, Some(id)) => Ok(Some(JobWebhook::Endpoints { ids: vec![id] })),
            (None, None) if self.webhook_secret.is_some() => Err(ApiError::bad_request(
                "`webhook_secret` signs a `webhook_url`; give the URL too",
            )),
            (None, None) => Ok(None),
        }
    }
}

/// Links to a job's parts.
#[derive(Debug, Serialize)]
struct JobUrls {
    #[serde(rename = "self")]
    job: String,
    events: String,
    transcript: String,
    deliveries: String,
}

impl JobUrls {
    fn new(base: &str, id: i64) -> Self {
        let job = format!("{base}/v1/jobs/{id}");
        Self {
            events: format!("{job}/events"),
            transcript: format!("{job}/transcript"),
            deliveries: format!("{base}/v1/deliveries?job={id}"),
            job,
        }
    }
}

/// A job as the API shows it: the engine's view, its live progress, its links.
#[derive(Debug, Serialize)]
struct JobBody {
    #[serde(flatten)]
    job: JobView,
    /// Seconds left, while it runs and once enough has run to tell.
    eta_seconds: Option<f64>,
    urls: JobUrls,
}

impl JobBody {
    fn new(state: &AppState, mut job: JobView) -> Self {
        let live = (job.status == JobStatus::Running)
            .then(|| state.log.progress(job.id))
            .flatten();
        if let Some(Progress { stage, percent, .. }) = live {
            job.stage = Some(stage);
            job.progress = percent;
        }
        Self {
            urls: JobUrls::new(&state.base_url, job.id),
            eta_seconds: live.and_then(|p| p.eta_seconds),
            job,
        }
    }
}

/// `POST /v1/jobs`: 202 with the job and its links (and the secret made for its webhook
/// URL, when none was given: shown this once).
pub async fn create(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (fields, recording) = if is_form {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let form = upload::receive(multipart, &state.uploads, state.max_upload).await?;
        let fields = JobFields::from_form(&form)?;
        let upload = form.file.ok_or_else(|| {
            ApiError::bad_request(
                "send the recording as the form field `file`, or JSON with a `path`",
            )
        })?;
        (fields, Recording::Uploaded(upload))
    } else {
        let body = Bytes::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let fields: JobFields = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the request is not the JSON this route takes: {e}"),
            )
        })?;
        let path = fields.path.clone().ok_or_else(|| {
            ApiError::bad_request("give the recording's `path` (or upload it as multipart `file`)")
        })?;
        (fields, Recording::Local(check_local(&path)?))
    };
    let request = AddJobs {
        paths: vec![recording.path()],
        recursive: false,
        options: fields.options(),
        metadata: fields.metadata.clone(),
        webhook: fields.webhook()?,
    };
    let (job, secret) = queue(&state, recording, request).await?;
    let id = job.id;
    let mut body = serde_json::to_value(JobBody::new(&state, job))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if let Some(secret) = secret {
        body["webhook_secret"] = Value::String(secret);
    }
    let location = format!("/v1/jobs/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// Where a job's recording is.
pub enum Recording {
    /// Received in this request; removed again unless the job is queued.
    Uploaded(Upload),
    /// Already on this computer.
    Local(PathBuf),
}

impl Recording {
    fn path(&self) -> PathBuf {
        match self {
            Self::Uploaded(upload) => upload.path().to_path_buf(),
            Self::Local(path) => path.clone(),
        }
    }

    /// The client's name for what went wrong with the recording.
    fn explain(&self, message: &str) -> String {
        match self {
            Self::Uploaded(upload) => upload.explain(message),
            Self::Local(_) => message.to_string(),
        }
    }
}

/// Checks the recording is audio and queues it: the job and the webhook secret made for
/// it, if one was.
pub async fn queue(
    state: &AppState,
    recording: Recording,
    request: AddJobs,
) -> ApiResult<(JobView, Option<String>)> {
    let path = recording.path();
    let probed = blocking(state, move |engine| engine.probe_recording(&path)).await;
    if let Err(error) = probed {
        let mut error = error;
        error.message = recording.explain(&error.message);
        if error.status == StatusCode::BAD_REQUEST {
            error.code = "invalid_audio";
        }
        return Err(error);
    }
    let added = blocking(state, move |engine| engine.jobs().add_with(&request)).await?;
    let job = added
        .jobs
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the job was not queued"))?;
    if let Recording::Uploaded(upload) = recording {
        upload.keep();
    }
    tracing::info!(job = job.id, "job queued through the local API");
    Ok((job, added.new_secret))
}

/// A local path must name a readable regular file.
fn check_local(path: &std::path::Path) -> ApiResult<PathBuf> {
    let shown = path.display();
    if !path.is_absolute() {
        return Err(ApiError::bad_request(format!(
            "`path` must be absolute (the server does not share your working folder): {shown}"
        )));
    }
    let metadata = std::fs::metadata(path)
        .map_err(|e| ApiError::bad_request(format!("cannot read {shown}: {e}")))?;
    if metadata.is_dir() {
        return Err(ApiError::bad_request(format!(
            "{shown} is a folder; a job takes one recording (watch a folder in the app, or with `hookscribe folders add`)"
        )));
    }
    if !metadata.is_file() {
        return Err(ApiError::bad_request(format!(
            "{shown} is not a regular file"
        )));
    }
    std::fs::File::open(path)
        .map_err(|e| ApiError::bad_request(format!("cannot read {shown}: {e}")))?;
    Ok(path.to_path_buf())
}

/// `GET /v1/jobs`: newest first, `?status=&limit=&offset=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let status = query
        .status
        .as_deref()
        .map(crate::engine::parse_status)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let request = JobQuery {
        status,
        limit: query.limit,
        offset: query.offset,
        ..JobQuery::default()
    };
    let page = blocking(&state, move |engine| engine.jobs().list(&request)).await?;
    let items: Vec<JobBody> = page
        .items
        .into_iter()
        .map(|job| JobBody::new(&state, job))
        .collect();
    Ok(Json(serde_json::json!({
        "items": items, "total": page.total, "offset": page.offset, "limit": page.limit
    })))
}

pub async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let job = blocking(&state, move |engine| engine.jobs().get(id)).await?;
    Ok(Json(JobBody::new(&state, job)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    #[serde(default)]
    purge: bool,
}

/// `DELETE /v1/jobs/{id}`: cancels a queued or running job; with `?purge=true`, removes
/// the job, its transcript and an uploaded recording (cancelling it first).
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<DeleteQuery>,
) -> ApiResult<Response> {
    if !query.purge {
        let job = blocking(&state, move |engine| engine.jobs().cancel(id)).await?;
        return Ok(Json(JobBody::new(&state, job)).into_response());
    }
    let deleted = blocking(&state, move |engine| {
        let jobs = engine.jobs();
        if !jobs.get(id)?.status.is_finished() {
            jobs.cancel(id)?;
        }
        jobs.delete(id)
    })
    .await?;
    Ok(
        Json(
            serde_json::json!({"deleted": deleted.job.id, "removed_files": deleted.removed.len()}),
        )
        .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

fn export_format(query: &FormatQuery) -> ApiResult<ExportFormat> {
    let name = query.format.as_deref().unwrap_or("json");
    ExportFormat::ALL
        .into_iter()
        .find(|f| f.extension() == name)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown transcript format `{name}`; choose txt, srt, vtt or json"
            ))
        })
}

/// A transcript in a format, with the content type that format has.
fn transcript_response(format: ExportFormat, text: String) -> Response {
    let content_type = match format {
        ExportFormat::Json => "application/json",
        ExportFormat::Vtt => "text/vtt; charset=utf-8",
        ExportFormat::Srt => "application/x-subrip; charset=utf-8",
        ExportFormat::Txt => "text/plain; charset=utf-8",
    };
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

/// `GET /v1/jobs/{id}/transcript?format=`: the job's transcript (409 until it completed).
pub async fn job_transcript(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<FormatQuery>,
) -> ApiResult<Response> {
    let format = export_format(&query)?;
    let text = blocking(&state, move |engine| engine.jobs().export(id, format)).await?;
    Ok(transcript_response(format, text))
}

/// `GET /v1/transcripts/{id}?format=`: a transcript by the id webhooks name.
pub async fn transcript(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<FormatQuery>,
) -> ApiResult<Response> {
    let format = export_format(&query)?;
    let text = blocking(&state, move |engine| {
        engine.jobs().export_transcript(id, format)
    })
    .await?;
    Ok(transcript_response(format, text))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeliveriesQuery {
    job: Option<i64>,
    status: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /v1/deliveries?job=&status=`: webhook messages, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    Query(query): Query<DeliveriesQuery>,
) -> ApiResult<Json<Value>> {
    let status = query
        .status
        .as_deref()
        .map(crate::engine::parse_message_status)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let request = DeliveryQuery {
        job: query.job,
        status,
        limit: query.limit,
        offset: query.offset,
        ..DeliveryQuery::default()
    };
    let page = blocking(&state, move |engine| engine.deliveries().list(&request)).await?;
    Ok(Json(
        serde_json::to_value(page).map_err(|e| ApiError::internal(e.to_string()))?,
    ))
}

/// The `Last-Event-ID` a reconnecting client sends.
pub fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}
