import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';
import type { JobView } from './bindings';
import { Live } from './live.svelte';

afterEach(() => clearMocks());

function job(id: number, status: JobView['status'] = 'queued'): JobView {
  return {
    id,
    path: `/rec/${id}.wav`,
    file_name: `${id}.wav`,
    status,
    stage: null,
    progress: 0,
    error: null,
    origin: 'manual',
    folder_id: null,
    options: {},
    metadata: null,
    transcript_id: null,
    duplicate_of: null,
    attempts: 0,
    source_sha256: null,
    source_bytes: null,
    audio_seconds: null,
    preview: null,
    created_at: 0,
    started_at: null,
    finished_at: null,
  };
}

describe('the live queue', () => {
  it('follows a job from queued through progress to completed', () => {
    const live = new Live();
    live.handle({ type: 'job_queued', job: job(7) });
    expect(live.queued.map((i) => i.job.file_name)).toEqual(['7.wav']);
    live.handle({ type: 'job_started', job: 7, path: '/rec/7.wav' });
    live.handle({ type: 'job_progress', job: 7, stage: 'transcribing', percent: 100, eta_seconds: 0 });
    expect(live.queued[0].job.status).toBe('running');
    expect(live.queued[0].percent).toBe(100);
    expect(live.runningCount).toBe(1);
    const before = live.versions.jobs;
    live.handle({ type: 'job_completed', job: 7, transcript: 3, duplicate_of: null });
    expect(live.queued).toEqual([]);
    expect(live.versions.jobs).toBe(before + 1);
    expect(live.versions.deliveries).toBeGreaterThan(0);
  });

  it('drops failed, cancelled and deleted jobs, and counts changes per area', () => {
    const live = new Live();
    for (const id of [1, 2, 3]) live.handle({ type: 'job_queued', job: job(id) });
    live.handle({ type: 'job_failed', job: 1, error: 'not audio' });
    live.handle({ type: 'job_cancelled', job: 2 });
    live.handle({ type: 'job_deleted', job: 3 });
    expect(live.queued).toEqual([]);
    live.handle({ type: 'changed', what: 'endpoints' });
    live.handle({ type: 'delivery_attempted', message: 1, endpoint: 1, job: null, status: 'held', response_status: null, summary: '' });
    expect(live.versions.endpoints).toBe(2);
    live.handle({ type: 'model_download', name: 'base', downloaded: 5, total: 10, state: 'running', error: null });
    expect(live.downloads.base.downloaded).toBe(5);
    expect(live.versions.models).toBe(0);
    live.handle({ type: 'model_download', name: 'base', downloaded: 10, total: 10, state: 'completed', error: null });
    expect(live.versions.models).toBe(1);
  });
});
