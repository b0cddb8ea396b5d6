// Typed calls to the shell's commands (src-tauri/src/commands). Each returns the engine's
// view, or rejects with its `EngineError` ({kind, message, subject}). The argument names
// are the Rust parameters' in camelCase (Tauri's convention).
import { invoke } from '@tauri-apps/api/core';
import type {
  AddJobs,
  ApiInfo,
  ApiServerStatus,
  DeletedJob,
  DeliveryQuery,
  DeliverySummary,
  DownloadRequest,
  Enabled,
  EndpointCreated,
  EndpointPatch,
  EndpointRequest,
  EndpointView,
  EngineError,
  EngineStatus,
  ExportFormat,
  FolderOptions,
  FolderRequest,
  FolderView,
  ImportRequest,
  InstalledModel,
  JobDetail,
  JobQuery,
  JobView,
  MessageDetail,
  MessageView,
  ModelListing,
  Page,
  RemovedEndpoint,
  SearchHitView,
  SearchQuery,
  SecretRotated,
  SettingValue,
  TestReport,
  TranscriptView,
} from './bindings';

/** Where the window plays a recording from: the shell's loopback media server. */
export interface Playback {
  url: string;
}

/** The local API as configured, and what the server in this app is doing. */
export interface ApiOverview {
  info: ApiInfo;
  status: ApiServerStatus;
}

export const api = {
  status: () => invoke<EngineStatus>('engine_status'),
  /** Why files handed to the app (launch arguments, "Open with") were not queued. */
  refusals: () => invoke<EngineError[]>('app_refusals'),

  jobs: {
    add: (request: AddJobs) => invoke<JobView[]>('jobs_add', { request }),
    list: (query: JobQuery = {}) => invoke<Page<JobView>>('jobs_list', { query }),
    get: (id: number) => invoke<JobView>('jobs_get', { id }),
    show: (id: number) => invoke<JobDetail>('jobs_show', { id }),
    transcript: (id: number) => invoke<TranscriptView>('jobs_transcript', { id }),
    /** The job, with its recording now playable through the asset protocol. */
    media: (id: number) => invoke<Playback>('jobs_media', { id }),
    export: (id: number, format: ExportFormat) => invoke<string>('jobs_export', { id, format }),
    exportTo: (id: number, format: ExportFormat, path: string) =>
      invoke<string>('jobs_export_to', { id, format, path }),
    cancel: (id: number) => invoke<JobView>('jobs_cancel', { id }),
    retry: (id: number) => invoke<JobView>('jobs_retry', { id }),
    delete: (id: number) => invoke<DeletedJob>('jobs_delete', { id }),
    resend: (id: number) => invoke<MessageView[]>('jobs_resend', { id }),
    search: (query: SearchQuery) => invoke<Page<SearchHitView>>('jobs_search', { query }),
  },

  folders: {
    list: () => invoke<FolderView[]>('folders_list'),
    get: (id: number) => invoke<FolderView>('folders_get', { id }),
    add: (request: FolderRequest) => invoke<FolderView>('folders_add', { request }),
    update: (id: number, options: FolderOptions) => invoke<FolderView>('folders_update', { id, options }),
    remove: (id: number) => invoke<FolderView>('folders_remove', { id }),
    setPaused: (id: number, paused: boolean) => invoke<FolderView>('folders_set_paused', { id, paused }),
    /** Pauses or resumes every folder; resolves to whether watching is paused now. */
    pauseAll: (paused: boolean) => invoke<boolean>('folders_pause_all', { paused }),
  },

  endpoints: {
    list: () => invoke<EndpointView[]>('endpoints_list'),
    get: (id: number) => invoke<EndpointView>('endpoints_get', { id }),
    add: (request: EndpointRequest) => invoke<EndpointCreated>('endpoints_add', { request }),
    update: (id: number, patch: EndpointPatch) => invoke<EndpointView>('endpoints_update', { id, patch }),
    remove: (id: number) => invoke<RemovedEndpoint>('endpoints_remove', { id }),
    enable: (id: number, skipHeld = false) => invoke<Enabled>('endpoints_enable', { id, skipHeld }),
    disable: (id: number) => invoke<EndpointView>('endpoints_disable', { id }),
    revealSecret: (id: number) => invoke<string>('endpoints_reveal_secret', { id }),
    /** A new secret; the old one keeps signing for `graceS` seconds. */
    rotateSecret: (id: number, graceS: number) =>
      invoke<SecretRotated>('endpoints_rotate_secret', { id, graceS }),
    test: (id: number) => invoke<TestReport>('endpoints_test', { id }),
  },

  deliveries: {
    list: (query: DeliveryQuery = {}) => invoke<Page<MessageView>>('deliveries_list', { query }),
    show: (id: number) => invoke<MessageDetail>('deliveries_show', { id }),
    replay: (id: number, to: number | null = null) => invoke<MessageView>('deliveries_replay', { id, to }),
    /** Replays every failed message created since `since` (unix ms). */
    replayFailedSince: (since: number) => invoke<MessageView[]>('deliveries_replay_failed_since', { since }),
    summary: () => invoke<DeliverySummary>('deliveries_summary'),
  },

  models: {
    list: () => invoke<ModelListing[]>('models_list'),
    download: (request: DownloadRequest) => invoke<InstalledModel>('models_download', { request }),
    cancelDownload: (name: string) => invoke<boolean>('models_cancel_download', { name }),
    import: (request: ImportRequest) => invoke<InstalledModel>('models_import', { request }),
    setDefault: (name: string) => invoke<string>('models_set_default', { name }),
    remove: (name: string) => invoke<string>('models_remove', { name }),
  },

  /** The local HTTP API (the "Local API" settings group). */
  localApi: {
    overview: () => invoke<ApiOverview>('api_overview'),
    /** The bearer token (`hsk_…`), made if there is none yet. */
    token: () => invoke<string>('api_token'),
    /** A new token; the old one stops working at once. */
    regenerateToken: () => invoke<string>('api_regenerate_token'),
  },

  settings: {
    list: () => invoke<SettingValue[]>('settings_list'),
    set: (key: string, value: string) => invoke<SettingValue>('settings_set', { key, value }),
    unset: (key: string) => invoke<SettingValue>('settings_unset', { key }),
  },
};

/** The engine's error, if `error` is one (commands reject with it). */
export function asEngineError(error: unknown): EngineError | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as Record<string, unknown>;
  return typeof e.kind === 'string' && typeof e.message === 'string' ? (error as EngineError) : null;
}

/** The request field an error is about (`url`, `timeout_ms`, …), for showing it at the field. */
export function errorField(error: unknown): string | null {
  const e = asEngineError(error);
  return e?.subject?.type === 'field' || e?.subject?.type === 'setting' ? String(e.subject.id) : null;
}
