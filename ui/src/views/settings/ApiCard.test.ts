import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import ApiCard from './ApiCard.svelte';
import type { ApiOverview } from '../../lib/api';
import type { ApiInfo, ApiServerStatus } from '../../lib/bindings';
import { live } from '../../lib/live.svelte';
import { engineError, mockCommands, settle, callsOf, type Call, type Handler } from '../../lib/test-ipc';
import { byId, normalized, stubMatchMedia, toastTitles } from '../../components/test-helpers';
import { maskToken } from './local-api';

const TOKEN = 'hsk_0123456789abcdef0123456789abcdef0123456789ab7f3e';
const NEW_TOKEN = 'hsk_fedcba9876543210fedcba9876543210fedcba98765c0de';

function info(fields: Partial<ApiInfo> = {}): ApiInfo {
  return {
    enabled: true,
    host: '127.0.0.1',
    port: 8178,
    url: 'http://127.0.0.1:8178',
    loopback_only: true,
    max_upload_bytes: 2048 * 1024 * 1024,
    ...fields,
  };
}

const LISTENING: ApiServerStatus = { state: 'listening', url: 'http://127.0.0.1:8178' };

function overview(status: ApiServerStatus = LISTENING, fields: Partial<ApiInfo> = {}): ApiOverview {
  return { info: info(fields), status };
}

/** The commands the card asks unless told otherwise: listening on loopback. */
function mockApi(handlers: Record<string, Handler> = {}): Call[] {
  return mockCommands({
    api_overview: () => overview(),
    api_token: () => TOKEN,
    'plugin:clipboard-manager|write_text': () => null,
    ...handlers,
  });
}




function text(id: string): string {
  return normalized(byId(id));
}

/** Renders the card and waits for the engine's answers (the state, and the token). */
async function renderCard(props: { settleMs?: number } = {}) {
  const view = render(ApiCard, { props });
  await waitFor(() => byId('api-status'));
  await waitFor(() => expect(text('api-token')).not.toBe('hsk_••••••••'));
  return view;
}

beforeEach(() => {
  stubMatchMedia();
});

afterEach(() => {
  cleanup();
  toast.dismiss();
  clearMocks();
});

describe('ApiCard: the server', () => {
  it('shows loading until the engine answers', () => {
    mockApi({ api_overview: () => new Promise(() => {}) });
    render(ApiCard);
    expect(byId('api-card').getAttribute('aria-busy')).toBe('true');
    expect(screen.getByRole('status').textContent).toBe('Loading…');
  });

  it('says where it listens, with the base URL to copy', async () => {
    const calls = mockApi();
    await renderCard();

    const status = byId('api-status');
    expect(status.dataset.state).toBe('listening');
    expect(status.getAttribute('role')).toBe('status');
    expect(normalized(status)).toBe('Listening at http://127.0.0.1:8178/v1');
    expect(status.querySelector('.ok')).toBeTruthy();
    expect(normalized(byId('api-card'))).toContain('uploads up to 2,048 MB');

    await fireEvent.click(byId('api-url-copy'));
    await waitFor(() =>
      expect(callsOf(calls, 'plugin:clipboard-manager|write_text')).toEqual([
        expect.objectContaining({ text: 'http://127.0.0.1:8178/v1' }),
      ]),
    );
  });

  it('says it is off, and how to turn it on', async () => {
    mockApi({ api_overview: () => overview({ state: 'off' }, { enabled: false }) });
    await renderCard();

    const status = byId('api-status');
    expect(status.dataset.state).toBe('off');
    expect(normalized(status)).toBe('Off Turn on Serve the local API above, or run hookscribe run --api.');
    expect(document.getElementById('api-url-copy')).toBeNull();
    // The examples still show where it would listen.
    expect(text('api-curl')).toContain('http://127.0.0.1:8178/v1/audio/transcriptions');
  });

  it('says it is starting while the setting is on and the server is not up yet', async () => {
    mockApi({ api_overview: () => overview({ state: 'off' }, { enabled: true }) });
    await renderCard();
    expect(text('api-status')).toBe('Starting…');
  });

  it("says why it could not start, in the engine's words", async () => {
    const error =
      'cannot listen on 127.0.0.1:8178: Address already in use (os error 98); another program uses that port';
    mockApi({ api_overview: () => overview({ state: 'failed', error }) });
    await renderCard();

    const status = byId('api-status');
    expect(status.dataset.state).toBe('failed');
    expect(normalized(status.querySelector('.bad')!)).toBe(`Could not start: ${error}`);
    expect(normalized(status)).toContain('Change the port or address above');
    expect(document.getElementById('api-url-copy')).toBeNull();
  });

  it('warns when the network can reach it', async () => {
    mockApi({
      api_overview: () =>
        // The engine links a server listening everywhere through loopback.
        overview({ state: 'listening', url: 'http://127.0.0.1:8178' }, { host: '0.0.0.0', url: 'http://127.0.0.1:8178', loopback_only: false }),
    });
    await renderCard();

    const warning = text('api-network-warning');
    expect(warning).toContain('Reachable from your network');
    expect(warning).toContain('0.0.0.0');
    expect(warning).toContain('Keep the token secret.');
    expect(text('api-url')).toBe('http://127.0.0.1:8178/v1');
  });

  it('does not warn on loopback', async () => {
    mockApi();
    await renderCard();
    expect(document.getElementById('api-network-warning')).toBeNull();
  });

  it('says what went wrong, and loads after Retry', async () => {
    let fail = true;
    const calls = mockApi({
      api_overview: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return overview();
      },
    });
    render(ApiCard);

    const alert = await waitFor(() => byId('api-error'));
    expect(alert.getAttribute('role')).toBe('alert');
    expect(normalized(alert)).toContain("Could not read the local API's state: database is locked");
    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));

    await waitFor(() => expect(text('api-status')).toBe('Listening at http://127.0.0.1:8178/v1'));
    expect(callsOf(calls, 'api_overview')).toHaveLength(2);
  });
});

