import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import DisabledBanners from './DisabledBanners.svelte';
import type { EndpointView, EngineError, EngineEvent } from '../lib/bindings';
import { ENGINE_EVENT, ENGINE_LAGGED_EVENT } from '../lib/events';
import type { EndpointDisabled } from '../lib/notifications';
import { router } from '../lib/router.svelte';
import { endpointView } from '../lib/test-fixtures';
import { deferred, settle } from '../lib/test-ipc';
import { eventCalls, findById, normalized, recordIpc } from './test-helpers';

const endpoint = endpointView;

const gone: EndpointDisabled = {
  type: 'endpoint_disabled',
  endpoint: 7,
  url: 'https://example.com/hooks/transcripts',
  reason: 'the endpoint answered 410 Gone',
};

const manual: EndpointDisabled = {
  type: 'endpoint_disabled',
  endpoint: 12,
  url: 'https://hooks.example.org/in',
  reason: 'disabled by the user',
};

/** The endpoint `notice` is about, disabled as it says, as `endpoints_list` gives it. */
function disabledEndpoint(notice: EndpointDisabled): EndpointView {
  return endpoint(notice.endpoint, {
    url: notice.url,
    enabled: false,
    disabled: { at: 1_700_000_100_000, reason: notice.reason },
  });
}

function engineError(message: string): EngineError {
  return { kind: 'unavailable', message, subject: null };
}

/** Answers `endpoints_list` with `endpoints` (a value, or a function); events mocked too. */
function mockEndpoints(endpoints: unknown[] | (() => unknown) = []) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'endpoints_list') return typeof endpoints === 'function' ? endpoints() : endpoints;
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

async function emitEngine(payload: EngineEvent | unknown): Promise<void> {
  await emit(ENGINE_EVENT, payload);
}

/** Renders the banners and waits until the list was asked for (listening by then). */
async function renderBanners(endpoints: unknown[] | (() => unknown) = []) {
  const calls = mockEndpoints(endpoints);
  const view = render(DisabledBanners);
  await waitFor(() => expect(calls).toContain('endpoints_list'));
  await settle();
  return { ...view, calls };
}

function bannerIds(): string[] {
  return screen.queryAllByRole('alert').map((b) => b.id);
}

async function dismiss(id: number) {
  const banner = document.getElementById(`endpoint-disabled-${id}`)!;
  await fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
  await waitFor(() => expect(document.getElementById(`endpoint-disabled-${id}`)).toBeNull());
}

afterEach(() => {
  cleanup(); // unmount (and so unlisten) while the IPC mock is still there
  clearMocks();
  location.hash = '';
});

