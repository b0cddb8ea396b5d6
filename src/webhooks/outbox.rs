//! The messages of a finished job: which endpoints hear of it and what each is sent. A
//! pure function of the job's facts and the endpoints, called by the store inside the
//! transaction that finishes the job (the transactional outbox), so a finished job never
//! lacks its messages and a message never exists for a job that did not finish.

use super::endpoint::Endpoint;
use super::payload::{self, Completed, EventType, Format, JobFacts, JobOutcome};
use super::signing;
use super::WebhookError;
use hookscribe_store::endpoints::{EndpointId, EndpointRecord};
use hookscribe_store::jobs::{JobRecord, JobStatus};
use hookscribe_store::messages::NewMessage;
use hookscribe_types::Transcript;

/// What a job's messages say beyond its row.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobNotice<'a> {
    /// The transcript of a completed job (its own, or the one it reuses).
    pub transcript: Option<&'a Transcript>,
    /// The watched folder's path, for jobs that came from one.
    pub folder: Option<&'a str>,
    /// The configured endpoints a watched folder lets its jobs notify; `None`: every
    /// subscribed one.
    pub only: Option<&'a [EndpointId]>,
    /// The local API's address (`http://127.0.0.1:8178`) when it is on: compact bodies
    /// link to the transcript there.
    pub api_base: Option<&'a str>,
}

/// One message per endpoint subscribed to the job's event (and allowed by `notice`),
/// each format's body built once. A job that is neither completed nor failed sends
/// nothing.
pub fn job_messages(
    job: &JobRecord,
    notice: &JobNotice<'_>,
    endpoints: &[EndpointRecord],
    now: i64,
) -> Result<Vec<NewMessage>, WebhookError> {
    let Some(facts) = facts(job, notice) else {
        return Ok(Vec::new());
    };
    let event = facts.event();
    let mut bodies: Vec<(Format, Vec<u8>)> = Vec::new();
    let mut messages = Vec::new();
    for endpoint in endpoints.iter().filter(|e| may_notify(job, notice, e)) {
        let subscribed = endpoint.fields.events.iter().any(|e| e == event.as_str());
        if !subscribed {
            continue;
        }
        let format = Format::parse(&endpoint.fields.format).unwrap_or_default();
        let index = match bodies.iter().position(|(f, _)| *f == format) {
            Some(index) => index,
            None => {
                bodies.push((format, payload::job_body(&facts, format, now)));
                bodies.len() - 1
            }
        };
        messages.push(NewMessage {
            webhook_id: signing::new_message_id()?,
            event: event.as_str().to_string(),
            endpoint_id: endpoint.id,
            body: bodies[index].1.clone(),
        });
    }
    Ok(messages)
}

/// Whether the job may notify `endpoint` at all: a job's own endpoint hears of that job
/// only; a configured one unless the job or its folder names others.
fn may_notify(job: &JobRecord, notice: &JobNotice<'_>, endpoint: &EndpointRecord) -> bool {
    if let Some(owner) = endpoint.job_id {
        return owner == job.id;
    }
    let allowed = |ids: Option<&[EndpointId]>| ids.is_none_or(|ids| ids.contains(&endpoint.id));
    allowed(job.only_endpoints.as_deref()) && allowed(notice.only)
}

/// A `webhook.test` message for one endpoint.
pub fn test_message(endpoint: &Endpoint, now: i64) -> Result<NewMessage, WebhookError> {
    Ok(NewMessage {
        webhook_id: signing::new_message_id()?,
        event: EventType::WebhookTest.as_str().to_string(),
        endpoint_id: endpoint.id,
        body: payload::test_body(endpoint.id, endpoint.settings.format, now),
    })
}

