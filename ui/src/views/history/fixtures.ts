// Views as the engine's commands give them, for the History tests.
import type { FolderView, JobView, Page, SearchHitView } from '../../lib/bindings';

/** A completed job of a 65-second recording, added by hand, unless told. */
export function jobView(id: number, fields: Partial<JobView> = {}): JobView {
  return {
    id,
    path: `/home/ada/Recordings/call-${id}.m4a`,
    file_name: `call-${id}.m4a`,
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
    audio_seconds: 65,
    preview: `Hello, this is call ${id}.`,
    created_at: 1_700_000_000_000 - id * 60_000,
    started_at: null,
    finished_at: null,
    ...fields,
  };
}

export function folderView(id: number, path: string, fields: Partial<FolderView> = {}): FolderView {
  return {
    id,
    path,
    options: {
      recursive: false,
      include: [],
      exclude: [],
      formats: [],
      after: { action: 'leave' },
      poll: false,
      stable_ms: 2000,
      rerun_duplicates: false,
    },
    paused: false,
    state: 'watching',
    waiting: 0,
    problem: null,
    created_at: 1_700_000_000_000,
    ...fields,
  };
}

export function searchHit(jobId: number | null, transcriptId: number, fields: Partial<SearchHitView> = {}): SearchHitView {
  return {
    transcript_id: transcriptId,
    job_id: jobId,
    path: `/home/ada/Recordings/call-${transcriptId}.m4a`,
    file_name: `call-${transcriptId}.m4a`,
    folder_id: null,
    created_at: 1_700_000_000_000,
    snippet: [
      { text: '…we should ship the ', hit: false },
      { text: 'invoice', hit: true },
      { text: ' by Friday…', hit: false },
    ],
    ...fields,
  };
}

export function page<T>(items: T[], total = items.length, offset = 0, limit = 50): Page<T> {
  return { items, total, offset, limit };
}

/** `count` jobs with ids from `first` on. */
export function jobs(count: number, first = 1): JobView[] {
  return Array.from({ length: count }, (_, i) => jobView(first + i));
}
