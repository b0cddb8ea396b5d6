import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import Deliveries from './Deliveries.svelte';
import type { DeliveryQuery, MessageView, Page } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { parse } from '../lib/router.svelte';
import { endpointView } from '../lib/test-fixtures';
import { deferred, engineError, mockCommands, settle, type Call, type Handler } from '../lib/test-ipc';
import { NOW, attemptView, failingDetail, messageView, messages } from './deliveries/fixtures';

// Pages of 50 rows take a while to draw in jsdom on a busy machine.
configure({ asyncUtilTimeout: 4000 });
vi.setConfig({ testTimeout: 20_000 });

const HOUR = 3_600_000;

type Route = { message?: number; job?: number; endpoint?: number };

function page<T>(items: T[], total = items.length, offset = 0): Page<T> {
  return { items, total, offset, limit: 50 };
}

/** Answers the view's commands: two endpoints, and the list `deliveries_list` gives. */
function mock(handlers: Record<string, Handler>): Call[] {
  return mockCommands({
    endpoints_list: () => [endpointView(1), endpointView(2, { url: 'https://backup.example.org/in' })],
    ...handlers,
  });
}

/** `deliveries_list` paging through `total` messages. */
function log(total: number): Handler {
  return (args) => {
    const { offset = 0 } = args.query as DeliveryQuery;
    return page(messages(Math.max(0, Math.min(50, total - offset)), offset + 1), total, offset);
  };
}

function queries(calls: Call[]): DeliveryQuery[] {
  return calls.filter((c) => c.cmd === 'deliveries_list').map((c) => c.args.query as DeliveryQuery);
}

function lastQuery(calls: Call[]): DeliveryQuery {
  const all = queries(calls);
  return all[all.length - 1];
}

function row(id: number): HTMLElement {
  const el = document.getElementById(`delivery-row-${id}`);
  if (!el) throw new Error(`no row for message ${id}`);
  return el;
}

const byId = (id: string) => document.getElementById(id)!;

/** Waits for the element with `id`. */
function found(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const el = document.getElementById(id);
    if (!el) throw new Error(`no #${id} yet`);
    return el;
  });
}

/** Waits for the detail panel to show message 5. */
async function panelLoaded(): Promise<HTMLElement> {
  await waitFor(() => expect(document.getElementById('delivery-webhook-id')?.textContent).toBe('msg_2bXk5'));
  return byId('delivery-detail');
}

function text(el: Element): string {
  return el.textContent!.replace(/\s+/g, ' ').trim();
}

/** Renders the view as App does: its route follows the URL. */
function renderAt(route: Route = {}) {
  const view = render(Deliveries, { route });
  const follow = async () => {
    const next = parse(location.hash);
    if (next.view === 'deliveries') {
      const { message, job, endpoint } = next;
      await view.rerender({ route: { message, job, endpoint } });
    }
  };
  return { ...view, follow };
}