describe('DisabledBanners', () => {
  it('shows nothing while no endpoint is disabled', async () => {
    await renderBanners([endpoint(1), endpoint(2)]);
    expect(bannerIds()).toEqual([]);
    expect(document.querySelector('.banners')).toBeNull();
  });

  it('shows a banner with the URL, the reason, what happens meanwhile and a way to the Webhooks view', async () => {
    await renderBanners();
    expect(bannerIds()).toEqual([]);

    await emitEngine(gone);

    const banner = await screen.findByRole('alert');
    expect(banner.id).toBe('endpoint-disabled-7');
    expect(banner.classList.contains('banner')).toBe(true);
    const text = normalized(banner);
    expect(text).toContain('Webhook endpoint #7 was disabled');
    expect(text).toContain('the endpoint answered 410 Gone');
    expect(text).toContain('Its new messages are held until you enable it again.');
    expect(text).not.toContain('hookscribe webhooks enable');
    expect([...banner.querySelectorAll('code')].map((c) => c.textContent)).toEqual([gone.url]);
  });

  it('opens the Webhooks view from a banner', async () => {
    await renderBanners([disabledEndpoint(gone)]);
    const banner = await findById('endpoint-disabled-7');

    await fireEvent.click(within(banner).getByRole('button', { name: 'Open Webhooks' }));

    expect(location.hash).toBe('#/webhooks');
    await waitFor(() => expect(router.route).toEqual({ view: 'webhooks' }));
  });

  it('keeps one banner per endpoint, with the latest reason', async () => {
    await renderBanners();

    await emitEngine({ ...gone, reason: '5 deliveries failed in a row' });
    await screen.findByText('5 deliveries failed in a row');
    await emitEngine(gone);
    await screen.findByText(gone.reason);

    expect(bannerIds()).toEqual(['endpoint-disabled-7']);
    expect(screen.queryByText('5 deliveries failed in a row')).toBeNull();

    // Another endpoint gets its own banner, after the first.
    await emitEngine({ ...gone, endpoint: 12, url: 'https://hooks.example.org/in' });
    await findById('endpoint-disabled-12');
    expect(bannerIds()).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
  });

  it('removes a banner when it is dismissed', async () => {
    await renderBanners();
    await emitEngine(gone);
    await emitEngine({ ...gone, endpoint: 12 });
    await findById('endpoint-disabled-7');
    await findById('endpoint-disabled-12');

    await dismiss(7);

    expect(bannerIds()).toEqual(['endpoint-disabled-12']);
  });

  it('removes the banner of an endpoint enabled again', async () => {
    await renderBanners([disabledEndpoint(gone), disabledEndpoint(manual)]);
    await findById('endpoint-disabled-12');

    await emitEngine({ type: 'endpoint_enabled', endpoint: 7 });

    await waitFor(() => expect(bannerIds()).toEqual(['endpoint-disabled-12']));
    await emitEngine({ type: 'endpoint_enabled', endpoint: 99 }); // none: nothing changes
    await settle();
    expect(bannerIds()).toEqual(['endpoint-disabled-12']);
  });

  it('brings back the banner of an endpoint disabled again after its banner was dismissed', async () => {
    await renderBanners([disabledEndpoint(gone)]);
    await findById('endpoint-disabled-7');
    await dismiss(7);

    await emitEngine({ ...gone, reason: 'disabled by the user' });

    const banner = await findById('endpoint-disabled-7');
    expect(normalized(banner)).toContain('disabled by the user');
  });

  it('brings back a banner after enabling, then disabling again', async () => {
    await renderBanners([disabledEndpoint(gone)]);
    await findById('endpoint-disabled-7');
    await emitEngine({ type: 'endpoint_enabled', endpoint: 7 });
    await waitFor(() => expect(bannerIds()).toEqual([]));

    await emitEngine(gone);
    await findById('endpoint-disabled-7');
    expect(bannerIds()).toEqual(['endpoint-disabled-7']);
  });

  it('ignores payloads of another shape', async () => {
    await renderBanners();
    await emitEngine({ ...gone, endpoint: '7' });
    await emitEngine({ ...gone, reason: undefined });
    await emitEngine({ endpoint: 7, url: gone.url, reason: gone.reason });
    await emitEngine(null);
    await emitEngine(gone);
    await findById('endpoint-disabled-7');
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  it('stops listening when destroyed', async () => {
    const { unmount } = await renderBanners();
    const calls = recordIpc();

    unmount();

    await waitFor(() =>
      expect(eventCalls(calls, 'unlisten')).toEqual([
        'plugin:event|unlisten engine-event',
        'plugin:event|unlisten engine-lagged',
      ]),
    );
  });

  it('stops listening when destroyed before the listeners are set up, and asks for no list', async () => {
    const cmds = mockEndpoints([disabledEndpoint(gone)]);
    const calls = recordIpc();
    const { unmount } = render(DisabledBanners);
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
    expect(cmds).not.toContain('endpoints_list');
  });

  it('asks for the list only once listening', async () => {
    mockEndpoints();
    const calls = recordIpc();
    render(DisabledBanners);

    await waitFor(() => expect(calls).toContain('endpoints_list'));
    expect(calls.indexOf('endpoints_list')).toBeGreaterThan(calls.indexOf('plugin:event|listen engine-event'));
    expect(calls.indexOf('endpoints_list')).toBeGreaterThan(calls.indexOf('plugin:event|listen engine-lagged'));
  });

  describe('disabled before the window opened', () => {
    it('shows a banner for each disabled endpoint endpoints_list gives, and none for enabled ones', async () => {
      mockEndpoints([endpoint(3), disabledEndpoint(gone), endpoint(9), disabledEndpoint(manual)]);
      render(DisabledBanners);

      await findById('endpoint-disabled-12');
      expect(bannerIds()).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
      const first = normalized(document.getElementById('endpoint-disabled-7')!);
      expect(first).toContain('Webhook endpoint #7 was disabled');
      expect(first).toContain(gone.url);
      expect(first).toContain('the endpoint answered 410 Gone');
      const second = normalized(document.getElementById('endpoint-disabled-12')!);
      expect(second).toContain('Webhook endpoint #12 was disabled');
      expect(second).toContain('disabled by the user');
      expect(second).toContain('Its new messages are held until you enable it again.');
    });

    it('skips malformed items of the list', async () => {
      mockEndpoints([
        { ...disabledEndpoint(manual), id: '12' },
        null,
        'endpoint_disabled',
        { ...disabledEndpoint({ ...manual, endpoint: 13 }), url: undefined },
        { ...disabledEndpoint({ ...manual, endpoint: 14 }), enabled: undefined },
        disabledEndpoint(gone),
      ]);
      render(DisabledBanners);

      await findById('endpoint-disabled-7');
      await settle();
      expect(bannerIds()).toEqual(['endpoint-disabled-7']);
    });

    it('shows no banner when endpoints_list fails, and still listens', async () => {
      await renderBanners(() => {
        throw engineError('database is locked');
      });
      expect(bannerIds()).toEqual([]);

      await emitEngine(gone);
      await findById('endpoint-disabled-7');
    });

    it('keeps the reason of an event that came before the list, in a single banner', async () => {
      const list = deferred<unknown>();
      await renderBanners(() => list.promise);

      await emitEngine({ ...gone, reason: '5 deliveries failed in a row' });
      await screen.findByText('5 deliveries failed in a row');

      list.resolve([disabledEndpoint(gone), disabledEndpoint(manual)]); // older: endpoint 7 with its earlier reason
      await findById('endpoint-disabled-12');

      expect(bannerIds()).toEqual(['endpoint-disabled-7', 'endpoint-disabled-12']);
      const banner = document.getElementById('endpoint-disabled-7')!;
      expect(normalized(banner)).toContain('5 deliveries failed in a row');
      expect(normalized(banner)).not.toContain(gone.reason);
    });

    it('lets a later event replace the reason of a listed endpoint', async () => {
      mockEndpoints([disabledEndpoint(manual)]);
      render(DisabledBanners);
      await findById('endpoint-disabled-12');

      await emitEngine({ ...manual, reason: 'the endpoint answered 410 Gone' });
      await screen.findByText('the endpoint answered 410 Gone');
      expect(bannerIds()).toEqual(['endpoint-disabled-12']);
      expect(screen.queryByText('disabled by the user')).toBeNull();
    });

    it('does not bring back a banner dismissed before the list came', async () => {
      const list = deferred<unknown>();
      await renderBanners(() => list.promise);

      await emitEngine(gone);
      await findById('endpoint-disabled-7');
      await dismiss(7);

      list.resolve([disabledEndpoint(gone), disabledEndpoint(manual)]);
      await findById('endpoint-disabled-12');
      await settle();
      expect(bannerIds()).toEqual(['endpoint-disabled-12']);
    });

    it('dismisses a listed banner like any other', async () => {
      mockEndpoints([disabledEndpoint(gone), disabledEndpoint(manual)]);
      render(DisabledBanners);
      await findById('endpoint-disabled-7');
      await findById('endpoint-disabled-12');

      await dismiss(7);

      expect(bannerIds()).toEqual(['endpoint-disabled-12']);
    });

    it('reads the list again when the window fell behind the engine events', async () => {
      let list: unknown[] = [disabledEndpoint(manual)];
      const calls = mockEndpoints(() => list);
      render(DisabledBanners);
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
      expect(bannerIds()).toEqual(['endpoint-disabled-12', 'endpoint-disabled-7']);
      // A banner shown already keeps its reason (as for the first list), and there is one each.
      expect(normalized(document.getElementById('endpoint-disabled-12')!)).toContain('disabled by the user');
      expect(calls.filter((c) => c === 'endpoints_list')).toHaveLength(2);
    });

    it('does not bring back a dismissed banner when the window fell behind', async () => {
      const calls = mockEndpoints([disabledEndpoint(gone), disabledEndpoint(manual)]);
      render(DisabledBanners);
      await findById('endpoint-disabled-7');
      await findById('endpoint-disabled-12');
      await dismiss(7);

      await emit(ENGINE_LAGGED_EVENT, 10);
      await waitFor(() => expect(calls.filter((c) => c === 'endpoints_list')).toHaveLength(2));
      await settle();
      expect(bannerIds()).toEqual(['endpoint-disabled-12']);
    });
  });
});
