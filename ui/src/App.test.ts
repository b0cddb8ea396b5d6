import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import { emit } from '@tauri-apps/api/event';
import App from './App.svelte';
import type { EngineError, JobView, Page, SettingValue } from './lib/bindings';
import { live } from './lib/live.svelte';
import { router } from './lib/router.svelte';
import { REFUSED_EVENT } from './lib/window';
import { emitEngine, engineError, mockCommands, settle, type Handler } from './lib/test-ipc';
import { jobView, normalized, stubMatchMedia } from './components/test-helpers';

// The shell is tested apart from the views (each has its own tests): each view renders a stub
// saying which it is and what it was given.
vi.mock('./views/Transcribe.svelte', async () => (await import('./components/testing/stub-view')).stubView('transcribe'));
vi.mock('./views/History.svelte', async () => (await import('./components/testing/stub-view')).stubView('history'));
vi.mock('./views/Transcript.svelte', async () => (await import('./components/testing/stub-view')).stubView('transcript'));
vi.mock('./views/Folders.svelte', async () => (await import('./components/testing/stub-view')).stubView('folders'));
vi.mock('./views/Webhooks.svelte', async () => (await import('./components/testing/stub-view')).stubView('webhooks'));
vi.mock('./views/Deliveries.svelte', async () => (await import('./components/testing/stub-view')).stubView('deliveries'));
vi.mock('./views/Models.svelte', async () => (await import('./components/testing/stub-view')).stubView('models'));
vi.mock('./views/Settings.svelte', async () => (await import('./components/testing/stub-view')).stubView('settings'));

const VIEW_ORDER = ['transcribe', 'history', 'folders', 'webhooks', 'deliveries', 'models', 'settings'];
const LABELS = ['Transcribe', 'History', 'Folders', 'Webhooks', 'Deliveries', 'Models', 'Settings'];

function page<T>(items: T[]): Page<T> {
  return { items, total: items.length, offset: 0, limit: 1000 };
}

function theme(value: string): SettingValue {
  return {
    key: 'ui.theme',
    value,
    default: 'system',
    is_set: value !== 'system',
    description: "The window's colours",
    group: 'App',
    kind: { type: 'choice', options: ['system', 'light', 'dark'] },
    auto: null,
  };
}

/**
 * Answers what the shell asks at start (the queue, the theme, refused hand-overs, the disabled
 * endpoints for the banners); `handlers` add or replace commands.
 */
function mockShell(handlers: Record<string, Handler> = {}, queue: { running?: JobView[]; queued?: JobView[] } = {}) {
  return mockCommands({
    jobs_list: (args) => {
      const status = (args.query as { status?: string }).status;
      return page(status === 'running' ? (queue.running ?? []) : (queue.queued ?? []));
    },
    settings_list: () => [theme('system')],
    app_refusals: () => [],
    endpoints_list: () => [],
    ...handlers,
  });
}

/** Renders the shell and waits until it listens and read the queue. */
async function renderApp() {
  const view = render(App);
  await waitFor(() => expect(live.listening).toBe(true));
  await settle();
  return view;
}

/** The view the stub says is shown. */
function shownView(): string | null {
  return document.getElementById('view-stub')?.dataset.view ?? null;
}

function currentNav(): string[] {
  return [...document.querySelectorAll('nav[aria-label="Views"] a[aria-current="page"]')].map((a) => a.id);
}

async function goToHash(hash: string) {
  location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  await settle(1);
}

beforeEach(() => {
  stubMatchMedia();
  history.replaceState(null, '', '#/transcribe');
  window.dispatchEvent(new HashChangeEvent('hashchange'));
});

afterEach(async () => {
  cleanup(); // unmount (and so unlisten) while the IPC mock is still there
  live.queue = {};
  toast.dismiss(); // toasts are global: none carries over to the next test
  clearMocks();
  delete document.documentElement.dataset.theme;
});

