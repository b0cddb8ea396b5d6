import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import Webhooks from './Webhooks.svelte';
import type { DeliverySummary, EndpointView, MessageView, Page, TestReport } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { endpointView } from '../lib/test-fixtures';
import { deferred, engineError, mockCommands, settle, callsOf, type Call, type Handler } from '../lib/test-ipc';
import { byId, normalized, stubMatchMedia, toastTitles } from '../components/test-helpers';

const summary: DeliverySummary = {
  endpoints: 2,
  enabled_endpoints: 1,
  pending: 0,
  delivered: 118,
  failed: 2,
  held: 3,
  last_delivered_at: null,
};

const HOUR = 3_600_000;

/** A healthy endpoint and a disabled one. */
function endpoints(): EndpointView[] {
  const now = Date.now();
  return [
    endpointView(1, {
      url: 'https://hooks.zapier.com/hooks/catch/1/abc',
      description: 'Zapier: meeting notes',
      events: ['transcription.completed', 'transcription.failed'],
      health: {
        attempts: 120,
        succeeded: 118,
        success_rate: 118 / 120,
        consecutive_failures: 0,
        failing_since: null,
        last_success_at: now - 5 * 60_000,
        last_failure_at: now - 2 * HOUR,
        last_failure: 'HTTP 502 Bad Gateway',
      },
    }),
    endpointView(2, {
      url: 'https://n8n.example.org/webhook/in',
      enabled: false,
      disabled: { at: now - 3 * HOUR, reason: 'no success for 5 days (12 failures in a row)' },
      format: 'flat',
      health: {
        attempts: 12,
        succeeded: 0,
        success_rate: 0,
        consecutive_failures: 12,
        failing_since: now - 5 * 24 * HOUR,
        last_success_at: null,
        last_failure_at: now - 3 * HOUR,
        last_failure: 'connection refused',
      },
    }),
  ];
}

function page<T>(items: T[], total = items.length): Page<T> {
  return { items, total, offset: 0, limit: 1 };
}

const message = { id: 1 } as MessageView;

/** The commands the view asks unless told otherwise. */
function mockWebhooks(handlers: Record<string, Handler> = {}): Call[] {
  return mockCommands({
    endpoints_list: () => endpoints(),
    deliveries_summary: () => summary,
    deliveries_list: () => page([message], 12),
    'plugin:clipboard-manager|write_text': () => null,
    ...handlers,
  });
}




async function findId(id: string): Promise<HTMLElement> {
  return waitFor(() => byId(id));
}

async function renderView() {
  const view = render(Webhooks);
  await findId('endpoint-1');
  return view;
}

async function type(id: string, value: string) {
  await fireEvent.input(byId(id), { target: { value } });
}

beforeEach(() => {
  stubMatchMedia();
});

afterEach(() => {
  cleanup();
  toast.dismiss();
  clearMocks();
  location.hash = '';
});

