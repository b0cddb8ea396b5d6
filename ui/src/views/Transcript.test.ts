import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockConvertFileSrc } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import Transcript from './Transcript.svelte';
import { endpointView } from '../lib/test-fixtures';
import { live } from '../lib/live.svelte';
import { router } from '../lib/router.svelte';
import { deferred, engineError, mockCommands, settle, type Handler } from '../lib/test-ipc';
import type { JobDetail } from '../lib/bindings';
import { jobDetail, jobView, messageView, textOf, transcriptView } from './transcribe/fixtures';

const PATH = '/recordings/team call.wav';
const MEDIA_URL = 'http://127.0.0.1:41234/media/0123456789abcdef0123456789abcdef';
const JOB = jobView(7, { path: PATH, file_name: 'team call.wav', audio_seconds: 185 });
const TRANSCRIPT = transcriptView(7, [
  [0, 4.5, ' Hello and welcome.'],
  [4.5, 9, ' Today we talk about hello worlds.'],
  [12, 20, ' Say hello to everyone.'],
]);
const DETAIL = jobDetail(JOB, TRANSCRIPT, {
  deliveries: [
    messageView(31, { endpoint_id: 1, status: 'delivered', attempts: 1 }),
    messageView(30, { endpoint_id: 2, status: 'failed', attempts: 5, last_error: 'HTTP 500' }),
  ],
});

/** The engine knowing job 7 (or what `detail` says) and two endpoints; more handlers as told. */
function engine(handlers: Record<string, Handler> = {}, detail: JobDetail = DETAIL) {
  const calls = mockCommands({
    jobs_show: () => detail,
    jobs_media: () => ({ url: MEDIA_URL }),
    endpoints_list: () => [
      endpointView(1, { url: 'https://hooks.example.com/transcripts' }),
      endpointView(2, { url: 'https://crm.example.org/in' }),
    ],
    ...handlers,
  });
  mockConvertFileSrc('linux');
  return calls;
}

function byId(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`no #${id}`);
    return element;
  });
}

const commands = (calls: { cmd: string; args: unknown }[], cmd: string) =>
  calls.filter((c) => c.cmd === cmd).map((c) => c.args);

beforeEach(() => {
  location.hash = '';
});

afterEach(() => {
  clearMocks();
  live.queue = {};
});

describe('Transcript: states', () => {
  it('says it is loading, then shows the recording with its facts', async () => {
    const reply = deferred<JobDetail>();
    const calls = engine({ jobs_show: () => reply.promise });
    render(Transcript, { job: 7 });
    expect(textOf(await screen.findByRole('status'))).toContain('Loading…');
    reply.resolve(DETAIL);
    expect(await screen.findByRole('heading', { level: 1, name: 'team call.wav' })).toBeTruthy();
    expect(screen.getByText(/3 min · English · base\.en · Transcribed /)).toBeTruthy();
    expect(commands(calls, 'jobs_show')).toEqual([{ id: 7 }]);
  });

  it('says the transcript no longer exists, with the way to History', async () => {
    engine({
      jobs_show: () => {
        throw engineError('no job 7', 'not_found');
      },
    });
    render(Transcript, { job: 7 });
    expect(await screen.findByText('This transcript no longer exists')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Open History' }));
    await waitFor(() => expect(router.route).toEqual({ view: 'history' }));
  });

  it('says what failed, and loads again on Retry', async () => {
    let fail = true;
    engine({
      jobs_show: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return DETAIL;
      },
    });
    render(Transcript, { job: 7 });
    const alert = await screen.findByRole('alert');
    expect(textOf(alert)).toContain('This transcript could not be loaded');
    expect(textOf(alert)).toContain('database is locked');
    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'team call.wav' })).toBeTruthy();
  });

  it('loads again when the engine says jobs or deliveries changed, keeping the text', async () => {
    const calls = engine();
    render(Transcript, { job: 7 });
    await byId('segments');
    live.bump('deliveries');
    await waitFor(() => expect(commands(calls, 'jobs_show')).toHaveLength(2));
    live.bump('jobs');
    await waitFor(() => expect(commands(calls, 'jobs_show')).toHaveLength(3), { timeout: 2000 });
    expect(document.getElementById('segments')).not.toBeNull();
    // The recording is allowed for playback once.
    expect(commands(calls, 'jobs_media')).toEqual([{ id: 7 }]);
  });
});

