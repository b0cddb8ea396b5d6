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
 * Answers `engine_status` with `reply` (a value, or a function that may throw). Events are
 * mocked too (`listen`/`emit` work, and their IPC calls are not recorded in the returned list).
 */
function mockEngine(reply: EngineStatus | (() => unknown)) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'engine_status') return typeof reply === 'function' ? reply() : reply;
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
    expect(calls).toEqual(['engine_status']);
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
});