describe('Webhooks: states', () => {
  it('says what it is for, offers Add endpoint, and shows loading until the list comes', async () => {
    mockWebhooks({ endpoints_list: () => new Promise(() => {}) });
    render(Webhooks);

    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Webhooks');
    expect(
      screen.getByText(
        'Every transcript is sent, signed, to these endpoints (Zapier, n8n, your own tools) and retried until delivered.',
      ),
    ).toBeTruthy();
    expect(byId('add-endpoint').textContent).toContain('Add endpoint');
    expect(screen.getByRole('status').textContent).toBe('Loading…');
  });

  it('shows the delivery summary under the header', async () => {
    mockWebhooks();
    await renderView();
    await waitFor(() => expect(normalized(byId('webhook-summary'))).toBe('118 delivered · 0 pending · 2 failed · 3 held'));
  });

  it('says what to do when there is no endpoint, with the action', async () => {
    mockWebhooks({ endpoints_list: () => [] });
    render(Webhooks);

    expect(await screen.findByText('No webhook endpoints yet')).toBeTruthy();
    expect(screen.getByText('Add one and every transcript is sent to it, signed.')).toBeTruthy();
    await fireEvent.click(byId('add-endpoint-empty'));
    expect(await findId('endpoint-form')).toBeTruthy();
    expect(screen.getByRole('dialog').textContent).toContain('Add endpoint');
  });

  it('shows an error with Retry, and the list after retrying', async () => {
    let fail = true;
    const calls = mockWebhooks({
      endpoints_list: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return endpoints();
      },
    });
    render(Webhooks);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The webhook endpoints could not be loaded');
    expect(alert.textContent).toContain('database is locked');

    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    await findId('endpoint-1');
    expect(callsOf(calls, 'endpoints_list')).toHaveLength(2);
    expect(screen.queryByText('database is locked')).toBeNull();
  });

  it('shows each endpoint with its health at a glance', async () => {
    mockWebhooks();
    await renderView();

    const first = byId('endpoint-1');
    expect(byId('endpoint-1-url').textContent).toBe('https://hooks.zapier.com/hooks/catch/1/abc');
    expect(byId('endpoint-1-url').tagName).toBe('CODE');
    expect(normalized(first)).toContain('Zapier: meeting notes');
    expect(first.querySelector('[data-status]')!.textContent).toBe('Enabled');
    const health = normalized(byId('endpoint-1-health'));
    expect(health).toContain('98% of 120 attempts delivered in the last 7 days');
    expect(health).toContain('Last delivered 5 min ago');
    expect(health).toContain('Last failed 2 h ago: HTTP 502 Bad Gateway');
    expect(health).not.toContain('in a row');
    expect(normalized(first)).toContain('Sends transcription.completed, transcription.failed · full format · 15 s timeout · 4 at once · 401/403/404: retried');
    expect(byId('secret-1').textContent).toBe('whsec_…abcd');
    expect(document.getElementById('endpoint-1-disabled')).toBeNull();
    expect(document.getElementById('enable-endpoint-1')).toBeNull();
    expect(byId('disable-endpoint-1')).toBeTruthy();

    const second = byId('endpoint-2');
    expect(second.querySelector('[data-status]')!.textContent).toBe('Disabled');
    expect(normalized(byId('endpoint-2-disabled'))).toBe(
      'Disabled 3 h ago: no success for 5 days (12 failures in a row). New messages are held until you enable it.',
    );
    const health2 = normalized(byId('endpoint-2-health'));
    expect(health2).toContain('0% of 12 attempts delivered');
    expect(health2).toContain('12 failures in a row, failing since');
    expect(health2).toContain('Last failed 3 h ago: connection refused');
    expect(byId('enable-endpoint-2')).toBeTruthy();
    expect(document.getElementById('disable-endpoint-2')).toBeNull();
  });

  it('says when there were no attempts yet', async () => {
    mockWebhooks({ endpoints_list: () => [endpointView(1)] });
    await renderView();
    expect(normalized(byId('endpoint-1-health'))).toBe('No attempts in the last 7 days');
  });

  it('shows 50 endpoints a page', { timeout: 20_000 }, async () => {
    const many = Array.from({ length: 120 }, (_, i) => endpointView(i + 1));
    const calls = mockWebhooks({ endpoints_list: () => many });
    await renderView();

    expect(screen.getAllByRole('article')).toHaveLength(50);
    const pager = screen.getByRole('navigation', { name: 'Pages' });
    expect(normalized(pager)).toContain('Showing 1–50 of 120');

    await fireEvent.click(within(pager).getByRole('button', { name: 'Next' }));
    await findId('endpoint-51');
    expect(document.getElementById('endpoint-50')).toBeNull();
    expect(screen.getAllByRole('article')).toHaveLength(50);
    expect(normalized(screen.getByRole('navigation', { name: 'Pages' }))).toContain('Showing 51–100 of 120');

    await fireEvent.click(within(screen.getByRole('navigation', { name: 'Pages' })).getByRole('button', { name: 'Next' }));
    await findId('endpoint-120');
    expect(screen.getAllByRole('article')).toHaveLength(20);
    expect(callsOf(calls, 'endpoints_list')).toHaveLength(1); // the engine gives them all at once
  });

  it('reads the list again when the engine says endpoints changed', async () => {
    let list = endpoints();
    const calls = mockWebhooks({ endpoints_list: () => list });
    await renderView();

    list = [...list, endpointView(3, { url: 'https://example.com/new' })];
    live.bump('endpoints');

    await findId('endpoint-3');
    expect(callsOf(calls, 'endpoints_list')).toHaveLength(2);
  });

  it('coalesces a burst of changes into few reads', async () => {
    const calls = mockWebhooks();
    await renderView();
    for (let i = 0; i < 10; i++) live.bump('endpoints');
    await new Promise((r) => setTimeout(r, 600));
    const reads = callsOf(calls, 'endpoints_list').length;
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('keeps the list when a reload fails, and says so', async () => {
    let fail = false;
    mockWebhooks({
      endpoints_list: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return endpoints();
      },
    });
    await renderView();

    fail = true;
    live.bump('endpoints');
    const note = await findId('endpoints-refresh-error');
    expect(note.textContent).toContain('database is locked');
    expect(byId('endpoint-1')).toBeTruthy();
  });
});