describe('Transcript: text and playback', () => {
  beforeEach(() => {
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
  });

  it('plays the recording from the app\'s media server, its segments each with their time', async () => {
    engine();
    render(Transcript, { job: 7 });
    const player = (await byId('player')) as HTMLAudioElement;
    expect(player.getAttribute('src')).toBe(MEDIA_URL);
    const segments = document.getElementById('segments')!;
    expect(within(segments).getAllByRole('listitem')).toHaveLength(3);
    expect(textOf(document.getElementById('segment-1'))).toBe('0:04 Today we talk about hello worlds.');
    expect(within(segments).getByRole('button', { name: '0:12' })).toBeTruthy();
  });

  it('seeks and plays from a segment, and marks the segment playing', async () => {
    engine();
    render(Transcript, { job: 7 });
    const player = (await byId('player')) as HTMLAudioElement;
    await fireEvent.click(screen.getByRole('button', { name: '0:12' }));
    expect(player.currentTime).toBe(12);
    expect(HTMLMediaElement.prototype.play).toHaveBeenCalled();
    expect(document.getElementById('segment-2')!.getAttribute('aria-current')).toBe('true');

    // Clicking the text of a segment seeks too.
    await fireEvent.click(within(document.getElementById('segment-0')!).getByText('Hello and welcome.'));
    expect(player.currentTime).toBe(0);

    player.currentTime = 6.2;
    await fireEvent(player, new Event('timeupdate'));
    expect(document.getElementById('segment-1')!.getAttribute('aria-current')).toBe('true');
    expect(document.getElementById('segment-0')!.getAttribute('aria-current')).toBeNull();
    expect(document.querySelectorAll('[aria-current="true"]')).toHaveLength(1);

    // Between segments the last one stays current; after the end, none.
    player.currentTime = 10;
    await fireEvent(player, new Event('timeupdate'));
    expect(document.getElementById('segment-1')!.getAttribute('aria-current')).toBe('true');
    player.currentTime = 25;
    await fireEvent(player, new Event('timeupdate'));
    expect(document.querySelectorAll('#segments [aria-current="true"]')).toHaveLength(0);
  });

  it('says where the recording was expected when it cannot be played, and keeps the text', async () => {
    engine();
    render(Transcript, { job: 7 });
    const player = await byId('player');
    await fireEvent(player, new Event('error'));
    expect(textOf(await screen.findByRole('alert'))).toContain(`The recording is not at ${PATH} any more`);
    expect(document.getElementById('segments')).not.toBeNull();
  });

  it('says why the recording cannot be played when the engine refuses it', async () => {
    engine({
      jobs_media: () => {
        throw engineError(`cannot play ${PATH}: forbidden path`, 'internal');
      },
    });
    render(Transcript, { job: 7 });
    expect(textOf(await byId('player-problem'))).toContain(`The recording cannot be played: cannot play ${PATH}`);
    expect(document.getElementById('player')).toBeNull();
    expect(document.getElementById('segments')).not.toBeNull();
  });

  it('finds text: marks every match, counts them, Enter and Shift+Enter move between them', async () => {
    engine();
    render(Transcript, { job: 7 });
    await byId('segments');
    const find = screen.getByRole('searchbox', { name: 'Find in text' }) as HTMLInputElement;

    await fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(find);

    await fireEvent.input(find, { target: { value: 'HELLO' } });
    const marks = document.querySelectorAll('#segments mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['Hello', 'hello', 'hello']);
    expect(textOf(document.getElementById('find-count'))).toBe('1 of 3');
    expect(marks[0].classList.contains('active')).toBe(true);

    await fireEvent.keyDown(find, { key: 'Enter' });
    expect(textOf(document.getElementById('find-count'))).toBe('2 of 3');
    expect(document.querySelector('#segment-1 mark.active')?.textContent).toBe('hello');
    await fireEvent.keyDown(find, { key: 'Enter' });
    await fireEvent.keyDown(find, { key: 'Enter' });
    expect(textOf(document.getElementById('find-count'))).toBe('1 of 3');
    await fireEvent.keyDown(find, { key: 'Enter', shiftKey: true });
    expect(textOf(document.getElementById('find-count'))).toBe('3 of 3');
    expect(document.querySelector('#segment-2 mark.active')?.textContent).toBe('hello');

    await fireEvent.input(find, { target: { value: 'goodbye' } });
    expect(textOf(document.getElementById('find-count'))).toBe('No matches');
    expect(document.querySelectorAll('#segments mark')).toHaveLength(0);

    await fireEvent.keyDown(find, { key: 'Escape' });
    expect(find.value).toBe('');
  });

  it('says so when no speech was heard', async () => {
    engine({}, jobDetail(JOB, transcriptView(7, [])));
    render(Transcript, { job: 7 });
    expect(await screen.findByText('No speech was heard in this recording.')).toBeTruthy();
  });
});

describe('Transcript: actions', () => {
  it('copies the text', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({ 'plugin:clipboard-manager|write_text': () => null });
    render(Transcript, { job: 7 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Copy text' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Copied the transcript'));
    expect(commands(calls, 'plugin:clipboard-manager|write_text')).toEqual([
      expect.objectContaining({ text: TRANSCRIPT.text }),
    ]);
  });

  it('exports to the file chosen in the save dialog', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({
      'plugin:dialog|save': () => '/home/ada/team call.srt',
      jobs_export_to: ({ path }) => path,
    });
    render(Transcript, { job: 7 });
    await fireEvent.keyDown(await byId('export'), { key: 'Enter' });
    await fireEvent.click(await byId('export-srt'));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Exported to /home/ada/team call.srt'));
    expect(commands(calls, 'plugin:dialog|save')).toEqual([
      { options: { defaultPath: 'team call.srt', filters: [{ name: 'SubRip subtitles', extensions: ['srt'] }] } },
    ]);
    expect(commands(calls, 'jobs_export_to')).toEqual([{ id: 7, format: 'srt', path: '/home/ada/team call.srt' }]);
  });

  it('exports nothing when the save dialog is closed, and says why an export failed', async () => {
    let chosen: string | null = null;
    const calls = engine({
      'plugin:dialog|save': () => chosen,
      jobs_export_to: () => {
        throw engineError('permission denied: /read-only/team call.json', 'invalid_input', 'path');
      },
    });
    render(Transcript, { job: 7 });
    await fireEvent.keyDown(await byId('export'), { key: 'Enter' });
    await fireEvent.click(await byId('export-txt'));
    await settle();
    expect(commands(calls, 'jobs_export_to')).toEqual([]);

    chosen = '/read-only/team call.json';
    await fireEvent.keyDown(document.getElementById('export')!, { key: 'Enter' });
    await fireEvent.click(await byId('export-json'));
    expect(textOf(await byId('action-error'))).toBe(
      'Could not export team call.wav: permission denied: /read-only/team call.json',
    );
    expect(commands(calls, 'jobs_export_to')).toEqual([{ id: 7, format: 'json', path: '/read-only/team call.json' }]);
  });

  it('sends to the webhooks again and says to how many', async () => {
    const success = vi.spyOn(toast, 'success');
    const info = vi.spyOn(toast, 'info');
    let sent = [messageView(40), messageView(41, { endpoint_id: 2 })];
    const calls = engine({ jobs_resend: () => sent });
    render(Transcript, { job: 7 });
    await fireEvent.click(await byId('resend'));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Sent to 2 endpoints'));
    sent = [];
    await fireEvent.click(document.getElementById('resend')!);
    await waitFor(() => expect(info).toHaveBeenCalledWith('No endpoint is subscribed', expect.anything()));
    expect(commands(calls, 'jobs_resend')).toEqual([{ id: 7 }, { id: 7 }]);
  });

  it('reveals the recording in its folder, and says when it cannot', async () => {
    let fail = false;
    const calls = engine({
      'plugin:opener|reveal_item_in_dir': () => {
        if (fail) throw 'file not found';
        return null;
      },
    });
    render(Transcript, { job: 7 });
    await fireEvent.click(await byId('reveal'));
    await waitFor(() => expect(commands(calls, 'plugin:opener|reveal_item_in_dir')).toEqual([{ paths: [PATH] }]));
    expect(document.getElementById('action-error')).toBeNull();
    fail = true;
    await fireEvent.click(document.getElementById('reveal')!);
    expect(textOf(await byId('action-error'))).toBe(`Could not show ${PATH}: file not found`);
  });

  it('lists the webhook messages with their endpoint, and opens one in Deliveries', async () => {
    engine();
    render(Transcript, { job: 7 });
    const delivered = await byId('job-delivery-31');
    await waitFor(() => expect(textOf(delivered)).toContain('https://hooks.example.com/transcripts'));
    expect(textOf(delivered)).toContain('Delivered');
    expect(textOf(delivered)).toContain('1 attempt');
    const failed = document.getElementById('job-delivery-30')!;
    expect(textOf(failed)).toContain('https://crm.example.org/in');
    expect(textOf(failed)).toContain('Failed');
    expect(textOf(failed)).toContain('5 attempts');
    await fireEvent.click(failed);
    await waitFor(() => expect(router.route).toEqual({ view: 'deliveries', message: 30 }));
  });

  it("shows a job's own webhook URL (from the local API) by its URL", async () => {
    engine(
      {},
      jobDetail(JOB, TRANSCRIPT, {
        deliveries: [
          messageView(32, { endpoint_id: 77, endpoint_url: 'https://ci.example.net/hook', job_webhook: true }),
        ],
      }),
    );
    render(Transcript, { job: 7 });
    const own = await byId('job-delivery-32');
    await waitFor(() => expect(textOf(own)).toContain('https://ci.example.net/hook'));
    expect(textOf(own)).not.toContain('removed');
  });

  it('says when nothing was sent to a webhook', async () => {
    engine({}, jobDetail(JOB, TRANSCRIPT));
    render(Transcript, { job: 7 });
    expect(await screen.findByText(/Not sent to any webhook: no endpoint was subscribed/)).toBeTruthy();
  });
});

