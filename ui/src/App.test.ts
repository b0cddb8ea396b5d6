import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import type { EngineStatus } from './lib/engine';
import { ENDPOINT_DISABLED_EVENT, type EndpointDisabled } from './lib/notifications';

const status: EngineStatus = {
  version: '0.1.0',
  home: '/home/ada/.local/share/hookscribe',
  default_model: 'tiny.en',
  default_model_installed: true,
  installed_models: ['tiny.en'],
};

/**
 * Answers `engine_status` with `reply` and `disabled_endpoints` with `disabled` (none unless
 * told); each a value, or a function that may throw or return a promise. Events are mocked too
 * (`listen`/`emit` work, and their IPC calls are not recorded in the returned list).
 */
function mockEngine(reply: EngineStatus | (() => unknown), disabled: unknown[] | (() => unknown) = []) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'engine_status') return typeof reply === 'function' ? reply() : reply;
      if (cmd === 'disabled_endpoints') return typeof disabled === 'function' ? disabled() : disabled;
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
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
    // The list of disabled endpoints is asked for once, after the listener is set up.
    await waitFor(() => expect(calls).toEqual(['engine_status', 'disabled_endpoints']));
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
      throw 'database is locked';
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

  it('shows a banner above the engine card with the URL, the reason and how to enable it again', async () => {
    await renderApp();
    expect(screen.queryByRole('alert')).toBeNull();

    await emit(ENDPOINT_DISABLED_EVENT, gone);

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

    await emit(ENDPOINT_DISABLED_EVENT, { ...gone, reason: '5 deliveries failed in a row' });
    await screen.findByText('5 deliveries failed in a row');
    await emit(ENDPOINT_DISABLED_EVENT, gone);
    await screen.findByText(gone.reason);

    const banners = screen.getAllByRole('alert');
    expect(banners).toHaveLength(1);
    expect(banners[0].id).toBe('endpoint-disabled-7');
    expect(screen.queryByText('5 deliveries failed in a row')).toBeNull();

    // Another endpoint gets its own banner, after the first.
    await emit(ENDPOINT_DISABLED_EVENT, { ...gone, endpoint: 12, url: 'https://hooks.example.org/in' });
    await findById('endpoint-disabled-12');
    expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
  });

  it('removes a banner when it is dismissed', async () => {
    await renderApp();
    await emit(ENDPOINT_DISABLED_EVENT, gone);
    await emit(ENDPOINT_DISABLED_EVENT, { ...gone, endpoint: 12 });
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
    await emit(ENDPOINT_DISABLED_EVENT, { type: 'endpoint_enabled', endpoint: 7 });
    await emit(ENDPOINT_DISABLED_EVENT, gone);
    await findById('endpoint-disabled-7');
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  /** Records the commands of every IPC call from now on, the event plugin's included. */
  function recordIpc(): string[] {
    const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (...a: unknown[]) => unknown } })
      .__TAURI_INTERNALS__;
    const invoke = internals.invoke;
    const calls: string[] = [];
    internals.invoke = (...args: unknown[]) => {
      calls.push(args[0] as string);
      return invoke(...args);
    };
    return calls;
  }

  it('stops listening when the app is destroyed', async () => {
    const { unmount } = await renderApp();
    const calls = recordIpc();

    unmount();

    await waitFor(() => expect(calls).toContain('plugin:event|unlisten'));
  });

  it('stops listening when the app is destroyed before the listener is set up', async () => {
    mockEngine(status);
    const calls = recordIpc();
    const { unmount } = render(App);
    unmount(); // `listen` has not resolved yet

    await waitFor(() => expect(calls).toContain('plugin:event|unlisten'));
    expect(calls.filter((c) => c === 'plugin:event|listen')).toHaveLength(1);
  });

  describe('disabled before the window opened', () => {
    const manual: EndpointDisabled = {
      type: 'endpoint_disabled',
      endpoint: 12,
      url: 'https://hooks.example.org/in',
      reason: 'disabled by the user',
    };

    it('shows a banner for each endpoint disabled_endpoints lists', async () => {
      mockEngine(status, [gone, manual]);
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
        { ...manual, endpoint: '12' },
        null,
        'endpoint_disabled',
        { ...manual, endpoint: 13, reason: undefined },
        { type: 'endpoint_enabled', endpoint: 14, url: manual.url, reason: 'enabled' },
        gone,
      ]);
      render(App);

      await findById('endpoint-disabled-7');
      await settle();
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7']);
    });

    it('shows the engine card and no banner when disabled_endpoints fails', async () => {
      const calls = mockEngine(status, () => {
        throw 'command disabled_endpoints not found';
      });
      render(App);

      await findById('engine-version');
      await waitFor(() => expect(calls).toContain('disabled_endpoints'));
      await settle();
      expect(screen.queryByRole('alert')).toBeNull();
      expect(document.getElementById('engine-error')).toBeNull();

      // The listener still works.
      await emit(ENDPOINT_DISABLED_EVENT, gone);
      await findById('endpoint-disabled-7');
    });

    it('keeps the reason of an event that came before the list, in a single banner', async () => {
      const list = deferred<unknown>();
      const calls = mockEngine(status, () => list.promise);
      render(App);
      // Asked for once listening: an event can come before the answer.
      await waitFor(() => expect(calls).toContain('disabled_endpoints'));

      await emit(ENDPOINT_DISABLED_EVENT, { ...gone, reason: '5 deliveries failed in a row' });
      await screen.findByText('5 deliveries failed in a row');

      list.resolve([gone, manual]); // older: endpoint 7 with its earlier reason
      await findById('endpoint-disabled-12');

      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
      const banner = document.getElementById('endpoint-disabled-7')!;
      expect(normalized(banner)).toContain('5 deliveries failed in a row');
      expect(normalized(banner)).not.toContain(gone.reason);
    });

    it('lets a later event replace the reason of a listed endpoint', async () => {
      mockEngine(status, [manual]);
      render(App);
      await findById('endpoint-disabled-12');

      await emit(ENDPOINT_DISABLED_EVENT, { ...manual, reason: 'the endpoint answered 410 Gone' });
      await screen.findByText('the endpoint answered 410 Gone');
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
      expect(screen.queryByText('disabled by the user')).toBeNull();
    });

    it('does not bring back a banner dismissed before the list came', async () => {
      const list = deferred<unknown>();
      const calls = mockEngine(status, () => list.promise);
      render(App);
      await waitFor(() => expect(calls).toContain('disabled_endpoints'));

      await emit(ENDPOINT_DISABLED_EVENT, gone);
      const banner = await findById('endpoint-disabled-7');
      await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
      await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());

      list.resolve([gone, manual]);
      await findById('endpoint-disabled-12');
      await settle();
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    });

    it('dismisses a listed banner like any other', async () => {
      mockEngine(status, [gone, manual]);
      render(App);
      const banner = await findById('endpoint-disabled-7');
      await findById('endpoint-disabled-12');

      await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));

      await waitFor(() => expect(document.getElementById('endpoint-disabled-7')).toBeNull());
      expect(screen.getAllByRole('alert').map((b) => b.id)).toEqual(['endpoint-disabled-12']);
    });

    it('does not ask for the list once the app is destroyed before listening', async () => {
      const calls = mockEngine(status, [gone]);
      const { unmount } = render(App);
      unmount(); // `listen` has not resolved yet

      await settle();
      expect(calls).not.toContain('disabled_endpoints');
    });
  });
});
