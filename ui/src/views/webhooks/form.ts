// The endpoint editor's state, its checks, and what it sends: a whole request when adding,
// only what changed when editing.
import type {
  BodyFormat,
  EndpointPatch,
  EndpointRequest,
  EndpointView,
  HeaderRequest,
  HeaderView,
} from '../../lib/bindings';

/** How the engine shows a secret header's value. */
export const MASK = '••••••';

/** Events an endpoint can subscribe to (`webhook.test` always goes). */
export const EVENTS: { value: string; label: string }[] = [
  { value: 'transcription.completed', label: 'A transcript is ready (transcription.completed)' },
  { value: 'transcription.failed', label: 'A transcription failed (transcription.failed)' },
];

export const FORMATS: { value: BodyFormat; label: string; hint: string }[] = [
  { value: 'full', label: 'Full', hint: 'Everything: text, segments, source, metadata, timings.' },
  { value: 'compact', label: 'Compact', hint: 'Ids, status, file name and a text excerpt, for receivers with size limits.' },
  { value: 'flat', label: 'Flat', hint: "One level of keys (text included), for Zapier's field mapping." },
];

/** The engine's limits (src/webhooks/endpoint.rs). */
export const LIMITS = { timeoutMinS: 0.1, timeoutMaxS: 300, concurrencyMax: 64, descriptionMax: 500 };

export interface HeaderRow {
  /** Stable key for the list. */
  key: number;
  name: string;
  /** For a secret header that exists: empty until the user types a new value. */
  value: string;
  secret: boolean;
  /** The header as the engine has it, for rows that exist. */
  original: HeaderView | null;
}

export interface EndpointDraft {
  url: string;
  description: string;
  /** Subscribed events (of {@link EVENTS}). */
  events: string[];
  format: BodyFormat;
  timeoutS: string;
  concurrency: string;
  /** Retry 401, 403 and 404 on the schedule (off: they fail the message at once). */
  retryClientErrors: boolean;
  headers: HeaderRow[];
  /** Adding only: a `whsec_…` secret the receiver already has (empty: a new one). */
  secret: string;
}

/** The fields errors are shown at (the engine's names for them). */
export type FormField =
  | 'url'
  | 'description'
  | 'events'
  | 'format'
  | 'timeout_ms'
  | 'max_concurrency'
  | 'headers'
  | 'secret';

export type FormErrors = Partial<Record<FormField, string>>;

let nextKey = 1;

export function headerRow(original: HeaderView | null = null): HeaderRow {
  return {
    key: nextKey++,
    name: original?.name ?? '',
    value: original && !isMasked(original) ? original.value : '',
    secret: original?.secret ?? false,
    original,
  };
}

/** A secret header whose value the engine does not show. */
export function isMasked(header: HeaderView): boolean {
  return header.secret && header.value === MASK;
}

/** Seconds as the form shows them: "15", "0.5". */
function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/** The events an endpoint sends, of those the form offers (none listed: every event). */
function subscribed(events: string[]): string[] {
  const offered = EVENTS.map((e) => e.value);
  const chosen = offered.filter((e) => events.includes(e));
  return chosen.length > 0 ? chosen : offered;
}