describe('ApiCard: the token', () => {
  it('is masked, with its last 4', async () => {
    mockApi();
    await renderCard();
    expect(text('api-token')).toBe('hsk_••••••••7f3e');
    expect(maskToken(null)).toBe('hsk_••••••••');
    expect(byId('api-token-reveal').getAttribute('aria-pressed')).toBe('false');
  });

  it('reveals in place, in the examples too, and hides again', async () => {
    mockApi();
    await renderCard();
    expect(text('api-curl')).toBe(
      'curl http://127.0.0.1:8178/v1/audio/transcriptions -H "Authorization: Bearer $HOOKSCRIBE_TOKEN" -F file=@recording.mp3 -F model=whisper-1',
    );
    expect(text('api-python')).toBe(
      'client = OpenAI(base_url="http://127.0.0.1:8178/v1", api_key=os.environ["HOOKSCRIBE_TOKEN"])',
    );
    expect(byId('api-card').textContent).not.toContain(TOKEN);

    await fireEvent.click(byId('api-token-reveal'));

    expect(text('api-token')).toBe(TOKEN);
    expect(text('api-token-reveal')).toBe('Hide');
    expect(byId('api-token-reveal').getAttribute('aria-pressed')).toBe('true');
    expect(text('api-curl')).toContain(`-H "Authorization: Bearer ${TOKEN}"`);
    expect(text('api-python')).toBe(`client = OpenAI(base_url="http://127.0.0.1:8178/v1", api_key="${TOKEN}")`);
    expect(text('api-examples-hint')).toContain('keep them private');

    await fireEvent.click(byId('api-token-reveal'));

    expect(text('api-token')).toBe('hsk_••••••••7f3e');
    expect(text('api-token-reveal')).toBe('Reveal');
    expect(byId('api-card').textContent).not.toContain(TOKEN);
  });

  it('copies the token without showing it', async () => {
    const calls = mockApi();
    await renderCard();

    await fireEvent.click(byId('api-token-copy'));

    await waitFor(() => expect(callsOf(calls, 'plugin:clipboard-manager|write_text')).toHaveLength(1));
    expect(callsOf(calls, 'plugin:clipboard-manager|write_text')[0]).toMatchObject({ text: TOKEN });
    expect(text('api-token')).toBe('hsk_••••••••7f3e');
    await waitFor(() => expect(toastTitles()).toContain('Token copied'));
  });

  it('copies the examples as shown: without the token unless revealed', async () => {
    const calls = mockApi();
    await renderCard();

    await fireEvent.click(byId('api-curl-copy'));
    await waitFor(() => expect(callsOf(calls, 'plugin:clipboard-manager|write_text')).toHaveLength(1));
    const copied = String(callsOf(calls, 'plugin:clipboard-manager|write_text')[0].text);
    expect(copied).toContain('Bearer $HOOKSCRIBE_TOKEN');
    expect(copied).not.toContain(TOKEN);

    await fireEvent.click(byId('api-token-reveal'));
    await fireEvent.click(byId('api-python-copy'));
    await waitFor(() => expect(callsOf(calls, 'plugin:clipboard-manager|write_text')).toHaveLength(2));
    expect(callsOf(calls, 'plugin:clipboard-manager|write_text')[1]).toMatchObject({
      text: `client = OpenAI(base_url="http://127.0.0.1:8178/v1", api_key="${TOKEN}")`,
    });
  });

  it('regenerates only after asking, then shows the new one', async () => {
    const calls = mockApi({ api_regenerate_token: () => NEW_TOKEN });
    await renderCard();

    await fireEvent.click(byId('api-token-regenerate'));
    let dialog = await screen.findByRole('alertdialog');
    expect(normalized(dialog)).toContain('Regenerate the API token?');
    expect(normalized(dialog)).toContain('stops working at once');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(callsOf(calls, 'api_regenerate_token')).toHaveLength(0);
    expect(text('api-token')).toBe('hsk_••••••••7f3e');

    await fireEvent.click(byId('api-token-regenerate'));
    dialog = await screen.findByRole('alertdialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Regenerate token' }));

    await waitFor(() => expect(callsOf(calls, 'api_regenerate_token')).toHaveLength(1));
    await waitFor(() => expect(text('api-token')).toBe(NEW_TOKEN));
    expect(text('api-token-reveal')).toBe('Hide');
    expect(text('api-curl')).toContain(`Bearer ${NEW_TOKEN}`);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(toastTitles().some((t) => t.includes('The old one stopped working'))).toBe(true));
  });

  it('says why the token could not be regenerated, next to it', async () => {
    mockApi({
      api_regenerate_token: () => {
        throw engineError('database is read-only', 'unavailable');
      },
    });
    await renderCard();

    await fireEvent.click(byId('api-token-regenerate'));
    const dialog = await screen.findByRole('alertdialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Regenerate token' }));

    await waitFor(() =>
      expect(text('api-token-action-error')).toBe('Could not regenerate the token: database is read-only'),
    );
    expect(text('api-token')).toBe('hsk_••••••••7f3e');
  });

  it('says why the token could not be read, with Retry', async () => {
    let fail = true;
    mockApi({
      api_token: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return TOKEN;
      },
    });
    render(ApiCard);

    const error = await waitFor(() => byId('api-token-error'));
    expect(normalized(error)).toContain('Could not read the token: database is locked');
    expect(text('api-token')).toBe('hsk_••••••••');
    fail = false;
    await fireEvent.click(within(error).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(text('api-token')).toBe('hsk_••••••••7f3e'));
    expect(document.getElementById('api-token-error')).toBeNull();
  });
});

