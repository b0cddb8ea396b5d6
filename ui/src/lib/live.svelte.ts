// The engine as the window sees it, live: the queue with each job's progress, and a
// version number per area that goes up whenever the engine says that area changed. Views
// read a version in an `$effect` to load again, so every view follows the engine without
// polling and holds no state of its own that the engine does not have.
import { api } from './api';
import type { DownloadState, EngineEvent, JobView, Stage } from './bindings';
import { onEngineEvent, onEngineLagged } from './events';

export interface QueueItem {
  job: JobView;
  stage: Stage | null;
  /** 0–100. */
  percent: number;
  /** Seconds left, once the engine can tell. */
  eta: number | null;
}

export interface Download {
  downloaded: number;
  total: number | null;
  state: DownloadState;
  error: string | null;
}

export type Area = 'jobs' | 'folders' | 'endpoints' | 'deliveries' | 'models' | 'settings';

/** Every area's version starts here. */
const NONE: Record<Area, number> = {
  jobs: 0,
  folders: 0,
  endpoints: 0,
  deliveries: 0,
  models: 0,
  settings: 0,
};

export class Live {
  /** Jobs queued or running, by id. */
  queue: Record<number, QueueItem> = $state({});
  versions: Record<Area, number> = $state({ ...NONE });
  downloads: Record<string, Download> = $state({});
  /** Whether the window hears the engine (false in a plain browser, or before start). */
  listening = $state(false);

  private stops: (() => void)[] = [];

  /** Jobs running first, then queued, oldest first (the queue's order). */
  get queued(): QueueItem[] {
    return Object.values(this.queue).sort((a, b) => {
      const running = (i: QueueItem) => (i.job.status === 'running' ? 0 : 1);
      return running(a) - running(b) || a.job.id - b.job.id;
    });
  }

  get runningCount(): number {
    return this.queued.filter((i) => i.job.status === 'running').length;
  }

  bump(...areas: Area[]) {
    for (const area of areas) this.versions[area] += 1;
  }

  /** Listens to the engine, then reads the queue (so no job is missed in between). */
  async start(): Promise<void> {
    try {
      const stopEvents = await onEngineEvent((event) => this.handle(event));
      const stopLagged = await onEngineLagged(() => {
        this.bump('jobs', 'folders', 'endpoints', 'deliveries', 'models', 'settings');
        void this.loadQueue();
      });
      this.stops.push(
        () => void Promise.resolve().then(stopEvents).catch(() => {}),
        () => void Promise.resolve().then(stopLagged).catch(() => {}),
      );
      this.listening = true;
    } catch {
      // No Tauri backend (a plain browser): the views still load once.
    }
    await this.loadQueue();
  }

  stop() {
    for (const stop of this.stops.splice(0)) stop();
    this.listening = false;
  }

  /** Reads the running and queued jobs from the engine. */
  async loadQueue(): Promise<void> {
    try {
      const [running, queued] = await Promise.all([
        api.jobs.list({ status: 'running', limit: 1000 }),
        api.jobs.list({ status: 'queued', limit: 1000 }),
      ]);
      const next: Record<number, QueueItem> = {};
      for (const job of [...running.items, ...queued.items]) {
        const known = this.queue[job.id];
        next[job.id] = known
          ? { ...known, job }
          : { job, stage: job.stage, percent: job.progress, eta: null };
      }
      this.queue = next;
    } catch {
      // The queue badge stays as it was; views show their own errors.
    }
  }

  private async track(id: number) {
    try {
      const job = await api.jobs.get(id);
      if (job.status === 'queued' || job.status === 'running') {
        this.queue[id] = this.queue[id]
          ? { ...this.queue[id], job }
          : { job, stage: job.stage, percent: job.progress, eta: null };
      }
    } catch {
      // gone already
    }
  }

  handle(event: EngineEvent) {
    switch (event.type) {
      case 'job_queued':
        this.queue[event.job.id] = { job: event.job, stage: null, percent: 0, eta: null };
        this.bump('jobs');
        break;
      case 'job_started': {
        const item = this.queue[event.job];
        if (item) item.job = { ...item.job, status: 'running', stage: 'decoding', progress: 0 };
        else void this.track(event.job);
        this.bump('jobs');
        break;
      }
      case 'job_progress': {
        const item = this.queue[event.job];
        if (item) {
          item.stage = event.stage;
          item.percent = event.percent;
          item.eta = event.eta_seconds;
        }
        break;
      }
      case 'job_completed':
      case 'job_failed':
        delete this.queue[event.job];
        this.bump('jobs', 'deliveries');
        break;
      case 'job_cancelled':
      case 'job_deleted':
        delete this.queue[event.job];
        this.bump('jobs');
        break;
      case 'job_requeued':
        void this.track(event.job);
        this.bump('jobs');
        break;
      case 'folder_status':
        this.bump('folders');
        break;
      case 'delivery_attempted':
        this.bump('deliveries', 'endpoints');
        break;
      case 'endpoint_disabled':
      case 'endpoint_enabled':
        this.bump('endpoints', 'deliveries');
        break;
      case 'changed':
        this.bump(event.what);
        break;
      case 'model_download':
        this.downloads[event.name] = {
          downloaded: event.downloaded,
          total: event.total,
          state: event.state,
          error: event.error,
        };
        if (event.state !== 'running') this.bump('models');
        break;
    }
  }
}

/** The window's one view of the engine. */
export const live = new Live();
