import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import type { DeliverySummary, EndpointView, EngineError, EngineEvent, EngineStatus } from './lib/bindings';
import { endpointView } from './lib/test-fixtures';
import { ENGINE_EVENT, ENGINE_LAGGED_EVENT } from './lib/events';
import type { EndpointDisabled } from './lib/notifications';

/** What `deliveries_summary` answers unless told: one endpoint, three messages delivered. */
const summary: DeliverySummary = {
  endpoints: 1,
  enabled_endpoints: 1,
  pending: 0,
  delivered: 3,
  failed: 0,
  held: 0,
  last_delivered_at: Date.parse('2026-11-23T17:05:36.762Z'),
};

const status: EngineStatus = {
  version: '0.1.0',
  home: '/home/ada/.local/share/hookscribe',
  default_model: 'tiny.en',
  default_model_installed: true,
  installed_models: ['tiny.en'],
  running: true,
  queued: 0,
  running_jobs: 0,
  failed_jobs: 0,
  webhooks: summary,
};

/** An engine error, as the commands reject with. */
function engineError(message: string): EngineError {
  return { kind: 'unavailable', message, subject: null };
}

const endpoint = endpointView;

/** The endpoint `notice` is about, disabled as it says, as `endpoints_list` gives it. */
function disabledEndpoint(notice: EndpointDisabled): EndpointView {
  return endpoint(notice.endpoint, {
    url: notice.url,
    enabled: false,
    disabled: { at: 1_700_000_100_000, reason: notice.reason },
  });
}

/**
 * Answers `engine_status` with `reply`, `endpoints_list` with `endpoints` (none unless told)
 * and `deliveries_summary` with `webhooks` ({@link summary} unless told); each a value, or a
 * function that may throw or return a promise. Events are mocked too (`listen`/`emit` work, and
 * their IPC calls are not recorded in the returned list).
 */
function mockEngine(
  reply: EngineStatus | (() => unknown),
  endpoints: unknown[] | (() => unknown) = [],
  webhooks: DeliverySummary | (() => unknown) = summary,
) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'engine_status') return typeof reply === 'function' ? reply() : reply;
      if (cmd === 'endpoints_list') return typeof endpoints === 'function' ? endpoints() : endpoints;
      if (cmd === 'deliveries_summary') return typeof webhooks === 'function' ? webhooks() : webhooks;
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Emits `payload` as the shell does with every engine event. */
async function emitEngine(payload: EngineEvent | unknown): Promise<void> {
  await emit(ENGINE_EVENT, payload);
}

/** A promise and the function that resolves it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending promises (an IPC reply and what follows it) settle. */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

function normalized(el: Element): string {
  return el.textContent!.replace(/\s+/g, ' ').trim();
}

/**
 * Records every IPC call from now on, the event plugin's included: the command, and for those
 * of the event plugin the event too (`plugin:event|listen engine-event`).
 */
function recordIpc(): string[] {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (...a: unknown[]) => unknown } })
    .__TAURI_INTERNALS__;
  const invoke = internals.invoke;
  const calls: string[] = [];
  internals.invoke = (...args: unknown[]) => {
    const [cmd, payload] = args as [string, { event?: unknown } | undefined];
    calls.push(cmd.startsWith('plugin:event|') ? `${cmd} ${String(payload?.event)}` : cmd);
    return invoke(...args);
  };
  return calls;
}

/** Waits for an element by id (rendering is async: the command resolves after mount). */
async function findById(id: string): Promise<HTMLElement> {
  return screen.findByText((_, el) => el?.id === id);
}

afterEach(() => {
  cleanup(); // unmount (and so unlisten) while the IPC mock is still there
  clearMocks();
});

