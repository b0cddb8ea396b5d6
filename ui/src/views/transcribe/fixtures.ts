// Views as the engine's commands give them, for the Transcribe and Transcript tests.
import type {
  JobDetail,
  JobView,
  MessageView,
  ModelListing,
  Page,
  SettingValue,
  TranscriptView,
} from '../../lib/bindings';

/** A job as `jobs_list` gives it: completed, with a transcript, unless told. */
export function jobView(id: number, fields: Partial<JobView> = {}): JobView {
  return {
    id,
    path: `/recordings/call-${id}.wav`,
    file_name: `call-${id}.wav`,
    status: 'completed',
    stage: null,
    progress: 100,
    error: null,
    origin: 'manual',
    folder_id: null,
    options: {},
    metadata: null,
    transcript_id: id,
    duplicate_of: null,
    attempts: 1,
    source_sha256: null,
    source_bytes: 1_000_000,
    audio_seconds: 185,
    preview: `Hello, this is call ${id}.`,
    created_at: 1_700_000_000_000,
    started_at: 1_700_000_001_000,
    finished_at: 1_700_000_060_000,
    ...fields,
  };
}

/** A transcript with the given segments ([start, end, text]). */
export function transcriptView(
  id: number,
  segments: [number, number, string][],
  fields: Partial<TranscriptView> = {},
): TranscriptView {
  return {
    id,
    text: segments.map(([, , text]) => text).join(''),
    segments: segments.map(([start, end, text]) => ({ start, end, text })),
    language: 'en',
    model: 'base.en',
    audio_seconds: 185,
    processing_seconds: 12,
    source_sha256: 'ab'.repeat(32),
    created_at: 1_700_000_060_000,
    ...fields,
  };
}

/** A webhook message: delivered to endpoint 1 unless told. */
export function messageView(id: number, fields: Partial<MessageView> = {}): MessageView {
  return {
    id,
    webhook_id: `msg_${id}`,
    event: 'transcription.completed',
    endpoint_id: 1,
    job_id: 7,
    status: 'delivered',
    attempts: 1,
    next_attempt_at: null,
    last_error: null,
    created_at: 1_700_000_061_000,
    delivered_at: 1_700_000_062_000,
    endpoint_url: 'https://example.com/hooks/1',
    job_webhook: false,
    job_file_name: null,
    ...fields,
  };
}

export function jobDetail(job: JobView, transcript: TranscriptView | null, fields: Partial<JobDetail> = {}): JobDetail {
  return { job, transcript, deliveries: [], outputs: [], ...fields };
}

/** A model as `models_list` gives it: installed, multilingual unless the name ends in `.en`. */
export function modelListing(name: string, fields: Partial<ModelListing> = {}): ModelListing {
  return {
    name,
    size_mib: 75,
    languages: /\.en/.test(name) ? 'english' : 'multilingual',
    installed: true,
    default: false,
    in_catalog: true,
    path: `/models/ggml-${name}.bin`,
    ...fields,
  };
}

/** A setting as `settings_list` gives it. */
export function settingValue(key: string, value: string): SettingValue {
  return {
    key,
    value,
    default: value,
    is_set: false,
    auto: null,
    description: '',
    group: 'Transcription',
    kind: key === 'model' ? { type: 'model' } : { type: 'language' },
  };
}

export function page<T>(items: T[], fields: Partial<Page<T>> = {}): Page<T> {
  return { items, total: items.length, offset: 0, limit: 50, ...fields };
}

/** An element's text as a user reads it: whitespace collapsed. */
export function textOf(element: Element | null | undefined): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