/** The form for a new endpoint (`endpoint` null) or for editing one. */
export function draftOf(endpoint: EndpointView | null): EndpointDraft {
  if (!endpoint) {
    return {
      url: '',
      description: '',
      events: EVENTS.map((e) => e.value),
      format: 'full',
      timeoutS: '15',
      concurrency: '4',
      retryClientErrors: true,
      headers: [],
      secret: '',
    };
  }
  return {
    url: endpoint.url,
    description: endpoint.description,
    events: subscribed(endpoint.events),
    format: endpoint.format,
    timeoutS: seconds(endpoint.timeout_ms),
    concurrency: String(endpoint.max_concurrency),
    retryClientErrors: endpoint.retry_client_errors,
    headers: endpoint.headers.map((h) => headerRow(h)),
    secret: '',
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** What the headers editor changes: headers to set, names to remove, or what is wrong. */
function headerChanges(rows: HeaderRow[], originals: HeaderView[]): {
  headers: HeaderRequest[];
  remove: string[];
  error?: string;
} {
  const headers: HeaderRequest[] = [];
  const remove: string[] = [];
  const names = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    const value = row.value.trim();
    if (!name) {
      if (value || row.original) return { headers, remove, error: 'Give each header a name, or remove the row.' };
      continue; // an empty new row
    }
    const lower = name.toLowerCase();
    if (names.has(lower)) return { headers, remove, error: `${name} is there twice; keep one.` };
    names.add(lower);
    const original = row.original;
    if (!original) {
      if (!value) return { headers, remove, error: `Give ${name} a value.` };
      headers.push({ name, value, secret: row.secret });
      continue;
    }
    const renamed = lower !== original.name.toLowerCase();
    const masked = isMasked(original);
    const valueChanged = masked ? value !== '' : value !== original.value;
    const changed = renamed || name !== original.name || valueChanged || row.secret !== original.secret;
    if (!changed) continue;
    if (masked && !valueChanged) {
      return { headers, remove, error: `Type the value of ${original.name} again to change it (it is secret, so it is not shown).` };
    }
    if (!value) return { headers, remove, error: `Give ${name} a value.` };
    if (renamed) remove.push(original.name);
    headers.push({ name, value, secret: row.secret });
  }
  for (const original of originals) {
    // By name: the rows hold copies (reactive state), not the engine's objects themselves.
    if (!rows.some((r) => r.original?.name === original.name)) remove.push(original.name);
  }
  return { headers, remove };
}

/** What the form can tell before asking the engine. */
export function checkDraft(draft: EndpointDraft, endpoint: EndpointView | null): FormErrors {
  const errors: FormErrors = {};
  const url = draft.url.trim();
  if (!url) errors.url = 'Enter the URL the transcripts are sent to.';
  else if (!/^https?:\/\/\S+$/i.test(url)) errors.url = 'The URL must start with http:// or https://.';
  if (draft.events.length === 0) errors.events = 'Choose at least one event.';
  const timeout = Number(draft.timeoutS);
  if (draft.timeoutS.trim() === '' || !Number.isFinite(timeout) || timeout < LIMITS.timeoutMinS || timeout > LIMITS.timeoutMaxS) {
    errors.timeout_ms = `The timeout is a number of seconds from ${LIMITS.timeoutMinS} to ${LIMITS.timeoutMaxS}.`;
  }
  const concurrency = Number(draft.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > LIMITS.concurrencyMax) {
    errors.max_concurrency = `Requests at once is a whole number from 1 to ${LIMITS.concurrencyMax}.`;
  }
  if (draft.description.trim().length > LIMITS.descriptionMax) {
    errors.description = `Keep the description under ${LIMITS.descriptionMax} characters.`;
  }
  const secret = draft.secret.trim();
  if (!endpoint && secret && !secret.startsWith('whsec_')) {
    errors.secret = 'A signing secret starts with whsec_ (leave it empty for a new one).';
  }
  const { error } = headerChanges(draft.headers, endpoint?.headers ?? []);
  if (error) errors.headers = error;
  return errors;
}

/** The request adding the endpoint the form describes (check it first). */
export function requestOf(draft: EndpointDraft): EndpointRequest {
  const request: EndpointRequest = { url: draft.url.trim() };
  const description = draft.description.trim();
  if (description) request.description = description;
  // Every event checked: leave it to the engine (every event, later ones included).
  if (!sameSet(draft.events, EVENTS.map((e) => e.value))) request.events = [...draft.events];
  request.format = draft.format;
  const { headers } = headerChanges(draft.headers, []);
  if (headers.length > 0) request.headers = headers;
  request.timeout_ms = Math.round(Number(draft.timeoutS) * 1000);
  request.max_concurrency = Number(draft.concurrency);
  request.retry_client_errors = draft.retryClientErrors;
  const secret = draft.secret.trim();
  if (secret) request.secret = secret;
  return request;
}

/** Only what the form changed of `endpoint` (empty: nothing to save). */
export function patchOf(endpoint: EndpointView, draft: EndpointDraft): EndpointPatch {
  const before = draftOf(endpoint);
  const patch: EndpointPatch = {};
  const url = draft.url.trim();
  if (url !== endpoint.url) patch.url = url;
  const description = draft.description.trim();
  if (description !== endpoint.description) patch.description = description;
  if (!sameSet(draft.events, before.events)) patch.events = [...draft.events];
  if (draft.format !== endpoint.format) patch.format = draft.format;
  const timeoutMs = Math.round(Number(draft.timeoutS) * 1000);
  if (timeoutMs !== endpoint.timeout_ms) patch.timeout_ms = timeoutMs;
  const concurrency = Number(draft.concurrency);
  if (concurrency !== endpoint.max_concurrency) patch.max_concurrency = concurrency;
  if (draft.retryClientErrors !== endpoint.retry_client_errors) patch.retry_client_errors = draft.retryClientErrors;
  const { headers, remove } = headerChanges(draft.headers, endpoint.headers);
  if (remove.length > 0) patch.remove_headers = remove;
  if (headers.length > 0) patch.headers = headers;
  return patch;
}

const FIELDS: FormField[] = ['url', 'description', 'events', 'format', 'timeout_ms', 'max_concurrency', 'headers', 'secret'];

/** The form field an engine error names, if the form has it. */
export function formField(name: string | null): FormField | null {
  return name && (FIELDS as string[]).includes(name) ? (name as FormField) : null;
}