describe('App', () => {
  it('shows the heading and a loading state before the engine answers', () => {
    mockIPC(() => new Promise(() => {})); // never resolves
    render(App);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Hookscribe');
    expect(screen.getByText('Local transcription, delivered to your webhooks.')).toBeTruthy();
    expect(screen.getByText('Loading…')).toBeTruthy();
  });

  it('renders the version and the default model from engine_status', async () => {
    const calls = mockEngine(status);
    render(App);

    const version = await findById('engine-version');
    expect(version.textContent).toBe('Engine version 0.1.0');

    const model = document.getElementById('default-model');
    expect(model).not.toBeNull();
    expect(model!.textContent!.replace(/\s+/g, ' ').trim()).toBe('Default model: tiny.en installed');

    expect(screen.getByText(status.home)).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    // Each command is asked for once: the engine status at once, the list of endpoints and the
    // delivery summary once the listeners are set up (in either order).
    await findById('webhook-summary');
    await settle();
    expect(calls[0]).toBe('engine_status');
    expect([...calls].sort()).toEqual(['deliveries_summary', 'endpoints_list', 'engine_status']);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says "not installed" when the default model is missing', async () => {
    mockEngine({ ...status, default_model: 'base.en', default_model_installed: false, installed_models: [] });
    render(App);

    const model = await findById('default-model');
    expect(model.textContent).toContain('base.en');
    expect(model.textContent).toContain('not installed');
    expect(model.querySelector('.badge')?.textContent).toBe('not installed');
  });

  it('shows the error in an alert when the command fails', async () => {
    mockEngine(() => {
      throw engineError('database is locked');
    });
    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('engine-error');
    expect(alert.textContent).toBe('database is locked');
    expect(document.getElementById('engine-version')).toBeNull();
    expect(screen.queryByText('Loading…')).toBeNull();
  });
});

