import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

/** The Tauri command counting endpoints and deliveries, for the Webhooks card. */
export const WEBHOOK_SUMMARY_COMMAND = 'webhook_summary';

/** The Tauri event the shell emits after every delivery attempt. */
export const WEBHOOK_ATTEMPT_EVENT = 'webhook-attempt';

/** What {@link WEBHOOK_SUMMARY_COMMAND} returns: endpoints and deliveries at a glance. */
export interface WebhookSummary {
  /** All endpoints, disabled ones included. */
  endpoints: number;
  enabled_endpoints: number;
  /** Messages by delivery status. */
  pending: number;
  delivered: number;
  failed: number;
  /** Held for a disabled endpoint, until it is enabled again. */
  held: number;
  /** When the latest delivery succeeded (RFC 3339), or null when none did yet. */
  last_delivered_at: string | null;
}

/** A message's delivery status, as the engine names it. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'held';

const DELIVERY_STATUSES: readonly string[] = ['pending', 'delivered', 'failed', 'held'];

/** Payload of {@link WEBHOOK_ATTEMPT_EVENT}: one try at delivering a message to an endpoint. */
export interface WebhookAttempt {
  type: 'attempted';
  message: number;
  endpoint: number;
  /** The transcription job the message is about, if any (a test message has none). */
  job: number | null;
  /** The message's status after this attempt (`pending` when it will be retried). */
  status: DeliveryStatus;
  /** The HTTP status the endpoint answered, or null when there was no answer. */
  response_status: number | null;
  /** What happened, in words. */
  summary: string;
}

const COUNT_FIELDS = ['endpoints', 'enabled_endpoints', 'pending', 'delivered', 'failed', 'held'] as const;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** True when `value` has the shape of a {@link WebhookSummary}. */
export function isWebhookSummary(value: unknown): value is WebhookSummary {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    COUNT_FIELDS.every((field) => isCount(v[field])) &&
    (v.last_delivered_at === null || typeof v.last_delivered_at === 'string')
  );
}

/** True when `value` has the shape of a {@link WebhookAttempt} payload. */
export function isWebhookAttempt(value: unknown): value is WebhookAttempt {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.type === 'attempted' &&
    typeof v.message === 'number' &&
    typeof v.endpoint === 'number' &&
    (v.job === null || typeof v.job === 'number') &&
    typeof v.status === 'string' &&
    DELIVERY_STATUSES.includes(v.status) &&
    (v.response_status === null || typeof v.response_status === 'number') &&
    typeof v.summary === 'string'
  );
}

/**
 * Endpoints and deliveries at a glance. Rejects where the command fails, its reply has another
 * shape, or there is no Tauri backend (a plain browser).
 */
export async function webhookSummary(): Promise<WebhookSummary> {
  const reply = await invoke<unknown>(WEBHOOK_SUMMARY_COMMAND);
  if (!isWebhookSummary(reply)) throw new Error(`${WEBHOOK_SUMMARY_COMMAND} gave a reply of another shape`);
  return reply;
}

/**
 * Calls `handler` after each delivery attempt. Payloads of another shape are ignored. Resolves
 * to the function that stops listening; rejects where there is no Tauri backend to listen to.
 */
export function onWebhookAttempt(handler: (attempt: WebhookAttempt) => void): Promise<UnlistenFn> {
  return listen<unknown>(WEBHOOK_ATTEMPT_EVENT, (event) => {
    if (isWebhookAttempt(event.payload)) handler(event.payload);
  });
}

/**
 * Wraps `task` so that a burst of calls costs few runs: at most one run is in flight, runs
 * start at least `gapMs` apart, and a call while one runs (or waits for its turn) asks for one
 * more run after it, however many calls came meanwhile. Every call is followed by a run that
 * starts after it; the returned promise settles when that run has ended. `task` should not
 * reject (a rejection is swallowed).
 */
export function coalesce(task: () => Promise<void>, gapMs = 0): () => Promise<void> {
  let current: Promise<void> | null = null;
  let again = false;
  let lastStart = -Infinity;

  async function run() {
    do {
      const wait = lastStart + gapMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Calls until now are covered by the run below, which starts after them.
      again = false;
      lastStart = Date.now();
      try {
        // Always after a tick: `current` is set before this run can end.
        await Promise.resolve().then(task);
      } catch {
        // the task reports its own errors
      }
    } while (again);
    current = null; // in the same step as the last look at `again`: no call is lost
  }

  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = run();
    return current;
  };
}

/** "1 endpoint", "2 endpoints". */
export function endpointCount(n: number): string {
  return `${n} ${n === 1 ? 'endpoint' : 'endpoints'}`;
}

/** An RFC 3339 time in the user's locale, or the text as given where it is not a time. */
export function localDateTime(rfc3339: string): string {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : date.toLocaleString();
}
