// Views as the engine's commands give them, for the Deliveries tests.
import type { AttemptView, MessageDetail, MessageView } from '../../lib/bindings';

export const NOW = 1_700_000_000_000;

/** A message for job `id` to endpoint 1, delivered on the first attempt, unless told. */
export function messageView(id: number, fields: Partial<MessageView> = {}): MessageView {
  return {
    id,
    webhook_id: `msg_2bXk${id}`,
    event: 'transcription.completed',
    endpoint_id: 1,
    job_id: id,
    status: 'delivered',
    attempts: 1,
    next_attempt_at: null,
    last_error: null,
    created_at: NOW - 5 * 60_000,
    delivered_at: NOW - 5 * 60_000 + 800,
    endpoint_url: 'https://example.com/hooks/1',
    job_webhook: false,
    job_file_name: null,
    ...fields,
  };
}

export function attemptView(id: number, fields: Partial<AttemptView> = {}): AttemptView {
  return {
    id,
    url: 'https://example.com/hooks/1',
    attempted_at: NOW - 10 * 60_000 + id * 60_000,
    duration_ms: 120,
    request_headers: [
      ['content-type', 'application/json'],
      ['webhook-id', 'msg_2bXk5'],
      ['webhook-signature', 'v1,…masked'],
      ['authorization', 'Bearer …cret'],
    ],
    response_status: 200,
    response_headers: [['server', 'nginx']],
    response_body: 'ok',
    error_kind: null,
    error: null,
    ...fields,
  };
}

/** Message 5: failed twice (HTTP 500, then no answer), next try in 4 min. */
export function failingDetail(fields: Partial<MessageDetail> = {}): MessageDetail {
  return {
    message: messageView(5, {
      job_id: 12,
      status: 'pending',
      attempts: 2,
      next_attempt_at: NOW + 4 * 60_000,
      last_error: 'no response within 15s',
      delivered_at: null,
    }),
    endpoint_url: 'https://example.com/hooks/1',
    body: { type: 'transcription.completed', data: { job: 12, text: 'Hello there' } },
    body_bytes: 2048,
    attempts: [
      attemptView(31, {
        response_status: 500,
        response_headers: [
          ['content-type', 'text/plain'],
          ['x-request-id', 'req-77'],
        ],
        response_body: 'Internal Server Error: database down',
        error_kind: 'status',
        error: 'HTTP 500 Internal Server Error',
        duration_ms: 312,
      }),
      attemptView(32, {
        response_status: null,
        response_headers: [],
        response_body: null,
        error_kind: 'timeout',
        error: 'no response within 15s',
        duration_ms: 15_004,
      }),
    ],
    ...fields,
  };
}

/** `count` messages with ids from `first` on. */
export function messages(count: number, first = 1): MessageView[] {
  return Array.from({ length: count }, (_, i) => messageView(first + i));
}