describe('disabled webhook endpoints', () => {
  const gone: EndpointDisabled = {
    type: 'endpoint_disabled',
    endpoint: 7,
    url: 'https://example.com/hooks/transcripts',
    reason: 'the endpoint answered 410 Gone',
  };

  /** Renders the app and waits until the engine answered (the event listener is set up by then). */
  async function renderApp() {
    mockEngine(status);
    const view = render(App);
    await findById('engine-version');
    return view;
  }

  it('shows a banner above the engine card with the URL, the reason and how to enable it again', async () => {
    await renderApp();
    expect(screen.queryByRole('alert')).toBeNull();

    await emitEngine(gone);

    const banner = await screen.findByRole('alert');
    expect(banner.id).toBe('endpoint-disabled-7');
    expect(banner.classList.contains('banner')).toBe(true);
    const text = normalized(banner);
    expect(text).toContain('Webhook endpoint #7 was disabled');
    expect(text).toContain('the endpoint answered 410 Gone');
    expect(text).toContain(
      'Its new messages are held. Enable it again with hookscribe webhooks enable 7 (add --skip-held to drop what was held).',
    );
    const codes = [...banner.querySelectorAll('code')].map((c) => c.textContent);
    expect(codes).toEqual([gone.url, 'hookscribe webhooks enable 7', '--skip-held']);

    const card = document.querySelector('section.card')!;
    expect(banner.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('keeps one banner per endpoint, with the latest reason', async () => {
    await renderApp();

    await emitEngine({ ...gone, reason: '5 deliveries failed in a row' });
    await screen.findByText('5 deliveries failed in a row');
    await emitEngine(gone);
    await screen.findByText(gone.reason);

    const banners = screen.getAllByRole('alert');
    expect(banners).toHaveLength(1);
    expect(banners[0].id).toBe('endpoint-disabled-7');
    expect(screen.queryByText('5 deliveries failed in a row')).toBeNull();

    // Another endpoint gets its own banner, after the first.
    await emitEngine({ ...gone, endpoint: 12, url: 'https://hooks.example.org/in' });
    await findById('endpoint-disabled-12');
    expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
  });

  it('removes a banner when it is dismissed', async () => {
    await renderApp();
    await emitEngine(gone);
    await emitEngine({ ...gone, endpoint: 12 });
    const banner = await findById('endpoint-disabled-7');
    await findById('endpoint-disabled-12');

    await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));

    await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());
    expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    // The engine card is untouched.
    expect(document.getElementById('engine-version')).not.toBeNull();
  });

  it('ignores payloads of another shape', async () => {
    await renderApp();
    await emitEngine({ type: 'endpoint_enabled', endpoint: 7 });
    await emitEngine({ ...gone, endpoint: '7' });
    await emitEngine({ ...gone, reason: undefined });
    await emitEngine({ endpoint: 7, url: gone.url, reason: gone.reason });
    await emitEngine(null);
    await emitEngine(gone);
    await findById('endpoint-disabled-7');
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  /** The event plugin's calls of `calls`, sorted. */
  function eventCalls(calls: string[], kind: 'listen' | 'unlisten'): string[] {
    return calls.filter((c) => c.startsWith(`plugin:event|${kind} `)).sort();
  }

  it('stops listening when the app is destroyed', async () => {
    const { unmount } = await renderApp();
    const calls = recordIpc();

    unmount();

    await waitFor(() =>
      expect(eventCalls(calls, 'unlisten')).toEqual([
        'plugin:event|unlisten engine-event',
        'plugin:event|unlisten engine-lagged',
      ]),
    );
  });

  it('stops listening when the app is destroyed before the listeners are set up', async () => {
    mockEngine(status);
    const calls = recordIpc();
    const { unmount } = render(App);
    unmount(); // `listen` has not resolved yet

    await waitFor(() => expect(eventCalls(calls, 'unlisten')).toHaveLength(2));
    expect(eventCalls(calls, 'listen')).toEqual([
      'plugin:event|listen engine-event',
      'plugin:event|listen engine-lagged',
    ]);
    expect(eventCalls(calls, 'unlisten')).toEqual([
      'plugin:event|unlisten engine-event',
      'plugin:event|unlisten engine-lagged',
    ]);
    await settle();
    expect(calls).not.toContain('deliveries_summary');
    expect(calls).not.toContain('endpoints_list');
  });

  describe('disabled before the window opened', () => {
    const manual: EndpointDisabled = {
      type: 'endpoint_disabled',
      endpoint: 12,
      url: 'https://hooks.example.org/in',
      reason: 'disabled by the user',
    };

    it('shows a banner for each disabled endpoint endpoints_list gives, and none for enabled ones', async () => {
      mockEngine(status, [endpoint(3), disabledEndpoint(gone), endpoint(9), disabledEndpoint(manual)]);
      render(App);

      await findById('endpoint-disabled-12');
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
      const first = normalized(document.getElementById('endpoint-disabled-7')!);
      expect(first).toContain('Webhook endpoint #7 was disabled');
      expect(first).toContain(gone.url);
      expect(first).toContain('the endpoint answered 410 Gone');
      expect(first).toContain('hookscribe webhooks enable 7');
      const second = normalized(document.getElementById('endpoint-disabled-12')!);
      expect(second).toContain('Webhook endpoint #12 was disabled');
      expect(second).toContain('disabled by the user');
      expect(second).toContain('hookscribe webhooks enable 12');
      expect(await findById('engine-version')).toBeTruthy();
    });

    it('skips malformed items of the list', async () => {
      mockEngine(status, [
        { ...disabledEndpoint(manual), id: '12' },
        null,
        'endpoint_disabled',
        { ...disabledEndpoint({ ...manual, endpoint: 13 }), url: undefined },
        { ...disabledEndpoint({ ...manual, endpoint: 14 }), enabled: undefined },
        disabledEndpoint(gone),
      ]);
      render(App);

      await findById('endpoint-disabled-7');
      await settle();
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7']);
    });

    it('shows the engine card and no banner when endpoints_list fails', async () => {
      const calls = mockEngine(status, () => {
        throw engineError('database is locked');
      });
      render(App);

      await findById('engine-version');
      await waitFor(() => expect(calls).toContain('endpoints_list'));
      await settle();
      expect(screen.queryByRole('alert')).toBeNull();
      expect(document.getElementById('engine-error')).toBeNull();

      // The listener still works.
      await emitEngine(gone);
      await findById('endpoint-disabled-7');
    });

    it('keeps the reason of an event that came before the list, in a single banner', async () => {
      const list = deferred<unknown>();
      const calls = mockEngine(status, () => list.promise);
      render(App);
      // Asked for once listening: an event can come before the answer.
      await waitFor(() => expect(calls).toContain('endpoints_list'));

      await emitEngine({ ...gone, reason: '5 deliveries failed in a row' });
      await screen.findByText('5 deliveries failed in a row');

      list.resolve([disabledEndpoint(gone), disabledEndpoint(manual)]); // older: endpoint 7 with its earlier reason
      await findById('endpoint-disabled-12');

      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
      const banner = document.getElementById('endpoint-disabled-7')!;
      expect(normalized(banner)).toContain('5 deliveries failed in a row');
      expect(normalized(banner)).not.toContain(gone.reason);
    });

    it('lets a later event replace the reason of a listed endpoint', async () => {
      mockEngine(status, [disabledEndpoint(manual)]);
      render(App);
      await findById('endpoint-disabled-12');

      await emitEngine({ ...manual, reason: 'the endpoint answered 410 Gone' });
      await screen.findByText('the endpoint answered 410 Gone');
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
      expect(screen.queryByText('disabled by the user')).toBeNull();
    });

    it('does not bring back a banner dismissed before the list came', async () => {
      const list = deferred<unknown>();
      const calls = mockEngine(status, () => list.promise);
      render(App);
      await waitFor(() => expect(calls).toContain('endpoints_list'));

      await emitEngine(gone);
      const banner = await findById('endpoint-disabled-7');
      await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
      await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());

      list.resolve([disabledEndpoint(gone), disabledEndpoint(manual)]);
      await findById('endpoint-disabled-12');
      await settle();
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    });

    it('dismisses a listed banner like any other', async () => {
      mockEngine(status, [disabledEndpoint(gone), disabledEndpoint(manual)]);
      render(App);
      const banner = await findById('endpoint-disabled-7');
      await findById('endpoint-disabled-12');

      await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));

      await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    });

    it('reads the list again when the window fell behind the engine events', async () => {
      let list: unknown[] = [disabledEndpoint(manual)];
      const calls = mockEngine(status, () => list);
      render(App);
      await findById('endpoint-disabled-12');
      expect(calls.filter((c) => c === 'endpoints_list')).toHaveLength(1);

      // Endpoint 7 was disabled, and 12 disabled again for another reason, while events were lost.
      list = [
        disabledEndpoint(gone),
        disabledEndpoint({ ...manual, reason: 'the endpoint answered 410 Gone' }),
        endpoint(20),
      ];
      await emit(ENGINE_LAGGED_EVENT, 4096);

      await findById('endpoint-disabled-7');
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12', 'endpoint-disabled-7']);
      // A banner shown already keeps its reason (as for the first list), and there is one each.
      expect(normalized(document.getElementById('endpoint-disabled-12')!)).toContain('disabled by the user');
      expect(calls.filter((c) => c === 'endpoints_list')).toHaveLength(2);
    });

    it('does not bring back a dismissed banner when the window fell behind', async () => {
      const calls = mockEngine(status, [disabledEndpoint(gone), disabledEndpoint(manual)]);
      render(App);
      const banner = await findById('endpoint-disabled-7');
      await findById('endpoint-disabled-12');
      await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
      await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());

      await emit(ENGINE_LAGGED_EVENT, 10);
      await waitFor(() => expect(calls.filter((c) => c === 'endpoints_list')).toHaveLength(2));
      await settle();
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    });

    it('does not ask for the list once the app is destroyed before listening', async () => {
      const calls = mockEngine(status, [disabledEndpoint(gone)]);
      const { unmount } = render(App);
      unmount(); // `listen` has not resolved yet

      await settle();
      expect(calls).not.toContain('endpoints_list');
    });
  });
});