describe('sidebar', () => {
  it('lists the seven views in order, with links, and marks the current one', async () => {
    mockShell();
    await renderApp();

    const nav = screen.getByRole('navigation', { name: 'Views' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((a) => a.textContent!.trim())).toEqual(LABELS);
    expect(links.map((a) => a.getAttribute('href'))).toEqual(VIEW_ORDER.map((v) => `#/${v}`));
    expect(links.map((a) => a.id)).toEqual(VIEW_ORDER.map((v) => `nav-${v}`));
    expect(links[3].getAttribute('title')).toBe('Webhooks (Ctrl+4)');
    expect(currentNav()).toEqual(['nav-transcribe']);
    expect(shownView()).toBe('transcribe');
  });

  it('shows the view the hash names, and marks it', async () => {
    mockShell();
    await renderApp();

    for (const view of VIEW_ORDER) {
      await goToHash(`#/${view}`);
      await waitFor(() => expect(shownView()).toBe(view));
      expect(currentNav()).toEqual([`nav-${view}`]);
    }
  });

  it('opens a transcript under History, and passes a delivery filter to Deliveries', async () => {
    mockShell();
    await renderApp();

    await goToHash('#/transcript/12');
    await waitFor(() => expect(shownView()).toBe('transcript'));
    expect(JSON.parse(document.getElementById('view-stub')!.dataset.props!)).toEqual({ job: 12 });
    expect(currentNav()).toEqual(['nav-history']);

    await goToHash('#/deliveries?endpoint=3');
    await waitFor(() => expect(shownView()).toBe('deliveries'));
    expect(JSON.parse(document.getElementById('view-stub')!.dataset.props!)).toEqual({
      route: { view: 'deliveries', endpoint: 3 },
    });
    expect(currentNav()).toEqual(['nav-deliveries']);
  });

  it('opens each view at its top, but keeps the list in place when a delivery opens', async () => {
    mockShell();
    await renderApp();
    const main = document.getElementById('main')!;

    await goToHash('#/settings');
    await waitFor(() => expect(shownView()).toBe('settings'));
    main.scrollTop = 640; // the user scrolled down Settings
    await goToHash('#/history');
    await waitFor(() => expect(shownView()).toBe('history'));
    await waitFor(() => expect(main.scrollTop).toBe(0));

    await goToHash('#/deliveries');
    await waitFor(() => expect(shownView()).toBe('deliveries'));
    main.scrollTop = 200;
    await goToHash('#/deliveries/7');
    await settle();
    expect(main.scrollTop).toBe(200);
  });

  it('falls back to Transcribe for an unknown hash', async () => {
    mockShell();
    await renderApp();
    await goToHash('#/nowhere');
    await waitFor(() => expect(shownView()).toBe('transcribe'));
    expect(currentNav()).toEqual(['nav-transcribe']);
  });

  it('switches views with Ctrl/⌘ + 1…7, in sidebar order', async () => {
    mockShell();
    await renderApp();

    for (const [index, view] of VIEW_ORDER.entries()) {
      await fireEvent.keyDown(window, { key: String(index + 1), ctrlKey: true });
      await waitFor(() => expect(shownView()).toBe(view));
      expect(location.hash).toBe(`#/${view}`);
      expect(currentNav()).toEqual([`nav-${view}`]);
    }
    await fireEvent.keyDown(window, { key: '2', metaKey: true });
    await waitFor(() => expect(shownView()).toBe('history'));
  });

  it('ignores other shortcuts', async () => {
    mockShell();
    await renderApp();

    await fireEvent.keyDown(window, { key: '4' }); // no modifier
    await fireEvent.keyDown(window, { key: '4', ctrlKey: true, shiftKey: true });
    await fireEvent.keyDown(window, { key: '4', ctrlKey: true, altKey: true });
    await fireEvent.keyDown(window, { key: '8', ctrlKey: true });
    await fireEvent.keyDown(window, { key: '0', ctrlKey: true });
    await settle();
    expect(shownView()).toBe('transcribe');
    expect(location.hash).toBe('#/transcribe');
  });
});

describe('queue badge', () => {
  it('is absent while nothing is queued', async () => {
    mockShell();
    await renderApp();
    expect(document.getElementById('queue-badge')).toBeNull();
  });

  it('shows the queue read at start: the current file, how many run and wait', async () => {
    mockShell(
      {},
      {
        running: [jobView(3, { status: 'running', stage: 'transcribing', progress: 40, file_name: 'interview.m4a' })],
        queued: [jobView(4), jobView(5)],
      },
    );
    await renderApp();

    const badge = await waitFor(() => document.getElementById('queue-badge')!);
    expect(normalized(badge)).toContain('Transcribing 1 · 2 queued');
    expect(normalized(badge)).toContain('interview.m4a');
    const bar = within(badge).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(bar.getAttribute('aria-label')).toBe('Transcribing interview.m4a');
    // It sits in the sidebar, visible from every view.
    expect(screen.getByRole('navigation', { name: 'Views' }).contains(badge)).toBe(true);
  });

  it('follows the engine: queued, started, progress, completed', async () => {
    mockShell({ jobs_get: () => jobView(8) });
    await renderApp();

    await emitEngine({ type: 'job_queued', job: jobView(8, { file_name: 'standup.mp3' }) });
    const badge = await waitFor(() => document.getElementById('queue-badge')!);
    expect(normalized(badge)).toBe('1 queued');

    await emitEngine({ type: 'job_queued', job: jobView(9) });
    await emitEngine({ type: 'job_started', job: 8, path: '/rec/standup.mp3' });
    await emitEngine({ type: 'job_progress', job: 8, stage: 'transcribing', percent: 62, eta_seconds: 30 });
    await waitFor(() => expect(normalized(document.getElementById('queue-badge')!)).toContain('Transcribing 1 · 1 queued'));
    const now = document.getElementById('queue-badge')!;
    expect(normalized(now)).toContain('standup.mp3');
    expect(within(now).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('62');

    await emitEngine({ type: 'job_completed', job: 8, transcript: 1, duplicate_of: null });
    await waitFor(() => expect(normalized(document.getElementById('queue-badge')!)).toBe('1 queued'));
    await emitEngine({ type: 'job_cancelled', job: 9 });
    await waitFor(() => expect(document.getElementById('queue-badge')).toBeNull());
  });

  it('opens Transcribe when clicked', async () => {
    mockShell({}, { queued: [jobView(4)] });
    await renderApp();
    await goToHash('#/settings');
    await waitFor(() => expect(shownView()).toBe('settings'));

    await fireEvent.click(await waitFor(() => document.getElementById('queue-badge')!));

    await waitFor(() => expect(shownView()).toBe('transcribe'));
    expect(location.hash).toBe('#/transcribe');
  });
});

describe('files handed to the app', () => {
  const refused: EngineError = {
    kind: 'invalid_input',
    message: 'notes.txt is not a recording Hookscribe can read',
    subject: { type: 'path', id: '/home/ada/notes.txt' },
  };

  it('shows a toast for a handover-refused event', async () => {
    mockShell();
    await renderApp();

    await emit(REFUSED_EVENT, refused);

    expect(await screen.findByText(refused.message)).toBeTruthy();
  });

  it('shows a toast for each file refused before the window listened', async () => {
    mockShell({
      app_refusals: () => [refused, { ...refused, message: 'memo.docx is not a recording Hookscribe can read' }],
    });
    await renderApp();

    expect(await screen.findByText(refused.message)).toBeTruthy();
    expect(await screen.findByText('memo.docx is not a recording Hookscribe can read')).toBeTruthy();
  });
});

describe('drag and drop', () => {
  const position = { x: 10, y: 10 };
  const overlayText = 'Drop recordings to transcribe them';

  it('shows the drop overlay while files are dragged over the window', async () => {
    mockShell();
    await renderApp();
    expect(screen.queryByText(overlayText)).toBeNull();

    await emit('tauri://drag-enter', { paths: ['/rec/a.wav'], position });
    expect(await screen.findByText(overlayText)).toBeTruthy();
    await emit('tauri://drag-over', { position });
    expect(screen.getByText(overlayText)).toBeTruthy();

    await emit('tauri://drag-leave', null);
    await waitFor(() => expect(screen.queryByText(overlayText)).toBeNull());
  });

  it('queues dropped files with jobs_add, says so and opens Transcribe', async () => {
    const calls = mockShell({
      jobs_add: () => [jobView(20, { file_name: 'call.wav' }), jobView(21, { file_name: 'memo.m4a' })],
    });
    await renderApp();
    await goToHash('#/history');
    await waitFor(() => expect(shownView()).toBe('history'));

    await emit('tauri://drag-enter', { paths: ['/rec/call.wav', '/rec/memo.m4a'], position });
    await emit('tauri://drag-drop', { paths: ['/rec/call.wav', '/rec/memo.m4a'], position });

    await waitFor(() => expect(calls.some((c) => c.cmd === 'jobs_add')).toBe(true));
    expect(calls.find((c) => c.cmd === 'jobs_add')!.args).toEqual({
      request: { paths: ['/rec/call.wav', '/rec/memo.m4a'], options: {}, recursive: true },
    });
    expect(await screen.findByText('Queued 2 recordings')).toBeTruthy();
    await waitFor(() => expect(shownView()).toBe('transcribe'));
    expect(screen.queryByText(overlayText)).toBeNull();
  });

  it('shows why when the dropped files cannot be queued, and stays on the view', async () => {
    mockShell({
      jobs_add: () => {
        throw engineError('/rec/notes.txt is not a recording', 'invalid_input', 'paths');
      },
    });
    await renderApp();
    await goToHash('#/history');
    await waitFor(() => expect(shownView()).toBe('history'));

    await emit('tauri://drag-drop', { paths: ['/rec/notes.txt'], position });

    expect(await screen.findByText('/rec/notes.txt is not a recording')).toBeTruthy();
    expect(shownView()).toBe('history');
  });
});

describe('shell', () => {
  it('applies the ui.theme setting, and again when settings change', async () => {
    let value = 'dark';
    mockShell({ settings_list: () => [theme(value)] });
    await renderApp();
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));

    value = 'system';
    await emitEngine({ type: 'changed', what: 'settings' });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBeUndefined());
  });

  it('shows a banner over every view when an endpoint is disabled', async () => {
    mockShell();
    await renderApp();
    await goToHash('#/models');

    await emitEngine({ type: 'endpoint_disabled', endpoint: 7, url: 'https://example.com/hook', reason: 'gone' });

    const banner = await waitFor(() => document.getElementById('endpoint-disabled-7')!);
    expect(screen.getByRole('main').contains(banner)).toBe(true);
    await fireEvent.click(within(banner).getByRole('button', { name: 'Open Webhooks' }));
    await waitFor(() => expect(shownView()).toBe('webhooks'));
    expect(router.route).toEqual({ view: 'webhooks' });
  });

  it('stops listening to the engine when closed', async () => {
    mockShell();
    const { unmount } = await renderApp();
    unmount();
    expect(live.listening).toBe(false);
  });
});