beforeEach(() => {
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
  location.hash = '#/deliveries';
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Deliveries: states', () => {
  it('says it is loading, then shows the first page of the log', async () => {
    const answer = deferred<Page<MessageView>>();
    const calls = mock({ deliveries_list: () => answer.promise });
    renderAt();
    expect(screen.getByRole('heading', { level: 1, name: 'Deliveries' })).toBeTruthy();
    expect(screen.getByText('Every webhook message and each attempt to deliver it.')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Loading');

    answer.resolve(page(messages(2)));
    await waitFor(() => expect(document.getElementById('delivery-row-1')).not.toBeNull());
    expect(queries(calls)).toEqual([{ limit: 50, offset: 0 }]);
    expect(byId('deliveries-table')).toBeTruthy();
  });

  it('with no endpoints, says to add one and leads to Webhooks', async () => {
    mockCommands({ endpoints_list: () => [], deliveries_list: () => page([]) });
    renderAt();
    await screen.findByText('No deliveries yet.');
    expect(screen.getByText('Add a webhook endpoint and every transcript is sent to it.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Add an endpoint' }));
    expect(location.hash).toBe('#/webhooks');
  });

  it('with endpoints but no messages yet, suggests a test from Webhooks', async () => {
    mock({ deliveries_list: () => page([]) });
    renderAt();
    await screen.findByText('No deliveries yet.');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Open Webhooks' })).toBeTruthy());
  });

  it('says when no delivery matches the filters, and Clear filters shows them all', async () => {
    const calls = mock({
      deliveries_list: (args) => ((args.query as DeliveryQuery).status ? page([]) : page(messages(3))),
    });
    renderAt();
    await waitFor(() => row(1));
    await fireEvent.change(byId('filter-status'), { target: { value: 'held' } });
    await screen.findByText('No deliveries match these filters');
    expect(screen.queryByText('No deliveries yet.')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => row(1));
    expect(lastQuery(calls)).toEqual({ limit: 50, offset: 0 });
    expect((byId('filter-status') as HTMLSelectElement).value).toBe('');
  });

  it('shows the error in plain words, and Retry loads again', async () => {
    let fail = true;
    const calls = mock({
      deliveries_list: () => {
        if (fail) throw engineError('The database is locked by another program.', 'unavailable');
        return page(messages(1));
      },
    });
    renderAt();
    const alert = await screen.findByRole('alert');
    expect(text(alert)).toContain('The delivery log could not be loaded');
    expect(text(alert)).toContain('The database is locked by another program.');

    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => row(1));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(queries(calls)).toHaveLength(2);
  });
});