describe('ApiCard: following the engine', () => {
  it('reads the state again when the settings change, and once more a moment later', async () => {
    let answers: ApiServerStatus[] = [{ state: 'off' }];
    const calls = mockApi({
      api_overview: () => overview(answers.shift() ?? LISTENING, { enabled: true }),
    });
    await renderCard();
    expect(text('api-status')).toBe('Starting…');
    expect(callsOf(calls, 'api_overview')).toHaveLength(1);

    // The switch was turned on: the server is not up yet at the first read.
    answers = [{ state: 'off' }];
    live.handle({ type: 'changed', what: 'settings' });

    await waitFor(() => expect(callsOf(calls, 'api_overview')).toHaveLength(2));
    await settle();
    expect(text('api-status')).toBe('Starting…');
    await waitFor(() => expect(text('api-status')).toBe('Listening at http://127.0.0.1:8178/v1'), { timeout: 2000 });
    expect(callsOf(calls, 'api_overview')).toHaveLength(3);

    // No polling after that.
    await new Promise((r) => setTimeout(r, 300));
    expect(callsOf(calls, 'api_overview')).toHaveLength(3);
  });

  it('ignores changes elsewhere in the engine', async () => {
    const calls = mockApi();
    await renderCard({ settleMs: 10 });
    live.handle({ type: 'changed', what: 'endpoints' });
    await new Promise((r) => setTimeout(r, 50));
    expect(callsOf(calls, 'api_overview')).toHaveLength(1);
  });

  it('stops reading once gone', async () => {
    const calls = mockApi();
    const view = await renderCard({ settleMs: 100 });
    live.handle({ type: 'changed', what: 'settings' });
    await settle();
    expect(callsOf(calls, 'api_overview')).toHaveLength(2);
    view.unmount();
    await new Promise((r) => setTimeout(r, 200));
    expect(callsOf(calls, 'api_overview')).toHaveLength(2);
  });
});
