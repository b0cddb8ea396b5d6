import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import History from './History.svelte';
import type { JobView, Page, SearchHitView } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { deferred, engineError, mockCommands, settle, type Call, type Handler } from '../lib/test-ipc';
import { folderView, jobView, jobs, page, searchHit } from './history/fixtures';

// Pages of 50 rows take a while to draw in jsdom on a busy machine.
configure({ asyncUtilTimeout: 4000 });
vi.setConfig({ testTimeout: 20_000 });

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

/** Answers the History view's commands: `folders_list` with two folders unless told. */
function mock(handlers: Record<string, Handler>): Call[] {
  return mockCommands({
    folders_list: () => [folderView(3, '/home/ada/Calls'), folderView(4, '/srv/share/Interviews')],
    ...handlers,
  });
}

function callsOf(calls: Call[], cmd: string) {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args.query);
}

function lastQuery(calls: Call[], cmd: string) {
  const all = callsOf(calls, cmd);
  return all[all.length - 1];
}

function row(id: number): HTMLElement {
  const el = document.getElementById(`history-row-${id}`);
  if (!el) throw new Error(`no row for job ${id}`);
  return el;
}

function text(el: Element): string {
  return el.textContent!.replace(/\s+/g, ' ').trim();
}

const byId = (id: string) => document.getElementById(id)!;