describe('Webhooks: adding', () => {
  const created = (fields: Partial<EndpointView> = {}) => ({
    endpoint: endpointView(3, { url: 'https://example.com/in', ...fields }),
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  });

  async function openAdd() {
    await fireEvent.click(byId('add-endpoint'));
    return findId('endpoint-form');
  }

  it('checks the URL before asking the engine, and says so at the field', async () => {
    const calls = mockWebhooks();
    await renderView();
    await openAdd();

    await fireEvent.click(byId('endpoint-save'));
    expect(byId('endpoint-url-error').textContent).toBe('Enter the URL the transcripts are sent to.');

    await type('endpoint-url', 'ftp://example.com/in');
    await fireEvent.click(byId('endpoint-save'));
    expect(byId('endpoint-url-error').textContent).toBe('The URL must start with http:// or https://.');
    expect(byId('endpoint-url').getAttribute('aria-invalid')).toBe('true');
    expect(byId('endpoint-url').getAttribute('aria-describedby')).toContain('endpoint-url-error');
    expect(callsOf(calls, 'endpoints_add')).toHaveLength(0);
  });

  it('asks for at least one event, and numbers in range', async () => {
    const calls = mockWebhooks();
    await renderView();
    await openAdd();

    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(byId('endpoint-event-0'));
    await fireEvent.click(byId('endpoint-event-1'));
    await type('endpoint-timeout', '0');
    await type('endpoint-concurrency', '2.5');
    await fireEvent.click(byId('endpoint-save'));

    expect(byId('endpoint-events-error').textContent).toBe('Choose at least one event.');
    expect(byId('endpoint-timeout-error').textContent).toContain('from 0.1 to 300');
    expect(byId('endpoint-concurrency-error').textContent).toContain('whole number from 1 to 64');
    expect(callsOf(calls, 'endpoints_add')).toHaveLength(0);
  });

  it('adds an endpoint with what the form says, then shows its secret once', async () => {
    let list = endpoints();
    const calls = mockWebhooks({
      endpoints_list: () => list,
      endpoints_add: () => {
        const reply = created();
        list = [...list, reply.endpoint];
        return reply;
      },
    });
    await renderView();
    await openAdd();

    await type('endpoint-url', ' https://example.com/in ');
    await type('endpoint-description', 'Our CRM');
    await fireEvent.click(byId('endpoint-event-1')); // completed only
    await fireEvent.click(byId('endpoint-format-compact'));
    await type('endpoint-timeout', '5');
    await type('endpoint-concurrency', '2');
    await fireEvent.click(byId('endpoint-add-header'));
    await type('endpoint-header-name-0', 'X-Api-Key');
    await type('endpoint-header-value-0', 'k-123');
    await fireEvent.click(byId('endpoint-header-secret-0'));
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_add')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_add')[0]).toEqual({
      request: {
        url: 'https://example.com/in',
        description: 'Our CRM',
        events: ['transcription.completed'],
        format: 'compact',
        headers: [{ name: 'X-Api-Key', value: 'k-123', secret: true }],
        timeout_ms: 5000,
        max_concurrency: 2,
        retry_client_errors: true,
      },
    });

    const dialog = await findId('new-secret');
    expect(byId('new-secret-value').textContent).toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(normalized(dialog)).toContain(
      'Keep it in your receiver to verify signatures; you can reveal it again later.',
    );
    await waitFor(() => expect(document.getElementById('endpoint-form')).toBeNull());

    await fireEvent.click(byId('new-secret-copy'));
    await waitFor(() =>
      expect(callsOf(calls, 'plugin:clipboard-manager|write_text')[0]).toMatchObject({
        text: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
    );
    await waitFor(() => expect(toastTitles()).toContain('Secret copied'));

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(document.getElementById('new-secret')).toBeNull());
    await findId('endpoint-3'); // in the list at once
  });

  it('leaves the defaults to the engine: every event, no secret of its own', async () => {
    const calls = mockWebhooks({ endpoints_add: () => created() });
    await renderView();
    await openAdd();
    expect((byId('endpoint-retry-client-errors') as HTMLInputElement).checked).toBe(true);
    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_add')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_add')[0]).toEqual({
      request: { url: 'https://example.com/in', format: 'full', timeout_ms: 15000, max_concurrency: 4, retry_client_errors: true },
    });
  });

  it('fails 401, 403 and 404 at once when told', async () => {
    const calls = mockWebhooks({ endpoints_add: () => created({ retry_client_errors: false }) });
    await renderView();
    await openAdd();
    const retry = byId('endpoint-retry-client-errors') as HTMLInputElement;
    expect(retry.closest('label')!.textContent).toContain('Retry 401, 403 and 404');
    expect(byId(retry.getAttribute('aria-describedby')!).textContent).toContain('A receiver being deployed answers these for a while');
    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(retry);
    expect(retry.checked).toBe(false);
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_add')).toHaveLength(1));
    expect((callsOf(calls, 'endpoints_add')[0].request as { retry_client_errors: boolean }).retry_client_errors).toBe(false);
  });

  it('sends a secret the receiver already has', async () => {
    const calls = mockWebhooks({ endpoints_add: () => created() });
    await renderView();
    await openAdd();
    await type('endpoint-url', 'https://example.com/in');
    await type('endpoint-secret', 'not-a-secret');
    await fireEvent.click(byId('endpoint-save'));
    expect(byId('endpoint-secret-error').textContent).toContain('starts with whsec_');

    await type('endpoint-secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    await fireEvent.click(byId('endpoint-save'));
    await waitFor(() => expect(callsOf(calls, 'endpoints_add')).toHaveLength(1));
    expect((callsOf(calls, 'endpoints_add')[0].request as { secret: string }).secret).toBe(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
  });

  for (const [field, control] of [
    ['url', 'endpoint-url'],
    ['timeout_ms', 'endpoint-timeout'],
    ['max_concurrency', 'endpoint-concurrency'],
    ['description', 'endpoint-description'],
    ['secret', 'endpoint-secret'],
  ] as const) {
    it(`shows the engine's error about ${field} at its field, and keeps the form`, async () => {
      mockWebhooks({
        endpoints_add: () => {
          throw engineError(`the engine refuses this ${field}`, 'invalid_input', field);
        },
      });
      await renderView();
      await openAdd();
      await type('endpoint-url', 'https://example.com/in');
      await fireEvent.click(byId('endpoint-save'));

      const error = await findId(`${control}-error`);
      expect(error.textContent).toBe(`the engine refuses this ${field}`);
      expect(byId(control).getAttribute('aria-invalid')).toBe('true');
      expect(byId('endpoint-form')).toBeTruthy();
      expect(document.getElementById('new-secret')).toBeNull();
    });
  }

  it("shows the engine's error about events and headers under those groups", async () => {
    let field = 'events';
    mockWebhooks({
      endpoints_add: () => {
        throw engineError(`bad ${field}`, 'invalid_input', field);
      },
    });
    await renderView();
    await openAdd();
    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(byId('endpoint-save'));
    expect((await findId('endpoint-events-error')).textContent).toBe('bad events');

    field = 'headers';
    await fireEvent.click(byId('endpoint-add-header'));
    await type('endpoint-header-name-0', 'Webhook-Id');
    await type('endpoint-header-value-0', 'x');
    await fireEvent.click(byId('endpoint-save'));
    expect((await findId('endpoint-headers-error')).textContent).toBe('bad headers');
    expect(document.getElementById('endpoint-events-error')).toBeNull();
  });

  it('shows an error about no field under the form', async () => {
    mockWebhooks({
      endpoints_add: () => {
        throw engineError('database is locked', 'unavailable');
      },
    });
    await renderView();
    await openAdd();
    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(byId('endpoint-save'));
    expect((await findId('endpoint-form-error')).textContent).toBe('database is locked');
  });

  it('shows the save button busy while the engine works', async () => {
    const reply = deferred<unknown>();
    mockWebhooks({ endpoints_add: () => reply.promise });
    await renderView();
    await openAdd();
    await type('endpoint-url', 'https://example.com/in');
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(byId('endpoint-save').getAttribute('aria-busy')).toBe('true'));
    expect((byId('endpoint-save') as HTMLButtonElement).disabled).toBe(true);
    reply.resolve(created());
    await findId('new-secret');
  });

  it('closes the panel with Esc, without saving', async () => {
    const calls = mockWebhooks();
    await renderView();
    await openAdd();
    await type('endpoint-url', 'https://example.com/in');

    await fireEvent.keyDown(byId('endpoint-url'), { key: 'Escape' });

    await waitFor(() => expect(document.getElementById('endpoint-form')).toBeNull());
    expect(callsOf(calls, 'endpoints_add')).toHaveLength(0);
  });
});

