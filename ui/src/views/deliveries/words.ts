// How the delivery log reads: filters, a message's state and an attempt's outcome in words.
import type { AttemptView, DeliveryQuery, MessageStatus, MessageView } from '../../lib/bindings';
import { ago, duration } from '../../lib/format';

/** Rows on a page: the engine's limit. */
export const PAGE_SIZE = 50;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const EVENTS = ['transcription.completed', 'transcription.failed', 'webhook.test'] as const;

export const STATUS_CHOICES: { value: MessageStatus | ''; label: string }[] = [
  { value: '', label: 'All statuses' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'failed', label: 'Failed' },
  { value: 'held', label: 'Held' },
];

export type SinceChoice = '' | '1h' | '24h' | '7d' | '30d';

/** How far back each choice reaches, in ms. */
export const SINCE_SPANS: Record<Exclude<SinceChoice, ''>, number> = {
  '1h': HOUR,
  '24h': DAY,
  '7d': 7 * DAY,
  '30d': 30 * DAY,
};

export const SINCE_CHOICES: { value: SinceChoice; label: string }[] = [
  { value: '', label: 'Any time' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
];

/** The Replay failed dialog's choices. */
export const REPLAY_CHOICES: { value: Exclude<SinceChoice, ''>; label: string }[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

export interface DeliveryFilters {
  status: MessageStatus | '';
  /** An endpoint id, or '' for every endpoint. */
  endpoint: string;
  event: string;
  since: SinceChoice;
  /** From a link: one job's messages. */
  job: number | null;
}

export const NO_FILTERS: DeliveryFilters = { status: '', endpoint: '', event: '', since: '', job: null };

export function hasFilters(f: DeliveryFilters): boolean {
  return f.status !== '' || f.endpoint !== '' || f.event !== '' || f.since !== '' || f.job != null;
}

/** The filters and the page as the engine's query, leaving out what is not set. */
export function deliveryQuery(f: DeliveryFilters, offset: number, now = Date.now()): DeliveryQuery {
  const query: DeliveryQuery = { limit: PAGE_SIZE, offset };
  if (f.status) query.status = f.status;
  if (f.endpoint) query.endpoint = Number(f.endpoint);
  if (f.job != null) query.job = f.job;
  if (f.event) query.event = f.event;
  if (f.since) query.since = now - SINCE_SPANS[f.since];
  return query;
}

/** "in 4 min", or null when `at` is due. */
function inTime(at: number | null, now: number): string | null {
  if (at == null) return null;
  const seconds = (at - now) / 1000;
  return seconds > 1 ? `in ${duration(seconds)}` : null;
}

/** "retry in 4 min", "retrying now". */
export function retryIn(at: number, now = Date.now()): string {
  const when = inTime(at, now);
  return when ? `retry ${when}` : 'retrying now';
}

function attemptsWord(n: number): string {
  return `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
}

/** The table's last column: what went wrong, and what happens next. */
/**
 * How long after the message was written (when the job finished) it was delivered:
 * "at once", "after 0.8 s", "after 2 h" (a receiver that was down).
 */
function deliveredAfter(m: MessageView): string {
  if (m.delivered_at == null) return '';
  const seconds = Math.max(0, (m.delivered_at - m.created_at) / 1000);
  if (seconds < 0.1) return 'at once';
  return `after ${seconds < 10 ? `${seconds.toFixed(1)} s` : duration(seconds)}`;
}

export function resultText(m: MessageView, now = Date.now()): string {
  switch (m.status) {
    case 'delivered':
      return deliveredAfter(m);
    case 'pending': {
      if (m.attempts === 0) {
        const when = inTime(m.next_attempt_at, now);
        return when ? `first try ${when}` : 'sending now';
      }
      const next = m.next_attempt_at != null ? retryIn(m.next_attempt_at, now) : 'retrying now';
      return m.last_error ? `${m.last_error} · ${next}` : next;
    }
    case 'held':
      return m.last_error ? `${m.last_error} · held while the endpoint is disabled` : 'Held while the endpoint is disabled';
    case 'failed':
      return problem(m) ?? 'Gave up';
  }
}

/**
 * What went wrong last, without the engine's "; gave up after N attempts" (the status and
 * the attempt count already say that, next to it).
 */
export function problem(m: MessageView): string | null {
  return m.last_error?.replace(/; gave up after \d+ attempts?$/, '') ?? null;
}

/** The detail panel's state line: where the message stands, in a sentence. */
export function stateLine(m: MessageView, now = Date.now()): string {
  switch (m.status) {
    case 'delivered':
      return m.delivered_at != null
        ? `Delivered ${ago(m.delivered_at, now)}, after ${attemptsWord(m.attempts)}.`
        : `Delivered after ${attemptsWord(m.attempts)}.`;
    case 'pending': {
      if (m.attempts === 0) {
        const when = inTime(m.next_attempt_at, now);
        return when ? `Waiting for its first attempt, ${when}.` : 'Sending now.';
      }
      const next = m.next_attempt_at != null ? retryIn(m.next_attempt_at, now) : 'retrying now';
      return `${attemptsWord(m.attempts)} failed so far; ${next}.`;
    }
    case 'held':
      return 'Held while the endpoint is disabled: it is sent when the endpoint is enabled again.';
    case 'failed':
      return `Gave up after ${attemptsWord(m.attempts)}.`;
  }
}

const ERROR_KINDS: Record<string, string> = {
  dns: 'DNS lookup failed',
  connect: 'Could not connect',
  tls: 'TLS failed',
  timeout: 'Timed out',
  redirect: 'Redirected',
  status: 'Refused',
  interrupted: 'Interrupted (Hookscribe stopped)',
};

/** Whether an attempt was delivered: a 2xx answer and no error. */
export function attemptOk(a: AttemptView): boolean {
  return a.error_kind == null && a.response_status != null && a.response_status >= 200 && a.response_status < 300;
}

/** "HTTP 500", "Timed out: no response within 15 s". */
export function outcome(a: AttemptView): string {
  if (a.response_status != null) {
    const extra = a.error && a.error_kind && a.error_kind !== 'status' ? `: ${a.error}` : '';
    return `HTTP ${a.response_status}${extra}`;
  }
  const kind = a.error_kind ? (ERROR_KINDS[a.error_kind] ?? a.error_kind) : 'No response';
  return a.error ? `${kind}: ${a.error}` : kind;
}

/** The body as sent, pretty-printed. */
export function prettyBody(body: unknown): string {
  if (typeof body === 'string') {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return JSON.stringify(body, null, 2) ?? String(body);
}