describe('Webhooks card', () => {
  const attempt: EngineEvent = {
    type: 'delivery_attempted',
    message: 41,
    endpoint: 7,
    job: 12,
    status: 'delivered',
    response_status: 204,
    summary: 'delivered (204 No Content)',
  };

  /** The card, a region named by its heading. */
  function card(): HTMLElement {
    return screen.getByRole('region', { name: 'Webhooks' });
  }

  /** Waits until `#webhook-summary` reads `text` (whitespace collapsed) and returns it. */
  async function summaryReads(text: string): Promise<HTMLElement> {
    return waitFor(() => {
      const el = document.getElementById('webhook-summary');
      expect(el && normalized(el)).toBe(text);
      return el!;
    });
  }

  /** The counts of `#webhook-summary` shown as a warning badge. */
  function badges(): (string | null)[] {
    return [...document.getElementById('webhook-summary')!.querySelectorAll('.badge.warn')].map((b) => b.textContent);
  }

  it('sits below the engine card and says how to add an endpoint when there is none', async () => {
    mockEngine(status, [], { ...summary, endpoints: 0, enabled_endpoints: 0, delivered: 0, last_delivered_at: null });
    render(App);

    const line = await findById('webhook-summary');
    expect(normalized(line)).toBe('No webhook endpoints yet.');
    expect(card().contains(line)).toBe(true);
    const hint = document.getElementById('webhook-hint')!;
    expect(normalized(hint)).toContain('hookscribe webhooks add URL');
    expect(hint.querySelector('code')?.textContent).toBe('hookscribe webhooks add URL');
    expect(document.getElementById('webhook-endpoints')).toBeNull();
    expect(document.getElementById('webhook-last-delivery')).toBeNull();

    const engineCard = screen.getByRole('region', { name: 'Engine' });
    expect(engineCard.compareDocumentPosition(card()) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('shows a loading line until the summary comes', async () => {
    const reply = deferred<unknown>();
    mockEngine(status, [], () => reply.promise);
    render(App);

    await findById('engine-version');
    expect(within(card()).getByText('Loading delivery status…')).toBeTruthy();
    expect(card().getAttribute('aria-busy')).toBe('true');

    reply.resolve(summary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');
    expect(card().getAttribute('aria-busy')).toBe('false');
    expect(within(card()).queryByText('Loading delivery status…')).toBeNull();
  });

  it('shows the endpoints, the counts and the last delivery', async () => {
    mockEngine(status, [], { ...summary, endpoints: 2, enabled_endpoints: 2, pending: 1, delivered: 12 });
    render(App);

    const counts = await summaryReads('12 delivered · 1 pending · 0 failed · 0 held');
    expect(counts.textContent).toBe('12 delivered · 1 pending · 0 failed · 0 held');
    expect(badges()).toEqual([]);
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints');

    const last = document.getElementById('webhook-last-delivery')!;
    expect(normalized(last)).toMatch(/^Last delivery: .*2026/);
    const time = last.querySelector('time')!;
    expect(time.getAttribute('datetime')).toBe('2026-11-23T17:05:36.762Z');
    expect(time.textContent).toBe(new Date('2026-11-23T17:05:36.762Z').toLocaleString());
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says "1 endpoint", and shows no last delivery before the first', async () => {
    mockEngine(status, [], { ...summary, pending: 2, delivered: 0, last_delivered_at: null });
    render(App);

    await summaryReads('0 delivered · 2 pending · 0 failed · 0 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('1 endpoint');
    expect(document.getElementById('webhook-last-delivery')).toBeNull();
  });

  it('shows failed and held counts as warnings only when there are some', async () => {
    let reply: DeliverySummary = { ...summary, failed: 2 };
    mockEngine(status, [], () => reply);
    render(App);

    await summaryReads('3 delivered · 0 pending · 2 failed · 0 held');
    expect(badges()).toEqual(['2 failed']);

    reply = { ...summary, held: 5 };
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 0 failed · 5 held');
    expect(badges()).toEqual(['5 held']);

    reply = { ...summary, failed: 1, held: 4 };
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 1 failed · 4 held');
    expect(badges()).toEqual(['1 failed', '4 held']);
  });

  it('counts the disabled endpoints', async () => {
    mockEngine(status, [], { ...summary, endpoints: 3, enabled_endpoints: 1, held: 2 });
    render(App);

    await summaryReads('3 delivered · 0 pending · 0 failed · 2 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('3 endpoints (2 disabled)');
  });

  it('asks for the summary again after a delivery attempt', async () => {
    let reply: DeliverySummary = { ...summary, pending: 1, delivered: 3 };
    const calls = mockEngine(status, [], () => reply);
    render(App);
    await summaryReads('3 delivered · 1 pending · 0 failed · 0 held');
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(1);

    reply = { ...summary, pending: 0, delivered: 4, last_delivered_at: Date.parse('2027-01-02T03:04:05.000Z') };
    await emitEngine(attempt);

    await summaryReads('4 delivered · 0 pending · 0 failed · 0 held');
    expect(normalized(document.getElementById('webhook-last-delivery')!)).toContain('2027');
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(2);
  });

  it('asks for the summary again when an endpoint is disabled', async () => {
    let reply: DeliverySummary = { ...summary, endpoints: 2, enabled_endpoints: 2 };
    mockEngine(status, [], () => reply);
    render(App);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    reply = { ...summary, endpoints: 2, enabled_endpoints: 1, held: 1 };
    await emitEngine({
      type: 'endpoint_disabled',
      endpoint: 7,
      url: 'https://example.com/hooks/transcripts',
      reason: 'the endpoint answered 410 Gone',
    });

    await summaryReads('3 delivered · 0 pending · 0 failed · 1 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints (1 disabled)');
    expect(document.getElementById('endpoint-disabled-7')).not.toBeNull(); // and the banner
  });

  it('does not ask again for other engine events, or payloads of another shape', async () => {
    const calls = mockEngine(status);
    render(App);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine({ ...attempt, type: 'attempted' }); // the old contract's type
    await emitEngine({ ...attempt, type: 42 });
    await emitEngine({ type: 'job_deleted', job: 12 });
    await emitEngine({ ...attempt, type: 'endpoint_disabled' }); // no url nor reason: ignored
    await emitEngine(null);
    await emit('webhook-attempt', attempt); // the old event name
    await new Promise((r) => setTimeout(r, 300)); // longer than the gap between fetches
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(1);
  });

  it('asks for the summary a bounded number of times for a burst of attempts', async () => {
    let delivered = 3;
    const calls = mockEngine(status, [], () => ({ ...summary, delivered }));
    render(App);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    for (let i = 0; i < 10; i++) {
      delivered += 1;
      await emitEngine({ ...attempt, message: 100 + i });
    }

    // The latest counts show, after a fetch that started after the last event.
    await summaryReads('13 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 600)); // room for any further fetch
    const fetches = calls.filter((c) => c === 'deliveries_summary').length;
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(fetches).toBeLessThanOrEqual(3);
  });

  it('keeps one fetch in flight, and fetches once more for the events that came meanwhile', async () => {
    const replies: { promise: Promise<unknown>; resolve: (value: unknown) => void }[] = [];
    const calls = mockEngine(status, [], () => {
      const reply = deferred<unknown>();
      replies.push(reply);
      return reply.promise;
    });
    render(App);
    await waitFor(() => expect(replies).toHaveLength(1));
    replies[0].resolve(summary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine(attempt);
    await waitFor(() => expect(replies).toHaveLength(2)); // after the gap since the first
    // A burst while it is in flight: no other fetch meanwhile.
    await Promise.all(Array.from({ length: 10 }, (_, i) => emitEngine({ ...attempt, message: i })));
    await settle();
    expect(replies).toHaveLength(2);

    replies[1].resolve({ ...summary, delivered: 4 });
    await summaryReads('4 delivered · 0 pending · 0 failed · 0 held');
    // One more for the burst, and no other.
    await waitFor(() => expect(replies).toHaveLength(3));
    replies[2].resolve({ ...summary, delivered: 14 });
    await summaryReads('14 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 400));
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(3);
  });

  it('asks for the summary again when the window fell behind the engine events', async () => {
    let reply: DeliverySummary = { ...summary, pending: 1 };
    const calls = mockEngine(status, [], () => reply);
    render(App);
    await summaryReads('3 delivered · 1 pending · 0 failed · 0 held');
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(1);

    // The attempts' events were lost: only the lag says something happened.
    reply = { ...summary, pending: 0, delivered: 7 };
    await emit(ENGINE_LAGGED_EVENT, 4096);

    await summaryReads('7 delivered · 0 pending · 0 failed · 0 held');
    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(2);
  });

  it('asks for the summary a bounded number of times when the window falls behind again and again', async () => {
    let delivered = 3;
    const calls = mockEngine(status, [], () => ({ ...summary, delivered }));
    render(App);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    for (let i = 0; i < 5; i++) {
      delivered += 2;
      await emit(ENGINE_LAGGED_EVENT, 100);
      await emitEngine(attempt);
    }

    await summaryReads('13 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 600)); // room for any further fetch
    const fetches = calls.filter((c) => c === 'deliveries_summary').length;
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(fetches).toBeLessThanOrEqual(3);
    expect(calls.filter((c) => c === 'endpoints_list').length).toBeLessThanOrEqual(3);
  });

  it('says the status is unavailable when the command fails, and the engine card still works', async () => {
    let fail = true;
    mockEngine(status, [], () => {
      if (fail) throw engineError('database is locked');
      return summary;
    });
    render(App);

    const line = await findById('webhook-summary-error');
    expect(line.textContent).toBe('Delivery status unavailable: database is locked');
    expect(line.classList.contains('muted')).toBe(true);
    expect(card().contains(line)).toBe(true);
    expect(document.getElementById('webhook-summary')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull(); // an aside, not an alert
    expect((await findById('engine-version')).textContent).toBe('Engine version 0.1.0');

    // The next attempt brings the counts back.
    fail = false;
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');
    expect(document.getElementById('webhook-summary-error')).toBeNull();
  });

  it('says the status is unavailable when the reply has another shape', async () => {
    mockEngine(status, [], { delivered: '3' } as unknown as DeliverySummary);
    render(App);

    const line = await findById('webhook-summary-error');
    expect(line.textContent).toBe('Delivery status unavailable: deliveries_summary gave a reply of another shape');
  });

  it('shows the counts when the engine status fails', async () => {
    mockEngine(() => {
      throw engineError('no data folder');
    });
    render(App);

    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');
    expect((await screen.findByRole('alert')).id).toBe('engine-error');
  });

  it('asks for the summary and the endpoints only once listening to engine events', async () => {
    mockEngine(status);
    const calls = recordIpc();
    render(App);

    await findById('webhook-summary');
    await waitFor(() => expect(calls).toContain('endpoints_list'));
    const listening = calls.indexOf('plugin:event|listen engine-event');
    const listeningLagged = calls.indexOf('plugin:event|listen engine-lagged');
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(listeningLagged).toBeGreaterThanOrEqual(0);
    for (const cmd of ['deliveries_summary', 'endpoints_list']) {
      expect(calls.indexOf(cmd)).toBeGreaterThan(listening);
      expect(calls.indexOf(cmd)).toBeGreaterThan(listeningLagged);
    }
  });

  it('stops listening to attempts when destroyed, and asks for nothing after', async () => {
    const reply = deferred<unknown>();
    let first = true;
    const calls = mockEngine(status, [], () => {
      if (first) {
        first = false;
        return summary;
      }
      return reply.promise;
    });
    const { unmount } = render(App);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine(attempt);
    await waitFor(() => expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(2));
    await emitEngine(attempt); // would ask once more after the one in flight
    const ipc = recordIpc();

    unmount();
    reply.resolve({ ...summary, delivered: 9 });
    await waitFor(() => expect(ipc).toContain('plugin:event|unlisten engine-event'));
    await emitEngine(attempt);
    await new Promise((r) => setTimeout(r, 400)); // longer than the gap between fetches

    expect(calls.filter((c) => c === 'deliveries_summary')).toHaveLength(2);
  });
});