describe('Webhooks: editing', () => {
  /** An endpoint with a secret header (masked) and a plain one. */
  const withHeaders = () =>
    endpointView(1, {
      url: 'https://example.com/hooks/1',
      description: 'Old',
      events: ['transcription.completed', 'transcription.failed'],
      headers: [
        { name: 'Authorization', value: '••••••', secret: true },
        { name: 'X-Team', value: 'ops', secret: false },
      ],
    });

  async function openEdit(calls?: Call[]) {
    await fireEvent.click(byId('edit-endpoint-1'));
    await findId('endpoint-form');
    return calls;
  }

  it('fills the form with the endpoint, secret header values left out', async () => {
    mockWebhooks({ endpoints_list: () => [withHeaders()] });
    await renderView();
    await openEdit();

    expect((byId('endpoint-url') as HTMLInputElement).value).toBe('https://example.com/hooks/1');
    expect((byId('endpoint-description') as HTMLInputElement).value).toBe('Old');
    expect((byId('endpoint-event-0') as HTMLInputElement).checked).toBe(true);
    expect((byId('endpoint-event-1') as HTMLInputElement).checked).toBe(true);
    expect((byId('endpoint-format-full') as HTMLInputElement).checked).toBe(true);
    expect((byId('endpoint-timeout') as HTMLInputElement).value).toBe('15');
    expect((byId('endpoint-concurrency') as HTMLInputElement).value).toBe('4');
    expect((byId('endpoint-header-name-0') as HTMLInputElement).value).toBe('Authorization');
    const secretValue = byId('endpoint-header-value-0') as HTMLInputElement;
    expect(secretValue.value).toBe('');
    expect(secretValue.type).toBe('password');
    expect(secretValue.placeholder).toContain('unchanged');
    expect((byId('endpoint-header-secret-0') as HTMLInputElement).checked).toBe(true);
    expect((byId('endpoint-header-value-1') as HTMLInputElement).value).toBe('ops');
    expect(document.getElementById('endpoint-secret')).toBeNull(); // the secret has its own actions
  });

  it('sends only what changed, and removed headers by name', async () => {
    const calls = mockWebhooks({
      endpoints_list: () => [withHeaders()],
      endpoints_update: (args) => ({ ...withHeaders(), description: (args.patch as { description: string }).description }),
    });
    await renderView();
    await openEdit();

    await type('endpoint-description', 'Sales calls');
    await fireEvent.click(byId('endpoint-header-remove-1')); // X-Team
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_update')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_update')[0]).toEqual({
      id: 1,
      patch: { description: 'Sales calls', remove_headers: ['X-Team'] },
    });
    await waitFor(() => expect(document.getElementById('endpoint-form')).toBeNull());
    expect(toastTitles()).toContain('Saved https://example.com/hooks/1');
    await waitFor(() => expect(normalized(byId('endpoint-1'))).toContain('Sales calls'));
  });

  it('sends a secret header again only when a new value is typed', async () => {
    const calls = mockWebhooks({ endpoints_list: () => [withHeaders()], endpoints_update: () => withHeaders() });
    await renderView();
    await openEdit();

    await type('endpoint-header-value-0', 'Bearer new-token');
    await type('endpoint-header-value-1', 'sales');
    await fireEvent.click(byId('endpoint-format-flat'));
    await type('endpoint-timeout', '30');
    await fireEvent.click(byId('endpoint-event-1'));
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_update')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_update')[0]).toEqual({
      id: 1,
      patch: {
        events: ['transcription.completed'],
        format: 'flat',
        timeout_ms: 30000,
        headers: [
          { name: 'Authorization', value: 'Bearer new-token', secret: true },
          { name: 'X-Team', value: 'sales', secret: false },
        ],
      },
    });
  });

  it('renames a header: removes the old name, sets the new one', async () => {
    const calls = mockWebhooks({ endpoints_list: () => [withHeaders()], endpoints_update: () => withHeaders() });
    await renderView();
    await openEdit();

    await type('endpoint-header-name-1', 'X-Department');
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_update')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_update')[0]).toEqual({
      id: 1,
      patch: { remove_headers: ['X-Team'], headers: [{ name: 'X-Department', value: 'ops', secret: false }] },
    });
  });

  it('asks for the value again before changing a secret header otherwise', async () => {
    const calls = mockWebhooks({ endpoints_list: () => [withHeaders()] });
    await renderView();
    await openEdit();

    await type('endpoint-header-name-0', 'X-Auth');
    await fireEvent.click(byId('endpoint-save'));

    expect(byId('endpoint-headers-error').textContent).toContain('Type the value of Authorization again');
    expect(callsOf(calls, 'endpoints_update')).toHaveLength(0);
  });

  it('saves nothing when nothing changed', async () => {
    const calls = mockWebhooks({ endpoints_list: () => [withHeaders()] });
    await renderView();
    await openEdit();
    await fireEvent.click(byId('endpoint-save'));

    await waitFor(() => expect(document.getElementById('endpoint-form')).toBeNull());
    expect(callsOf(calls, 'endpoints_update')).toHaveLength(0);
    expect(toastTitles()).toContain('Nothing changed');
  });

  it('shows an endpoint that fails 401, 403 and 404 at once, and sends the choice only when changed', async () => {
    let endpoint = endpointView(1, { retry_client_errors: false });
    const calls = mockWebhooks({
      endpoints_list: () => [endpoint],
      endpoints_update: (args) => {
        endpoint = { ...endpoint, ...(args.patch as Partial<EndpointView>) };
        return endpoint;
      },
    });
    await renderView();
    expect(normalized(byId('endpoint-1'))).toContain('4 at once · 401/403/404: final');
    await openEdit();

    const retry = byId('endpoint-retry-client-errors') as HTMLInputElement;
    expect(retry.checked).toBe(false);
    await type('endpoint-timeout', '20');
    await fireEvent.click(byId('endpoint-save'));
    await waitFor(() => expect(callsOf(calls, 'endpoints_update')).toHaveLength(1));
    expect(callsOf(calls, 'endpoints_update')[0]).toEqual({ id: 1, patch: { timeout_ms: 20000 } });
    await waitFor(() => expect(document.getElementById('endpoint-form')).toBeNull());

    await openEdit();
    await fireEvent.click(byId('endpoint-retry-client-errors'));
    await fireEvent.click(byId('endpoint-save'));
    await waitFor(() => expect(callsOf(calls, 'endpoints_update')).toHaveLength(2));
    expect(callsOf(calls, 'endpoints_update')[1]).toEqual({ id: 1, patch: { retry_client_errors: true } });
    await waitFor(() => expect(normalized(byId('endpoint-1'))).toContain('4 at once · 401/403/404: retried'));
  });

  it("shows the engine's error at the field", async () => {
    mockWebhooks({
      endpoints_list: () => [withHeaders()],
      endpoints_update: () => {
        throw engineError("'https://exa mple.com' is not a valid URL", 'invalid_input', 'url');
      },
    });
    await renderView();
    await openEdit();
    await type('endpoint-url', 'https://exa mple.com');
    // The client check only looks at the scheme; the engine has the last word.
    await type('endpoint-url', 'https://example.com/other');
    await fireEvent.click(byId('endpoint-save'));

    expect((await findId('endpoint-url-error')).textContent).toBe("'https://exa mple.com' is not a valid URL");
  });
});

