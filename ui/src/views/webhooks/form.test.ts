import { describe, expect, it } from 'vitest';
import { endpointView } from '../../lib/test-fixtures';
import { checkDraft, draftOf, formField, headerRow, patchOf, requestOf } from './form';

const endpoint = () =>
  endpointView(1, {
    url: 'https://example.com/in',
    events: ['transcription.completed', 'transcription.failed'],
    headers: [
      { name: 'Authorization', value: '••••••', secret: true },
      { name: 'X-Team', value: 'ops', secret: false },
    ],
    timeout_ms: 2500,
  });

describe('endpoint form', () => {
  it('starts a new endpoint with the engine defaults', () => {
    const draft = draftOf(null);
    expect(draft).toMatchObject({
      events: ['transcription.completed', 'transcription.failed'],
      format: 'full',
      timeoutS: '15',
      concurrency: '4',
      retryClientErrors: true,
    });
    draft.url = 'https://example.com/in';
    expect(checkDraft(draft, null)).toEqual({});
    expect(requestOf(draft)).toEqual({
      url: 'https://example.com/in',
      format: 'full',
      timeout_ms: 15000,
      max_concurrency: 4,
      retry_client_errors: true,
    });
    draft.retryClientErrors = false;
    expect(requestOf(draft).retry_client_errors).toBe(false);
  });

  it('sends the choice about 401, 403 and 404 only when it changed', () => {
    const final = endpointView(1, { retry_client_errors: false });
    const draft = draftOf(final);
    expect(draft.retryClientErrors).toBe(false);
    expect(patchOf(final, draft)).toEqual({});
    draft.retryClientErrors = true;
    expect(patchOf(final, draft)).toEqual({ retry_client_errors: true });
  });

  it('shows an endpoint subscribed to every event (none listed) with every box checked', () => {
    expect(draftOf(endpointView(1, { events: [] })).events).toEqual(['transcription.completed', 'transcription.failed']);
    expect(draftOf(endpointView(1, { events: ['transcription.failed', 'webhook.test'] })).events).toEqual([
      'transcription.failed',
    ]);
  });

  it('keeps fractions of a second', () => {
    const draft = draftOf(endpoint());
    expect(draft.timeoutS).toBe('2.5');
    expect(patchOf(endpoint(), draft)).toEqual({});
    draft.timeoutS = '0.25';
    expect(patchOf(endpoint(), draft)).toEqual({ timeout_ms: 250 });
  });

  it('sends an unchanged form as an empty patch, even with a secret header', () => {
    expect(patchOf(endpoint(), draftOf(endpoint()))).toEqual({});
  });

  it('changes a header by name only in case without removing it', () => {
    const draft = draftOf(endpoint());
    draft.headers[1].name = 'x-team';
    expect(patchOf(endpoint(), draft)).toEqual({ headers: [{ name: 'x-team', value: 'ops', secret: false }] });
  });

  it('marks a plain header secret', () => {
    const draft = draftOf(endpoint());
    draft.headers[1].secret = true;
    expect(patchOf(endpoint(), draft)).toEqual({ headers: [{ name: 'X-Team', value: 'ops', secret: true }] });
  });

  it('removes a secret header without knowing its value', () => {
    const draft = draftOf(endpoint());
    draft.headers.splice(0, 1);
    expect(checkDraft(draft, endpoint())).toEqual({});
    expect(patchOf(endpoint(), draft)).toEqual({ remove_headers: ['Authorization'] });
  });

  it('refuses headers without a name or a value, or twice', () => {
    const draft = draftOf(endpoint());
    draft.headers.push(headerRow());
    expect(checkDraft(draft, endpoint())).toEqual({}); // an empty new row is left out
    draft.headers[2].value = 'x';
    expect(checkDraft(draft, endpoint()).headers).toBe('Give each header a name, or remove the row.');
    draft.headers[2].name = 'X-New';
    draft.headers[2].value = '';
    expect(checkDraft(draft, endpoint()).headers).toBe('Give X-New a value.');
    draft.headers[2].name = 'x-team';
    draft.headers[2].value = 'again';
    expect(checkDraft(draft, endpoint()).headers).toBe('x-team is there twice; keep one.');
  });

  it('checks the URL, the description length and the secret', () => {
    const draft = draftOf(null);
    draft.url = 'example.com/in';
    draft.description = 'x'.repeat(501);
    draft.secret = 'abc';
    expect(Object.keys(checkDraft(draft, null)).sort()).toEqual(['description', 'secret', 'url']);
    draft.url = 'HTTPS://example.com/in';
    expect(checkDraft(draft, null).url).toBeUndefined();
  });

  it('knows the fields the engine names', () => {
    expect(formField('timeout_ms')).toBe('timeout_ms');
    expect(formField('options')).toBeNull();
    expect(formField(null)).toBeNull();
  });
});