/// Everything a job event's body says; `None` for a job that is not finished (or a
/// completed one whose transcript was not given).
fn facts(job: &JobRecord, notice: &JobNotice<'_>) -> Option<JobFacts> {
    let outcome = match job.status {
        JobStatus::Completed => {
            let transcript = notice.transcript?;
            JobOutcome::Completed(Completed {
                transcript_id: job.transcript_id?,
                duplicate_of: job.duplicate_of,
                text: transcript.text.clone(),
                segments: transcript.segments.clone(),
                language: transcript.language.clone(),
                model: transcript.model.clone(),
                duration_s: transcript.audio_seconds,
                processing_s: transcript.processing_seconds,
            })
        }
        JobStatus::Failed => JobOutcome::Failed {
            error: job.error.clone().unwrap_or_default(),
        },
        _ => return None,
    };
    Some(JobFacts {
        job_id: job.id,
        source_path: hookscribe_types::stored_path::shown(&job.source_path),
        sha256: job.source_sha256.clone(),
        bytes: job.source_bytes,
        folder: notice.folder.map(str::to_string),
        metadata: job.metadata.clone(),
        created_at: job.created_at,
        finished_at: job.finished_at.unwrap_or(job.created_at),
        transcript_url: notice
            .api_base
            .zip(job.transcript_id)
            .map(|(base, id)| format!("{base}/v1/transcripts/{id}")),
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookscribe_store::endpoints::EndpointFields;
    use hookscribe_store::jobs::Origin;
    use hookscribe_types::Segment;
    use serde_json::{json, Value};

    fn endpoint(id: EndpointId, events: &[&str], format: &str) -> EndpointRecord {
        EndpointRecord {
            id,
            fields: EndpointFields {
                url: "http://127.0.0.1:9/hook".into(),
                description: String::new(),
                events: events.iter().map(|e| e.to_string()).collect(),
                format: format.into(),
                headers: json!([]),
                timeout_ms: 5000,
                max_concurrency: 4,
                retry_client_errors: true,
            },
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            previous_secret: None,
            previous_secret_until: None,
            disabled_at: None,
            disabled_reason: None,
            consecutive_failures: 0,
            failing_since: None,
            last_success_at: None,
            created_at: 0,
            job_id: None,
        }
    }

    fn job(status: JobStatus) -> JobRecord {
        JobRecord {
            id: 7,
            source_path: "/rec/a.wav".into(),
            source_sha256: Some("aa".into()),
            source_bytes: Some(10),
            origin: Origin::Folder,
            status,
            stage: None,
            progress: 100,
            error: (status == JobStatus::Failed).then(|| "not a recognised audio file".into()),
            options: json!({}),
            metadata: Some(json!({"team": "sales"})),
            transcript_id: (status == JobStatus::Completed).then_some(3),
            duplicate_of: None,
            attempts: 1,
            created_at: 1_700_000_000_000,
            started_at: None,
            finished_at: Some(1_700_000_060_000),
            folder_id: Some(1),
            preview: None,
            audio_seconds: None,
            only_endpoints: None,
        }
    }

    fn transcript() -> Transcript {
        Transcript {
            text: "hello".into(),
            segments: vec![Segment::new(0.0, 1.0, "hello")],
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 1.0,
            processing_seconds: 0.1,
        }
    }

    const BOTH: &[&str] = &["transcription.completed", "transcription.failed"];

    #[test]
    fn each_subscribed_endpoint_gets_its_own_message_in_its_format() {
        let endpoints = [
            endpoint(1, BOTH, "full"),
            endpoint(2, &["transcription.failed"], "flat"),
            endpoint(3, BOTH, "flat"),
        ];
        let t = transcript();
        let notice = JobNotice {
            transcript: Some(&t),
            folder: Some("/rec"),
            only: None,
            api_base: None,
        };
        let done = job_messages(&job(JobStatus::Completed), &notice, &endpoints, 0).unwrap();
        let ids: Vec<EndpointId> = done.iter().map(|m| m.endpoint_id).collect();
        assert_eq!(ids, [1, 3], "endpoint 2 only hears of failures");
        let full: Value = serde_json::from_slice(&done[0].body).unwrap();
        assert_eq!(full["data"]["source"]["folder"], "/rec");
        assert_eq!(full["data"]["metadata"]["team"], "sales");
        assert_eq!(full["data"]["transcript_id"], 3);
        let flat: Value = serde_json::from_slice(&done[1].body).unwrap();
        assert_eq!(flat["text"], "hello");
        assert_ne!(done[0].webhook_id, done[1].webhook_id);

        let failed = job_messages(
            &job(JobStatus::Failed),
            &JobNotice::default(),
            &endpoints,
            0,
        )
        .unwrap();
        assert_eq!(failed.len(), 3);
        let body: Value = serde_json::from_slice(&failed[1].body).unwrap();
        assert_eq!(body["error"], "not a recognised audio file");
        assert!(failed.iter().all(|m| m.event == "transcription.failed"));
    }

    #[test]
    fn a_folder_can_limit_the_endpoints_and_unfinished_jobs_send_nothing() {
        let endpoints = [endpoint(1, BOTH, "full"), endpoint(2, BOTH, "full")];
        let only = [2];
        let notice = JobNotice {
            only: Some(&only),
            ..JobNotice::default()
        };
        let failed = job_messages(&job(JobStatus::Failed), &notice, &endpoints, 0).unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].endpoint_id, 2);
        let nobody = JobNotice {
            only: Some(&[]),
            ..JobNotice::default()
        };
        assert!(
            job_messages(&job(JobStatus::Failed), &nobody, &endpoints, 0)
                .unwrap()
                .is_empty()
        );
        for status in [JobStatus::Queued, JobStatus::Running, JobStatus::Cancelled] {
            assert!(
                job_messages(&job(status), &JobNotice::default(), &endpoints, 0)
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[test]
    fn a_jobs_own_endpoint_hears_of_that_job_only_and_a_job_may_name_its_endpoints() {
        let mut own = endpoint(5, BOTH, "full");
        own.job_id = Some(7);
        let mut someone_elses = endpoint(6, BOTH, "full");
        someone_elses.job_id = Some(8);
        let endpoints = [endpoint(1, BOTH, "full"), own, someone_elses];
        let sent_to = |job: &JobRecord, notice: &JobNotice<'_>| -> Vec<EndpointId> {
            job_messages(job, notice, &endpoints, 0)
                .unwrap()
                .iter()
                .map(|m| m.endpoint_id)
                .collect()
        };
        let failed = job(JobStatus::Failed);
        assert_eq!(sent_to(&failed, &JobNotice::default()), [1, 5]);
        // A folder that names no endpoint still lets the job reach its own.
        let nobody = JobNotice {
            only: Some(&[]),
            ..JobNotice::default()
        };
        assert_eq!(sent_to(&failed, &nobody), [5]);
        let mut routed = job(JobStatus::Failed);
        routed.only_endpoints = Some(vec![]);
        assert_eq!(sent_to(&routed, &JobNotice::default()), [5]);
        routed.only_endpoints = Some(vec![1]);
        assert_eq!(sent_to(&routed, &JobNotice::default()), [1, 5]);
    }
}