describe('Webhooks: the signing secret', () => {
  it('reveals the secret in place, and hides it again', async () => {
    const calls = mockWebhooks({ endpoints_reveal_secret: () => 'whsec_FULLSECRETVALUE0000abcd' });
    await renderView();

    await fireEvent.click(byId('reveal-secret-1'));

    await waitFor(() => expect(byId('secret-1').textContent).toBe('whsec_FULLSECRETVALUE0000abcd'));
    expect(callsOf(calls, 'endpoints_reveal_secret')).toEqual([{ id: 1 }]);
    expect(byId('reveal-secret-1').textContent!.trim()).toBe('Hide');
    expect(byId('reveal-secret-1').getAttribute('aria-pressed')).toBe('true');

    await fireEvent.click(byId('reveal-secret-1'));
    expect(byId('secret-1').textContent).toBe('whsec_…abcd');
    expect(byId('reveal-secret-1').textContent!.trim()).toBe('Reveal');
  });

  it('says why when the secret cannot be revealed', async () => {
    mockWebhooks({
      endpoints_reveal_secret: () => {
        throw engineError('endpoint 1 not found', 'not_found');
      },
    });
    await renderView();
    await fireEvent.click(byId('reveal-secret-1'));
    expect((await findId('action-error-1')).textContent).toBe('Could not reveal the secret: endpoint 1 not found');
    expect(byId('secret-1').textContent).toBe('whsec_…abcd');
  });

  it('copies the secret without showing it', async () => {
    const calls = mockWebhooks({ endpoints_reveal_secret: () => 'whsec_FULLSECRETVALUE0000abcd' });
    await renderView();

    await fireEvent.click(byId('copy-secret-1'));

    await waitFor(() => expect(callsOf(calls, 'plugin:clipboard-manager|write_text')).toHaveLength(1));
    expect(callsOf(calls, 'plugin:clipboard-manager|write_text')[0]).toMatchObject({
      text: 'whsec_FULLSECRETVALUE0000abcd',
    });
    expect(callsOf(calls, 'endpoints_reveal_secret')).toEqual([{ id: 1 }]);
    expect(byId('secret-1').textContent).toBe('whsec_…abcd');
    await waitFor(() => expect(toastTitles()).toContain('Secret copied'));
  });

  it('rotates the secret with the grace chosen, then shows the new one once', async () => {
    const until = Date.now() + 7 * 24 * HOUR;
    const calls = mockWebhooks({
      endpoints_rotate_secret: () => ({ id: 1, secret: 'whsec_NEWSECRET', previous_secret_until: until }),
    });
    await renderView();

    await fireEvent.click(byId('rotate-secret-1'));
    const dialog = await findId('rotate-dialog');
    expect(normalized(dialog)).toContain('https://hooks.zapier.com/hooks/catch/1/abc');
    expect((byId('rotate-grace-86400') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(byId('rotate-grace-604800'));
    await fireEvent.click(byId('rotate-confirm'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_rotate_secret')).toEqual([{ id: 1, graceS: 604800 }]));
    await findId('new-secret');
    expect(byId('new-secret-value').textContent).toBe('whsec_NEWSECRET');
    expect(byId('new-secret-note').textContent).toBe(
      `The old secret keeps signing until ${new Date(until).toLocaleString()}.`,
    );
    await waitFor(() => expect(document.getElementById('rotate-dialog')).toBeNull());
  });

  it('says the old secret stopped when rotating without grace', async () => {
    const calls = mockWebhooks({
      endpoints_rotate_secret: () => ({ id: 1, secret: 'whsec_NEWSECRET', previous_secret_until: Date.now() }),
    });
    await renderView();
    await fireEvent.click(byId('rotate-secret-1'));
    await findId('rotate-dialog');
    await fireEvent.click(byId('rotate-grace-0'));
    await fireEvent.click(byId('rotate-confirm'));

    await findId('new-secret');
    expect(callsOf(calls, 'endpoints_rotate_secret')).toEqual([{ id: 1, graceS: 0 }]);
    expect(byId('new-secret-note').textContent).toBe('The old secret no longer signs: update your receiver now.');
  });

  it('shows a failed rotation in the dialog', async () => {
    mockWebhooks({
      endpoints_rotate_secret: () => {
        throw engineError('database is locked', 'unavailable');
      },
    });
    await renderView();
    await fireEvent.click(byId('rotate-secret-1'));
    await findId('rotate-dialog');
    await fireEvent.click(byId('rotate-confirm'));
    expect((await findId('rotate-error')).textContent).toBe('database is locked');
    expect(document.getElementById('new-secret')).toBeNull();
  });

  it('says while a rotation grace runs', async () => {
    const until = Date.now() + 20 * HOUR;
    mockWebhooks({ endpoints_list: () => [endpointView(1, { previous_secret_until: until })] });
    await renderView();
    expect(byId('rotation-1').textContent!.trim()).toBe(
      `Rotating: the previous secret also signs until ${new Date(until).toLocaleString()}.`,
    );
  });
});

describe('Webhooks: test, enable, disable, remove', () => {
  const report = (fields: Partial<TestReport> = {}): TestReport => ({
    message_id: 90,
    webhook_id: 'msg_2b',
    url: 'https://hooks.zapier.com/hooks/catch/1/abc',
    delivered: true,
    summary: 'HTTP 200 OK',
    response_status: 200,
    duration_ms: 84,
    error: null,
    response_body: '{"status":"success","attempt":"0193"}',
    endpoint_disabled: false,
    ...fields,
  });

  it('sends a test and shows the answer under the endpoint', async () => {
    const reply = deferred<TestReport>();
    const calls = mockWebhooks({ endpoints_test: () => reply.promise });
    await renderView();

    await fireEvent.click(byId('test-endpoint-1'));
    await waitFor(() => expect(byId('test-endpoint-1').getAttribute('aria-busy')).toBe('true'));
    reply.resolve(report());

    const result = await findId('test-result-1');
    expect(callsOf(calls, 'endpoints_test')).toEqual([{ id: 1 }]);
    expect(byId('endpoint-1').contains(result)).toBe(true);
    expect(normalized(result)).toContain('Delivered · HTTP 200 OK · 84 ms');
    expect(within(result).getByLabelText('Response body').textContent).toBe('{"status":"success","attempt":"0193"}');

    await fireEvent.click(within(result).getByRole('button', { name: 'Close the test result' }));
    expect(document.getElementById('test-result-1')).toBeNull();
  });

  it('shows a failed test with what went wrong, and a long body cut short', async () => {
    mockWebhooks({
      endpoints_test: () =>
        report({
          delivered: false,
          summary: 'HTTP 500 Internal Server Error',
          response_status: 500,
          duration_ms: 1204,
          error: 'the endpoint answered 500',
          response_body: 'x'.repeat(1000),
          endpoint_disabled: true,
        }),
    });
    await renderView();
    await fireEvent.click(byId('test-endpoint-1'));

    const result = await findId('test-result-1');
    const text = normalized(result);
    expect(text).toContain('Not delivered · HTTP 500 Internal Server Error · 1,204 ms');
    expect(text).toContain('the endpoint answered 500');
    expect(text).toContain('The endpoint is disabled; the test went out all the same.');
    expect(within(result).getByLabelText('Response body').textContent).toBe(`${'x'.repeat(400)}…`);
  });

  it('says so under the endpoint when the test cannot be sent', async () => {
    mockWebhooks({
      endpoints_test: () => {
        throw engineError('endpoint 1 not found', 'not_found');
      },
    });
    await renderView();
    await fireEvent.click(byId('test-endpoint-1'));
    const result = await findId('test-result-1');
    expect(normalized(result)).toBe('The test could not be sent endpoint 1 not found');
  });

  it('enables a disabled endpoint, sending what was held', async () => {
    const calls = mockWebhooks({
      deliveries_list: () => page([message], 3),
      endpoints_enable: (args) => ({
        endpoint: { ...endpoints()[1], enabled: true, disabled: null },
        held: 3,
        skipped: args.skipHeld as boolean,
      }),
    });
    await renderView();

    await fireEvent.click(byId('enable-endpoint-2'));
    const send = await findId('enable-send-held-2');
    expect(callsOf(calls, 'deliveries_list')).toEqual([{ query: { status: 'held', endpoint: 2, limit: 1 } }]);
    expect(send.textContent!.trim()).toBe('Send what was held (3)');
    expect(normalized(byId('enable-choice-2'))).toContain('3 messages were held while it was disabled.');
    expect(byId('enable-skip-held-2').textContent!.trim()).toBe('Skip held messages');

    await fireEvent.click(send);

    await waitFor(() => expect(callsOf(calls, 'endpoints_enable')).toEqual([{ id: 2, skipHeld: false }]));
    await waitFor(() => expect(document.getElementById('enable-choice-2')).toBeNull());
    expect(toastTitles()).toContain('Enabled https://n8n.example.org/webhook/in; sending 3 held messages');
    await waitFor(() => expect(byId('endpoint-2').querySelector('[data-status]')!.textContent).toBe('Enabled'));
  });

  it('enables a disabled endpoint, skipping what was held', async () => {
    const calls = mockWebhooks({
      deliveries_list: () => page([message], 3),
      endpoints_enable: () => ({ endpoint: { ...endpoints()[1], enabled: true, disabled: null }, held: 3, skipped: true }),
    });
    await renderView();
    await fireEvent.click(byId('enable-endpoint-2'));
    await fireEvent.click(await findId('enable-skip-held-2'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_enable')).toEqual([{ id: 2, skipHeld: true }]));
    await waitFor(() =>
      expect(toastTitles()).toContain(
        'Enabled https://n8n.example.org/webhook/in; 3 held messages skipped (replay them from Deliveries)',
      ),
    );
  });

  it('enables at once when nothing was held', async () => {
    const calls = mockWebhooks({
      deliveries_list: () => page([], 0),
      endpoints_enable: () => ({ endpoint: { ...endpoints()[1], enabled: true, disabled: null }, held: 0, skipped: false }),
    });
    await renderView();
    await fireEvent.click(byId('enable-endpoint-2'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_enable')).toEqual([{ id: 2, skipHeld: false }]));
    expect(document.getElementById('enable-choice-2')).toBeNull();
    await waitFor(() => expect(toastTitles()).toContain('Enabled https://n8n.example.org/webhook/in'));
  });

  it('cancels the choice with Esc', async () => {
    const calls = mockWebhooks({ deliveries_list: () => page([message], 3) });
    await renderView();
    await fireEvent.click(byId('enable-endpoint-2'));
    await fireEvent.keyDown(await findId('enable-send-held-2'), { key: 'Escape' });
    await waitFor(() => expect(document.getElementById('enable-choice-2')).toBeNull());
    expect(callsOf(calls, 'endpoints_enable')).toHaveLength(0);
  });

  it('says why enabling failed, at the endpoint', async () => {
    mockWebhooks({
      deliveries_list: () => page([message], 3),
      endpoints_enable: () => {
        throw engineError('database is locked', 'unavailable');
      },
    });
    await renderView();
    await fireEvent.click(byId('enable-endpoint-2'));
    await fireEvent.click(await findId('enable-send-held-2'));
    expect((await findId('action-error-2')).textContent).toBe('Could not enable it: database is locked');
  });

  it('disables an endpoint', async () => {
    const calls = mockWebhooks({
      endpoints_disable: () => ({
        ...endpoints()[0],
        enabled: false,
        disabled: { at: Date.now(), reason: 'disabled by the user' },
      }),
    });
    await renderView();

    await fireEvent.click(byId('disable-endpoint-1'));

    await waitFor(() => expect(callsOf(calls, 'endpoints_disable')).toEqual([{ id: 1 }]));
    await waitFor(() => expect(byId('endpoint-1').querySelector('[data-status]')!.textContent).toBe('Disabled'));
    expect(normalized(byId('endpoint-1-disabled'))).toContain('Disabled just now: disabled by the user');
    expect(toastTitles()).toContain(
      'Disabled https://hooks.zapier.com/hooks/catch/1/abc; new messages are held until you enable it',
    );
  });

  it('opens the endpoint’s deliveries', async () => {
    mockWebhooks();
    await renderView();
    await fireEvent.click(byId('deliveries-endpoint-2'));
    expect(location.hash).toBe('#/deliveries?endpoint=2');
  });

  it('removes an endpoint after confirming, naming it and its delivery log', async () => {
    const calls = mockWebhooks({
      deliveries_list: () => page([message], 12),
      endpoints_remove: () => ({ id: 1, messages_removed: 12 }),
    });
    await renderView();

    await fireEvent.click(byId('remove-endpoint-1'));

    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText('Remove https://hooks.zapier.com/hooks/catch/1/abc?')).toBeTruthy();
    await waitFor(() => expect(within(dialog).getByText('Its delivery log (12 messages) goes with it.')).toBeTruthy());
    expect(callsOf(calls, 'deliveries_list')).toEqual([{ query: { endpoint: 1, limit: 1 } }]);
    expect(callsOf(calls, 'endpoints_remove')).toHaveLength(0);

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove endpoint' }));

    await waitFor(() => expect(callsOf(calls, 'endpoints_remove')).toEqual([{ id: 1 }]));
    await waitFor(() => expect(document.getElementById('endpoint-1')).toBeNull());
    expect(byId('endpoint-2')).toBeTruthy();
    expect(toastTitles()).toContain('Removed https://hooks.zapier.com/hooks/catch/1/abc and 12 logged messages');
  });

  it('removes nothing when cancelled', async () => {
    const calls = mockWebhooks();
    await renderView();
    await fireEvent.click(byId('remove-endpoint-1'));
    const dialog = await screen.findByRole('alertdialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await settle();
    expect(callsOf(calls, 'endpoints_remove')).toHaveLength(0);
    expect(byId('endpoint-1')).toBeTruthy();
  });

  it('says why removing failed', async () => {
    mockWebhooks({
      endpoints_remove: () => {
        throw engineError('database is locked', 'unavailable');
      },
    });
    await renderView();
    await fireEvent.click(byId('remove-endpoint-1'));
    const dialog = await screen.findByRole('alertdialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove endpoint' }));
    await waitFor(() =>
      expect(toastTitles()).toContain('Could not remove https://hooks.zapier.com/hooks/catch/1/abc: database is locked'),
    );
    expect(byId('endpoint-1')).toBeTruthy();
  });
});
