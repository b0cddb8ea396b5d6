import { describe, expect, it } from 'vitest';
import { attemptView, messageView, NOW } from './fixtures';
import { attemptOk, deliveryQuery, NO_FILTERS, outcome, prettyBody, resultText, retryIn, stateLine } from './words';

describe('delivery words', () => {
  it('says what an attempt got back', () => {
    expect(outcome(attemptView(1))).toBe('HTTP 200');
    expect(attemptOk(attemptView(1))).toBe(true);
    const refused = attemptView(1, { response_status: 410, error_kind: 'status', error: 'HTTP 410 Gone' });
    expect(outcome(refused)).toBe('HTTP 410');
    expect(attemptOk(refused)).toBe(false);
    expect(outcome(attemptView(1, { response_status: null, error_kind: 'dns', error: 'no such host example.invalid' }))).toBe(
      'DNS lookup failed: no such host example.invalid',
    );
    expect(outcome(attemptView(1, { response_status: 301, error_kind: 'redirect', error: 'redirects are not followed' }))).toBe(
      'HTTP 301: redirects are not followed',
    );
    expect(outcome(attemptView(1, { response_status: null, error_kind: null, error: null }))).toBe('No response');
  });

  it('says when the next try is', () => {
    expect(retryIn(NOW + 4 * 60_000, NOW)).toBe('retry in 4 min');
    expect(retryIn(NOW + 30_000, NOW)).toBe('retry in 30 s');
    expect(retryIn(NOW - 5_000, NOW)).toBe('retrying now');
  });

  it('sums a message up for the table and the panel', () => {
    const pending = messageView(1, {
      status: 'pending',
      attempts: 2,
      last_error: 'HTTP 503',
      next_attempt_at: NOW + 2 * 3_600_000,
      delivered_at: null,
    });
    expect(resultText(pending, NOW)).toBe('HTTP 503 · retry in 2 h');
    expect(stateLine(pending, NOW)).toBe('2 attempts failed so far; retry in 2 h.');
    // Delivered: how long after the job finished (0.8 s in the fixture; hours when the
    // receiver was down).
    expect(resultText(messageView(1), NOW)).toBe('after 0.8 s');
    expect(resultText(messageView(1, { delivered_at: NOW - 5 * 60_000 + 2 * 3_600_000 }), NOW)).toBe('after 2 h');
    expect(resultText(messageView(1, { delivered_at: NOW - 5 * 60_000 + 30 }), NOW)).toBe('at once');
    expect(resultText(messageView(1, { status: 'failed', last_error: null }), NOW)).toBe('Gave up');
    // The engine's "gave up after" is said by the status and the attempts beside it.
    const gaveUp = messageView(1, { status: 'failed', attempts: 3, last_error: 'HTTP 500 Internal Server Error; gave up after 3 attempts' });
    expect(resultText(gaveUp, NOW)).toBe('HTTP 500 Internal Server Error');
    expect(stateLine(gaveUp, NOW)).toBe('Gave up after 3 attempts.');
    expect(resultText(messageView(1, { status: 'failed', last_error: 'HTTP 404 Not Found' }), NOW)).toBe('HTTP 404 Not Found');
    expect(stateLine(messageView(1, { status: 'failed', attempts: 8 }), NOW)).toBe('Gave up after 8 attempts.');
    expect(resultText(messageView(1, { status: 'pending', attempts: 0, next_attempt_at: null }), NOW)).toBe('sending now');
  });

  it('asks the engine only for the filters that are set', () => {
    expect(deliveryQuery(NO_FILTERS, 100, NOW)).toEqual({ limit: 50, offset: 100 });
    expect(
      deliveryQuery({ status: 'held', endpoint: '3', event: 'webhook.test', since: '7d', job: 9 }, 0, NOW),
    ).toEqual({ status: 'held', endpoint: 3, event: 'webhook.test', since: NOW - 7 * 86_400_000, job: 9, limit: 50, offset: 0 });
  });

  it('pretty-prints the body, whether it came as JSON or as text', () => {
    expect(prettyBody({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyBody('not json')).toBe('not json');
  });
});