describe('Transcript: jobs not transcribed', () => {
  it('shows why a job failed, and retries it', async () => {
    const success = vi.spyOn(toast, 'success');
    const failed = jobView(7, { status: 'failed', file_name: 'team call.wav', error: 'model base.en is not installed', transcript_id: null });
    const calls = engine({ jobs_retry: () => ({ ...failed, status: 'queued' }) }, jobDetail(failed, null));
    render(Transcript, { job: 7 });
    const card = await byId('job-error');
    expect(textOf(card)).toContain('Transcription failed');
    expect(textOf(card)).toContain('model base.en is not installed');
    expect(document.getElementById('player')).toBeNull();
    await fireEvent.click(within(card).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Queued team call.wav again'));
    expect(commands(calls, 'jobs_retry')).toEqual([{ id: 7 }]);
    expect(commands(calls, 'jobs_media')).toEqual([]);
  });

  it('follows a running job’s progress, and cancels it', async () => {
    const running = jobView(7, { status: 'running', stage: 'decoding', progress: 0, file_name: 'team call.wav', transcript_id: null });
    const calls = engine({ jobs_cancel: () => ({ ...running, status: 'cancelled' }) }, jobDetail(running, null));
    live.queue = { 7: { job: running, stage: 'decoding', percent: 0, eta: null } };
    render(Transcript, { job: 7 });
    const card = await byId('job-progress');
    expect(textOf(card)).toContain('Decoding · 0%');
    live.handle({ type: 'job_progress', job: 7, stage: 'transcribing', percent: 42, eta_seconds: 130 });
    await waitFor(() => expect(textOf(card)).toContain('Transcribing · 42% · about 2 min left'));
    expect(within(card).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('42');
    expect(document.getElementById('resend')).toBeNull();
    await fireEvent.click(within(card).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(commands(calls, 'jobs_cancel')).toEqual([{ id: 7 }]));
  });
});