describe('Deliveries: the log', () => {
  it('names an endpoint by its description, in the rows and the filter, its URL on hover', async () => {
    mock({
      endpoints_list: () => [endpointView(1, { description: 'CRM intake' }), endpointView(2)],
      deliveries_list: () => page([messageView(1), messageView(2, { endpoint_id: 2 })]),
    });
    renderAt();
    const named = await waitFor(() => within(row(1)).getByText('CRM intake'));
    expect(named.getAttribute('title')).toBe(endpointView(1).url);
    expect(named.classList.contains('mono')).toBe(false);
    expect(within(row(2)).getByText(endpointView(2).url)).toBeTruthy();
    expect(within(byId('filter-endpoint')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'All endpoints',
      'CRM intake',
      endpointView(2).url,
    ]);
  });

  it('shows each message: time, event, endpoint URL, status, attempts, what went wrong and its job', async () => {
    mock({
      deliveries_list: () =>
        page([
          messageView(1, { job_file_name: 'standup.m4a' }),
          messageView(2, {
            status: 'pending',
            attempts: 3,
            last_error: 'HTTP 500',
            next_attempt_at: NOW + 4 * 60_000,
            endpoint_id: 2,
            event: 'transcription.failed',
            delivered_at: null,
          }),
          messageView(3, { status: 'failed', attempts: 8, last_error: 'Could not connect', endpoint_id: 9, job_id: null }),
          messageView(4, { status: 'held', attempts: 0, event: 'webhook.test', job_id: null }),
        ]),
    });
    renderAt();
    await waitFor(() => expect(screen.getAllByText('https://example.com/hooks/1').length).toBeGreaterThan(0));

    const delivered = row(1);
    expect(within(delivered).getByText('5 min ago')).toBeTruthy();
    // Events in a word, the event's name on hover.
    expect(within(delivered).getByText('Transcript').getAttribute('title')).toBe('transcription.completed');
    expect(within(delivered).getByText('Delivered')).toBeTruthy();
    expect(within(delivered).getByRole('link', { name: 'standup.m4a' }).getAttribute('href')).toBe('#/transcript/1');

    const pending = row(2);
    expect(within(pending).getByText('https://backup.example.org/in').classList.contains('mono')).toBe(true);
    expect(within(pending).getByText('Failed job')).toBeTruthy();
    expect(within(pending).getByText('Pending')).toBeTruthy();
    expect(within(pending).getByText('3')).toBeTruthy();
    expect(within(pending).getByText('HTTP 500 · retry in 4 min')).toBeTruthy();

    const failed = row(3);
    expect(within(failed).getByText('Failed')).toBeTruthy();
    expect(within(failed).getByText('Could not connect')).toBeTruthy();
    expect(within(failed).getByText('Endpoint 9 (removed)')).toBeTruthy();

    expect(within(row(4)).getByText('Held while the endpoint is disabled')).toBeTruthy();
    // The job column hides on a narrow window.
    expect(within(delivered).getByRole('link', { name: 'standup.m4a' }).closest('td')!.hasAttribute('data-optional')).toBe(true);
  });

  it("names a job's own webhook URL (from the local API), which is no configured endpoint", async () => {
    mock({
      deliveries_list: () =>
        page([messageView(7, { endpoint_id: 42, endpoint_url: 'https://ci.example.net/hook', job_webhook: true })]),
    });
    renderAt();
    await waitFor(() => row(7));
    const own = row(7);
    expect(within(own).getByText('https://ci.example.net/hook').classList.contains('mono')).toBe(true);
    expect(within(own).getByText("job's own")).toBeTruthy();
    expect(within(own).queryByText(/removed/)).toBeNull();
  });

  it('pages by 50 with the engine', async () => {
    const calls = mock({ deliveries_list: log(130) });
    renderAt();
    await waitFor(() => row(1));
    expect(document.querySelectorAll('#deliveries-table tbody tr')).toHaveLength(50);
    expect(screen.getByText('Showing 1–50 of 130')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => row(51));
    expect(lastQuery(calls)).toEqual({ limit: 50, offset: 50 });
    expect(document.getElementById('delivery-row-1')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => row(101));
    expect(lastQuery(calls)).toEqual({ limit: 50, offset: 100 });
    expect(document.querySelectorAll('#deliveries-table tbody tr')).toHaveLength(30);

    await fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    await waitFor(() => row(51));
    expect(lastQuery(calls)).toEqual({ limit: 50, offset: 50 });
  });

  it('loads the same page again when deliveries change, keeping filters and the selection', async () => {
    const calls = mock({ deliveries_list: log(120) });
    renderAt();
    await waitFor(() => row(1));
    await fireEvent.change(byId('filter-event'), { target: { value: 'transcription.completed' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => row(51));
    row(53).focus();
    await waitFor(() => expect(row(53).getAttribute('aria-selected')).toBe('true'));
    const before = queries(calls).length;

    live.handle({
      type: 'delivery_attempted',
      message: 53,
      endpoint: 1,
      job: 53,
      status: 'delivered',
      response_status: 200,
      summary: 'HTTP 200',
    });
    await waitFor(() => expect(queries(calls).length).toBeGreaterThan(before));
    expect(lastQuery(calls)).toEqual({ event: 'transcription.completed', limit: 50, offset: 50 });
    await settle();
    expect(row(53).getAttribute('aria-selected')).toBe('true');
  });

  it('moves the selection with the arrow keys and opens it with Enter', async () => {
    mock({ deliveries_list: log(3), deliveries_show: () => failingDetail() });
    const view = renderAt();
    await waitFor(() => row(1));
    expect(row(1).tabIndex).toBe(0);
    expect(row(2).tabIndex).toBe(-1);
    row(1).focus();
    await fireEvent.keyDown(row(1), { key: 'ArrowDown' });
    await waitFor(() => expect(document.activeElement).toBe(row(2)));
    expect(row(2).getAttribute('aria-selected')).toBe('true');

    await fireEvent.keyDown(row(2), { key: 'Enter' });
    expect(location.hash).toBe('#/deliveries/2');
    await view.follow();
    expect(byId('delivery-detail')).toBeTruthy();
  });
});

describe('Deliveries: filters', () => {
  it('passes status, endpoint, event and since to the engine, back on page 1', async () => {
    const calls = mock({ deliveries_list: log(500) });
    renderAt();
    await waitFor(() => row(1));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(lastQuery(calls)).toEqual({ limit: 50, offset: 50 }));

    await fireEvent.change(byId('filter-status'), { target: { value: 'failed' } });
    await waitFor(() => expect(lastQuery(calls)).toEqual({ status: 'failed', limit: 50, offset: 0 }));

    // Endpoints are offered by URL, filtered by id.
    await waitFor(() =>
      expect(within(byId('filter-endpoint')).getAllByRole('option').map((o) => o.textContent)).toEqual([
        'All endpoints',
        'https://example.com/hooks/1',
        'https://backup.example.org/in',
      ]),
    );
    await fireEvent.change(byId('filter-endpoint'), { target: { value: '2' } });
    await waitFor(() => expect(lastQuery(calls)).toEqual({ status: 'failed', endpoint: 2, limit: 50, offset: 0 }));

    await fireEvent.change(byId('filter-event'), { target: { value: 'webhook.test' } });
    await fireEvent.change(byId('filter-since'), { target: { value: '24h' } });
    await waitFor(() =>
      expect(lastQuery(calls)).toEqual({
        status: 'failed',
        endpoint: 2,
        event: 'webhook.test',
        since: NOW - 24 * HOUR,
        limit: 50,
        offset: 0,
      }),
    );
  });

  it('takes the job and endpoint from a link, and the job can be cleared', async () => {
    const calls = mock({ deliveries_list: log(3) });
    const view = renderAt({ job: 12, endpoint: 2 });
    await waitFor(() => row(1));
    expect(queries(calls)[0]).toEqual({ endpoint: 2, job: 12, limit: 50, offset: 0 });
    expect((byId('filter-endpoint') as HTMLSelectElement).value).toBe('2');
    expect(text(byId('filter-job'))).toBe('Job 12');

    // Another link (Back, or from another transcript) sets them again.
    await view.rerender({ route: { job: 30 } });
    await waitFor(() => expect(lastQuery(calls)).toEqual({ job: 30, limit: 50, offset: 0 }));

    await fireEvent.click(byId('filter-job-clear'));
    await waitFor(() => expect(lastQuery(calls)).toEqual({ limit: 50, offset: 0 }));
    expect(document.getElementById('filter-job')).toBeNull();
    expect(location.hash).toBe('#/deliveries');
  });
});

describe('Deliveries: the detail panel', () => {
  it('opens for the clicked row, in the URL; Esc closes it and focus goes back to the row', async () => {
    const calls = mock({ deliveries_list: log(6), deliveries_show: () => failingDetail() });
    const view = renderAt({ job: 12 });
    await waitFor(() => row(5));
    await fireEvent.click(row(5));
    expect(location.hash).toBe('#/deliveries/5?job=12');
    await view.follow();

    const panel = byId('delivery-detail');
    expect(calls.filter((c) => c.cmd === 'deliveries_show').map((c) => c.args)).toEqual([{ id: 5 }]);
    expect(row(5).getAttribute('aria-selected')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(panel));

    await fireEvent.keyDown(panel, { key: 'Escape' });
    expect(location.hash).toBe('#/deliveries?job=12');
    await view.follow();
    expect(document.getElementById('delivery-detail')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(row(5)));
    // The filter from the link stayed.
    expect(lastQuery(calls)).toEqual({ job: 12, limit: 50, offset: 0 });
  });

  it('closes with its Close button, from a link to a message not on this page', async () => {
    mock({ deliveries_list: log(3), deliveries_show: () => failingDetail() });
    const view = renderAt({ message: 5 });
    await panelLoaded();
    await waitFor(() => row(1));
    await fireEvent.click(byId('delivery-detail-close'));
    expect(location.hash).toBe('#/deliveries');
    await view.follow();
    expect(document.getElementById('delivery-detail')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(row(1)));
  });

  it('shows the message: webhook-id, event, endpoint, job, state, body and every attempt', async () => {
    mock({ deliveries_list: log(6), deliveries_show: () => failingDetail() });
    renderAt({ message: 5 });
    const panel = await panelLoaded();

    expect(within(panel).getByRole('heading', { name: 'Delivery 5' })).toBeTruthy();
    expect(within(panel).getByText('transcription.completed')).toBeTruthy();
    expect(within(panel).getAllByText('https://example.com/hooks/1').length).toBeGreaterThan(0);
    expect(within(panel).getByRole('link', { name: /Job 12/ }).getAttribute('href')).toBe('#/transcript/12');
    expect(within(panel).getByText('Pending')).toBeTruthy();
    expect(text(byId('delivery-state'))).toBe('2 attempts failed so far; retry in 4 min.');

    // The body as sent, pretty-printed.
    expect(byId('delivery-body').textContent).toBe(
      JSON.stringify({ type: 'transcription.completed', data: { job: 12, text: 'Hello there' } }, null, 2),
    );
    expect(within(panel).getByText('· 2.0 KB')).toBeTruthy();

    // Attempts, numbered from the first, newest first.
    const shown = [...panel.querySelectorAll('section.attempt')].map((s) => s.id);
    expect(shown).toEqual(['attempt-2', 'attempt-1']);

    const first = byId('attempt-1');
    expect(within(first).getByText('HTTP 500')).toBeTruthy();
    expect(within(first).getByText(/312 ms/)).toBeTruthy();
    const request = within(first).getByRole('table', { name: 'Request headers of attempt 1' });
    const rows = [...request.querySelectorAll('tr')].map((tr) => [tr.children[0].textContent, tr.children[1].textContent]);
    expect(rows).toContainEqual(['webhook-signature', 'v1,…masked']);
    expect(rows).toContainEqual(['authorization', 'Bearer …cret']);
    const response = within(first).getByRole('table', { name: 'Response headers of attempt 1' });
    expect([...response.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent))).toEqual([
      ['content-type', 'text/plain'],
      ['x-request-id', 'req-77'],
    ]);
    expect(within(first).getByText('Internal Server Error: database down')).toBeTruthy();
    expect(within(first).getByText('https://example.com/hooks/1')).toBeTruthy();

    const second = byId('attempt-2');
    expect(within(second).getByText('Timed out: no response within 15s')).toBeTruthy();
    expect(within(second).getByText(/15004 ms/)).toBeTruthy();
    // The latest attempt shows its headers; older ones are folded.
    expect(second.querySelector('details')!.open).toBe(true);
    expect(first.querySelector('details')!.open).toBe(false);
  });

  it('says when the message is gone', async () => {
    mock({
      deliveries_list: log(1),
      deliveries_show: () => {
        throw engineError('No delivery 99.', 'not_found');
      },
    });
    renderAt({ message: 99 });
    await screen.findByText('This delivery is gone');
    expect(screen.getByText('No delivery 99.')).toBeTruthy();
  });

  it('shows a failure to load with Retry', async () => {
    let fail = true;
    mock({
      deliveries_list: log(6),
      deliveries_show: () => {
        if (fail) throw engineError('The engine is busy.', 'unavailable');
        return failingDetail();
      },
    });
    renderAt({ message: 5 });
    const panel = await found('delivery-detail');
    await within(panel).findByText('The engine is busy.');
    fail = false;
    await fireEvent.click(within(panel).getByRole('button', { name: 'Retry' }));
    await panelLoaded();
  });

  it('replays the message, says so, and loads the panel again', async () => {
    const success = vi.spyOn(toast, 'success');
    let replayed = false;
    const calls = mock({
      deliveries_list: log(6),
      deliveries_show: () =>
        replayed
          ? failingDetail({ message: messageView(5, { status: 'pending', attempts: 0, delivered_at: null }) })
          : failingDetail(),
      deliveries_replay: (args) => {
        replayed = true;
        return messageView(args.id as number, { status: 'pending', attempts: 0 });
      },
    });
    renderAt({ message: 5 });
    await panelLoaded();

    await fireEvent.click(byId('replay'));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Replaying to https://example.com/hooks/1'));
    expect(calls.filter((c) => c.cmd === 'deliveries_replay').map((c) => c.args)).toEqual([{ id: 5, to: null }]);
    await waitFor(() => expect(text(byId('delivery-state'))).toBe('Sending now.'));
    expect(calls.filter((c) => c.cmd === 'deliveries_show')).toHaveLength(2);
  });

  it('shows a failed replay next to the Replay button', async () => {
    mock({
      deliveries_list: log(6),
      deliveries_show: () => failingDetail(),
      deliveries_replay: () => {
        throw engineError('The endpoint was removed.', 'not_found');
      },
    });
    renderAt({ message: 5 });
    await panelLoaded();
    await fireEvent.click(byId('replay'));
    await waitFor(() => expect(text(byId('replay-error'))).toBe('The endpoint was removed.'));
    expect((byId('replay') as HTMLButtonElement).disabled).toBe(false);
  });

  it('replays to another endpoint, and shows the engine’s complaint at the endpoint choice', async () => {
    const success = vi.spyOn(toast, 'success');
    let refuse = true;
    const calls = mock({
      deliveries_list: log(6),
      deliveries_show: () => failingDetail(),
      deliveries_replay: () => {
        if (refuse) throw engineError('That endpoint is disabled.', 'conflict', 'to');
        return messageView(77, { endpoint_id: 2, status: 'pending' });
      },
    });
    renderAt({ message: 5 });
    await panelLoaded();
    const choice = byId('replay-to') as HTMLSelectElement;
    // Only the other endpoints are offered.
    expect([...choice.options].map((o) => o.textContent)).toEqual(['Choose an endpoint…', 'https://backup.example.org/in']);

    await fireEvent.change(choice, { target: { value: '2' } });
    await fireEvent.click(byId('replay-to-send'));
    await waitFor(() => expect(text(byId('replay-to-error'))).toBe('That endpoint is disabled.'));
    expect(choice.getAttribute('aria-invalid')).toBe('true');
    expect(choice.getAttribute('aria-describedby')).toBe('replay-to-error');

    refuse = false;
    await fireEvent.click(byId('replay-to-send'));
    await waitFor(() =>
      expect(success).toHaveBeenCalledWith('Sending to https://backup.example.org/in', expect.anything()),
    );
    expect(calls.filter((c) => c.cmd === 'deliveries_replay').map((c) => c.args)).toEqual([
      { id: 5, to: 2 },
      { id: 5, to: 2 },
    ]);
    expect(document.getElementById('replay-to-error')).toBeNull();
  });

  it('copies the webhook-id', async () => {
    const success = vi.spyOn(toast, 'success');
    const copied: unknown[] = [];
    mock({
      deliveries_list: log(6),
      deliveries_show: () => failingDetail(),
      'plugin:clipboard-manager|write_text': (args) => {
        copied.push(args);
        return null;
      },
    });
    renderAt({ message: 5 });
    await panelLoaded();
    const panel = byId('delivery-detail');
    await fireEvent.click(within(panel).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Copied the webhook-id'));
    expect(JSON.stringify(copied)).toContain('msg_2bXk5');
  });

  it('shows a message without attempts yet', async () => {
    mock({
      deliveries_list: log(1),
      deliveries_show: () =>
        failingDetail({
          message: messageView(5, { status: 'pending', attempts: 0, next_attempt_at: NOW + 90_000, delivered_at: null }),
          attempts: [],
        }),
    });
    renderAt({ message: 5 });
    await screen.findByText('No attempts yet.');
    expect(text(byId('delivery-state'))).toBe('Waiting for its first attempt, in 2 min.');
  });

  it('says a delivered attempt was delivered', async () => {
    mock({
      deliveries_list: log(1),
      deliveries_show: () =>
        failingDetail({ message: messageView(5), attempts: [attemptView(40, { duration_ms: 85 })] }),
    });
    renderAt({ message: 5 });
    const attempt = await found('attempt-1');
    expect(within(attempt).getByText('HTTP 200')).toBeTruthy();
    expect(text(byId('delivery-state'))).toBe('Delivered 5 min ago, after 1 attempt.');
  });
});

describe('Deliveries: replay failed', () => {
  it('counts the failed deliveries since the chosen time, then replays them', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = mock({
      deliveries_list: (args) => {
        const query = args.query as DeliveryQuery;
        if (query.limit === 1) return page([messageView(9)], query.since === NOW - HOUR ? 3 : 12);
        return page(messages(2));
      },
      deliveries_replay_failed_since: () => messages(3).map((m) => ({ ...m, status: 'pending' })),
    });
    renderAt();
    await waitFor(() => row(1));

    await fireEvent.click(byId('replay-failed'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Replay failed deliveries')).toBeTruthy();
    await waitFor(() => expect(text(byId('replay-failed-count'))).toContain('12 deliveries failed since'));
    expect(lastQuery(calls)).toEqual({ status: 'failed', since: NOW - 24 * HOUR, limit: 1 });
    expect(text(byId('replay-failed-confirm'))).toBe('Replay 12 deliveries');

    await fireEvent.change(byId('replay-failed-since'), { target: { value: '1h' } });
    await waitFor(() => expect(text(byId('replay-failed-count'))).toContain('3 deliveries failed since'));
    expect(lastQuery(calls)).toEqual({ status: 'failed', since: NOW - HOUR, limit: 1 });

    await fireEvent.click(byId('replay-failed-confirm'));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Replaying 3 deliveries'));
    expect(calls.filter((c) => c.cmd === 'deliveries_replay_failed_since').map((c) => c.args)).toEqual([
      { since: NOW - HOUR },
    ]);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('says when nothing failed, and offers nothing to replay', async () => {
    const calls = mock({
      deliveries_list: (args) => ((args.query as DeliveryQuery).limit === 1 ? page([], 0) : page(messages(1))),
    });
    renderAt();
    await waitFor(() => row(1));
    await fireEvent.click(byId('replay-failed'));
    await waitFor(() => expect(text(byId('replay-failed-count'))).toBe('No deliveries failed in the last 24 hours.'));
    expect((byId('replay-failed-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(calls.some((c) => c.cmd === 'deliveries_replay_failed_since')).toBe(false);
  });

  it('shows a failed replay in the dialog', async () => {
    mock({
      deliveries_list: (args) => ((args.query as DeliveryQuery).limit === 1 ? page([], 4) : page(messages(1))),
      deliveries_replay_failed_since: () => {
        throw engineError('The engine is shutting down.', 'unavailable');
      },
    });
    renderAt();
    await waitFor(() => row(1));
    await fireEvent.click(byId('replay-failed'));
    await waitFor(() => expect(text(byId('replay-failed-confirm'))).toBe('Replay 4 deliveries'));
    await fireEvent.click(byId('replay-failed-confirm'));
    await waitFor(() => expect(text(byId('replay-failed-error'))).toBe('The engine is shutting down.'));
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('does not close the panel when Esc closes the dialog', async () => {
    mock({
      deliveries_list: (args) => ((args.query as DeliveryQuery).limit === 1 ? page([], 4) : log(6)(args)),
      deliveries_show: () => failingDetail(),
    });
    renderAt({ message: 5 });
    await panelLoaded();
    location.hash = '#/deliveries/5';
    await fireEvent.click(byId('replay-failed'));
    const dialog = await screen.findByRole('dialog');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(location.hash).toBe('#/deliveries/5');
  });
});