beforeEach(() => {
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
  location.hash = '#/history';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('History: states', () => {
  it('says it is loading until the jobs come, then shows them', async () => {
    const answer = deferred<Page<JobView>>();
    mock({ jobs_list: () => answer.promise });
    render(History);
    expect(screen.getByRole('heading', { level: 1, name: 'History' })).toBeTruthy();
    expect(screen.getByText('Every recording Hookscribe has transcribed, newest first.')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Loading');

    answer.resolve(page([jobView(1)]));
    await screen.findByText('call-1.m4a');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('asks for the first page of 50, newest first, without filters', async () => {
    const calls = mock({ jobs_list: () => page([jobView(1)]) });
    render(History);
    await screen.findByText('call-1.m4a');
    expect(callsOf(calls, 'jobs_list')).toEqual([{ limit: 50, offset: 0 }]);
  });

  it('says nothing is transcribed yet and leads to Transcribe', async () => {
    mock({ jobs_list: () => page([]) });
    render(History);
    await screen.findByText('Nothing transcribed yet.');
    expect(screen.getByText('Drop a recording on Transcribe, or add a watched folder.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Transcribe' }));
    expect(location.hash).toBe('#/transcribe');
  });

  it('shows the error in plain words, and Retry loads again', async () => {
    let fail = true;
    const calls = mock({
      jobs_list: () => {
        if (fail) throw engineError('The database is locked by another program.', 'unavailable');
        return page([jobView(7)]);
      },
    });
    render(History);
    const alert = await screen.findByRole('alert');
    expect(text(alert)).toContain('History could not be loaded');
    expect(text(alert)).toContain('The database is locked by another program.');

    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await screen.findByText('call-7.m4a');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(callsOf(calls, 'jobs_list')).toHaveLength(2);
  });
});

describe('History: rows', () => {
  it('shows each job: file, status, when, length, folder and the start of its transcript', async () => {
    mock({
      jobs_list: () =>
        page([
          jobView(1, { created_at: NOW - 5 * 60_000, audio_seconds: 3723, folder_id: 3, origin: 'folder' }),
          jobView(2, { status: 'failed', error: 'The file is not audio.', preview: null, audio_seconds: null }),
          jobView(3, { folder_id: 99, origin: 'folder' }),
        ]),
    });
    render(History);
    await screen.findByText('call-1.m4a');

    const first = row(1);
    expect(text(first)).toContain('call-1.m4a');
    expect(within(first).getByText('Completed')).toBeTruthy();
    expect(within(first).getByText('5 min ago')).toBeTruthy();
    expect(within(first).getByText('5 min ago').getAttribute('title')).toBe(new Date(NOW - 5 * 60_000).toLocaleString());
    expect(within(first).getByText('1:02:03')).toBeTruthy();
    expect(within(first).getByText('Calls')).toBeTruthy();
    expect(within(first).getByText('Hello, this is call 1.')).toBeTruthy();

    const failed = row(2);
    expect(within(failed).getByText('Failed')).toBeTruthy();
    expect(within(failed).getByText('The file is not audio.')).toBeTruthy();
    expect(within(failed).getByText('Added by hand')).toBeTruthy();

    expect(within(row(3)).getByText('Removed folder')).toBeTruthy();
    // The optional columns hide on a narrow window.
    expect(within(first).getByText('Calls').hasAttribute('data-optional')).toBe(true);
  });

  it('shows a running job with its live progress', async () => {
    mock({ jobs_list: () => page([jobView(5, { status: 'running', progress: 10, preview: null })]) });
    live.handle({ type: 'job_queued', job: jobView(5, { status: 'queued' }) });
    live.queue[5].job = { ...live.queue[5].job, status: 'running' };
    live.handle({ type: 'job_progress', job: 5, stage: 'transcribing', percent: 42, eta_seconds: 30 });
    render(History);
    await screen.findByText('call-5.m4a');
    expect(within(row(5)).getByText('Running 42%')).toBeTruthy();
    delete live.queue[5];
  });

  it('opens the transcript of a clicked row', async () => {
    mock({ jobs_list: () => page(jobs(3)) });
    render(History);
    await screen.findByText('call-2.m4a');
    await fireEvent.click(screen.getByText('call-2.m4a'));
    expect(location.hash).toBe('#/transcript/2');
  });

  it('moves the selection with the arrow keys and opens the selected row with Enter', async () => {
    mock({ jobs_list: () => page(jobs(3)) });
    render(History);
    await screen.findByText('call-1.m4a');
    // Tab reaches the first row only (one stop for the table).
    expect(row(1).tabIndex).toBe(0);
    expect(row(2).tabIndex).toBe(-1);

    row(1).focus();
    await fireEvent.keyDown(row(1), { key: 'ArrowDown' });
    await waitFor(() => expect(document.activeElement).toBe(row(2)));
    expect(row(2).getAttribute('aria-selected')).toBe('true');
    expect(row(1).getAttribute('aria-selected')).toBe('false');

    await fireEvent.keyDown(row(2), { key: 'End' });
    await waitFor(() => expect(document.activeElement).toBe(row(3)));
    await fireEvent.keyDown(row(3), { key: 'ArrowUp' });
    await waitFor(() => expect(document.activeElement).toBe(row(2)));

    await fireEvent.keyDown(row(2), { key: 'Enter' });
    expect(location.hash).toBe('#/transcript/2');
  });

  it('focuses the search box on Ctrl+F and ⌘F', async () => {
    mock({ jobs_list: () => page(jobs(1)) });
    render(History);
    await screen.findByText('call-1.m4a');
    const box = byId('history-search');
    expect(document.activeElement).not.toBe(box);
    await fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(box);
    box.blur();
    await fireEvent.keyDown(window, { key: 'F', metaKey: true });
    expect(document.activeElement).toBe(box);
  });
});

describe('History: paging', () => {
  it('pages by 50 through the engine, never more than a page on screen', async () => {
    const calls = mock({
      jobs_list: (args) => {
        const { offset = 0 } = args.query as { offset?: number };
        return page(jobs(Math.min(50, 120 - offset), offset + 1), 120, offset);
      },
    });
    render(History);
    await screen.findByText('call-1.m4a');
    expect(document.querySelectorAll('tbody tr')).toHaveLength(50);
    expect(screen.getByText('Showing 1–50 of 120')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('call-51.m4a');
    expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 50 });
    expect(screen.getByText('Showing 51–100 of 120')).toBeTruthy();
    expect(screen.queryByText('call-1.m4a')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('call-101.m4a');
    expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 100 });
    expect(document.querySelectorAll('tbody tr')).toHaveLength(20);
    expect(screen.getByText('Showing 101–120 of 120')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    await screen.findByText('call-51.m4a');
    expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 50 });
  });

  it('loads the same page again when the engine says jobs changed', async () => {
    const calls = mock({
      jobs_list: (args) => {
        const { offset = 0 } = args.query as { offset?: number };
        return page(jobs(50, offset + 1), 200, offset);
      },
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.change(byId('filter-status'), { target: { value: 'completed' } });
    await waitFor(() => expect(lastQuery(calls, 'jobs_list')).toMatchObject({ status: 'completed' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('call-51.m4a');
    const before = callsOf(calls, 'jobs_list').length;

    live.bump('jobs');
    live.bump('jobs');
    await waitFor(() => expect(callsOf(calls, 'jobs_list').length).toBeGreaterThan(before));
    expect(lastQuery(calls, 'jobs_list')).toEqual({ status: 'completed', limit: 50, offset: 50 });
    expect(screen.getByText('call-51.m4a')).toBeTruthy();
  });

  it('steps back a page when the page it was on emptied', async () => {
    let total = 60;
    const calls = mock({
      jobs_list: (args) => {
        const { offset = 0 } = args.query as { offset?: number };
        const count = Math.max(0, Math.min(50, total - offset));
        return page(jobs(count, offset + 1), total, offset);
      },
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('call-51.m4a');

    total = 50; // the last ten were deleted
    live.bump('jobs');
    await waitFor(() => expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 0 }));
    await screen.findByText('call-1.m4a');
    expect(screen.queryByText('Nothing transcribed yet.')).toBeNull();
  });
});

describe('History: filters', () => {
  it('passes status, folder and date to the engine, back on page 1', async () => {
    const calls = mock({
      jobs_list: (args) => {
        const { offset = 0 } = args.query as { offset?: number };
        return page(jobs(50, offset + 1), 500, offset);
      },
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 50 }));

    await fireEvent.change(byId('filter-status'), { target: { value: 'failed' } });
    await waitFor(() => expect(lastQuery(calls, 'jobs_list')).toEqual({ status: 'failed', limit: 50, offset: 0 }));

    // Folders are offered by name, and filtered by id.
    const folders = within(byId('filter-folder')).getAllByRole('option').map((o) => o.textContent);
    expect(folders).toEqual(['All folders', 'Calls', 'Interviews']);
    await fireEvent.change(byId('filter-folder'), { target: { value: '4' } });
    await waitFor(() =>
      expect(lastQuery(calls, 'jobs_list')).toEqual({ status: 'failed', folder: 4, limit: 50, offset: 0 }),
    );

    await fireEvent.change(byId('filter-date'), { target: { value: '7d' } });
    await waitFor(() =>
      expect(lastQuery(calls, 'jobs_list')).toEqual({
        status: 'failed',
        folder: 4,
        since: NOW - 7 * DAY,
        limit: 50,
        offset: 0,
      }),
    );

    await fireEvent.change(byId('filter-date'), { target: { value: 'today' } });
    const midnight = new Date(NOW);
    midnight.setHours(0, 0, 0, 0);
    await waitFor(() => expect(lastQuery(calls, 'jobs_list')).toMatchObject({ since: midnight.getTime() }));
  });

  it('says when nothing matches the filters, and Clear filters shows everything again', async () => {
    const calls = mock({
      jobs_list: (args) => ((args.query as { status?: string }).status ? page([]) : page(jobs(2))),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.change(byId('filter-status'), { target: { value: 'cancelled' } });
    await screen.findByText('No transcripts match these filters');
    expect(screen.queryByText('Nothing transcribed yet.')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await screen.findByText('call-1.m4a');
    expect(lastQuery(calls, 'jobs_list')).toEqual({ limit: 50, offset: 0 });
    expect((byId('filter-status') as HTMLSelectElement).value).toBe('');
  });
});

describe('History: search', () => {
  it('searches transcripts as you type, with the filters, and marks the words that matched', async () => {
    const calls = mock({
      jobs_list: () => page(jobs(3)),
      jobs_search: () => page<SearchHitView>([searchHit(12, 40), searchHit(13, 41, { folder_id: 3 })], -1),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.change(byId('filter-status'), { target: { value: 'completed' } });

    await fireEvent.input(byId('history-search'), { target: { value: '  invoice ' } });
    await screen.findByText('call-40.m4a');
    expect(callsOf(calls, 'jobs_search')).toEqual([{ text: 'invoice', status: 'completed', limit: 50, offset: 0 }]);

    const hit = row(12);
    const marks = hit.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['invoice']);
    expect(text(hit)).toContain('…we should ship the invoice by Friday…');
    expect(within(row(13)).getByText('Calls')).toBeTruthy();
    // The job list is not shown meanwhile.
    expect(screen.queryByText('call-1.m4a')).toBeNull();

    await fireEvent.click(hit);
    expect(location.hash).toBe('#/transcript/12');
  });

  it('waits until typing stops before searching', async () => {
    const calls = mock({
      jobs_list: () => page(jobs(1)),
      jobs_search: () => page<SearchHitView>([searchHit(2, 2)], -1),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    const box = byId('history-search');
    await fireEvent.input(box, { target: { value: 'in' } });
    await fireEvent.input(box, { target: { value: 'inv' } });
    await fireEvent.input(box, { target: { value: 'invoice' } });
    await screen.findByText('call-2.m4a');
    expect(callsOf(calls, 'jobs_search')).toEqual([{ text: 'invoice', limit: 50, offset: 0 }]);
  });

  it('pages search results with the engine (their total is not counted)', async () => {
    const calls = mock({
      jobs_list: () => page(jobs(1)),
      jobs_search: (args) => {
        const { offset = 0 } = args.query as { offset?: number };
        const hits = Array.from({ length: offset === 0 ? 50 : 7 }, (_, i) => searchHit(offset + i + 1, offset + i + 1));
        return page<SearchHitView>(hits, -1, offset);
      },
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.input(byId('history-search'), { target: { value: 'invoice' } });
    await screen.findByText('call-50.m4a');
    expect(screen.getByText('Showing 1–50')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('call-57.m4a');
    expect(lastQuery(calls, 'jobs_search')).toEqual({ text: 'invoice', limit: 50, offset: 50 });
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('says no transcript mentions the words, and Clear search goes back to the list', async () => {
    const calls = mock({
      jobs_list: () => page(jobs(2)),
      jobs_search: () => page<SearchHitView>([], -1),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.input(byId('history-search'), { target: { value: 'zebra' } });
    await screen.findByText('No transcript mentions “zebra”');

    await fireEvent.click(screen.getByRole('button', { name: 'Clear search' }));
    await screen.findByText('call-1.m4a');
    expect((byId('history-search') as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(byId('history-search'));
    expect(callsOf(calls, 'jobs_list')).toHaveLength(2);
  });

  it('searches at once on Enter and clears the search on Escape', async () => {
    const calls = mock({
      jobs_list: () => page(jobs(1)),
      jobs_search: () => page<SearchHitView>([searchHit(9, 9)], -1),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    const box = byId('history-search');
    await fireEvent.input(box, { target: { value: 'invoice' } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await settle();
    expect(callsOf(calls, 'jobs_search')).toHaveLength(1);
    await screen.findByText('call-9.m4a');

    await fireEvent.keyDown(box, { key: 'Escape' });
    await screen.findByText('call-1.m4a');
    expect((box as HTMLInputElement).value).toBe('');
  });

  it('shows a hit whose jobs were deleted, without opening it', async () => {
    mock({
      jobs_list: () => page(jobs(1)),
      jobs_search: () => page<SearchHitView>([searchHit(null, 77)], -1),
    });
    render(History);
    await screen.findByText('call-1.m4a');
    await fireEvent.input(byId('history-search'), { target: { value: 'invoice' } });
    await screen.findByText('call-77.m4a');
    const hit = byId('history-hit-77');
    expect(hit.getAttribute('aria-disabled')).toBe('true');
    await fireEvent.click(hit);
    expect(location.hash).toBe('#/history');
  });
});
