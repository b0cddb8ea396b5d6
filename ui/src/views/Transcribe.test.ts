import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import Transcribe from './Transcribe.svelte';
import { choices } from '../lib/choices.svelte';
import { live } from '../lib/live.svelte';
import { router } from '../lib/router.svelte';
import { deferred, engineError, mockCommands, settle, type Handler } from '../lib/test-ipc';
import { jobView, modelListing, page, settingValue, textOf } from './transcribe/fixtures';
import { RECORDING_EXTENSIONS } from './transcribe/languages';

const RECENT = [
  jobView(9, { file_name: 'interview.m4a', audio_seconds: 185, preview: 'Welcome to the show.' }),
  jobView(8, { status: 'failed', file_name: 'broken.wav', error: 'The file is not audio: no stream found', transcript_id: null }),
  jobView(7, { status: 'cancelled', file_name: 'long.mp3', transcript_id: null }),
  jobView(6, { status: 'running', file_name: 'now.wav', transcript_id: null }),
];

/** The engine with two installed models (tiny.en the default), the recent jobs and anything else told. */
function engine(handlers: Record<string, Handler> = {}) {
  return mockCommands({
    jobs_list: () => page(RECENT),
    models_list: () => [
      modelListing('tiny.en', { default: true }),
      modelListing('base'),
      modelListing('small', { installed: false, path: null }),
    ],
    settings_list: () => [settingValue('model', 'tiny.en'), settingValue('language', 'auto'), settingValue('threads', 'auto')],
    ...handlers,
  });
}

const recent = () => document.getElementById('recent')!;

/** The element with this id, once it is there. */
function byId(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`no #${id}`);
    return element;
  });
}

beforeEach(() => {
  location.hash = '';
});

afterEach(() => {
  clearMocks();
  live.queue = {};
  choices.model = null;
  choices.language = null;
});

describe('Transcribe: recent results', () => {
  it('says it is loading until the jobs come', async () => {
    const reply = deferred<unknown>();
    engine({ jobs_list: () => reply.promise });
    render(Transcribe);
    expect(textOf(await within(recent()).findByRole('status'))).toContain('Loading…');
    reply.resolve(page(RECENT));
    expect(await screen.findByText('interview.m4a')).toBeTruthy();
  });

  it('lists the finished jobs of the last ten: opens a transcript, shows why one failed', async () => {
    const calls = engine();
    render(Transcribe);
    const row = await screen.findByText('interview.m4a');
    expect(calls.filter((c) => c.cmd === 'jobs_list').map((c) => c.args)).toEqual([{ query: { limit: 10 } }]);
    const completed = document.getElementById('recent-job-9')!;
    expect(textOf(completed)).toContain('3 min');
    expect(textOf(completed)).toContain('Welcome to the show.');
    expect(textOf(document.getElementById('recent-job-8'))).toContain('The file is not audio: no stream found');
    expect(textOf(document.getElementById('recent-job-7'))).toContain('Cancelled');
    // Running jobs are in the queue, not here.
    expect(within(recent()).queryByText('now.wav')).toBeNull();

    await fireEvent.click(row);
    await waitFor(() => expect(router.route).toEqual({ view: 'transcript', job: 9 }));
    expect(screen.getByRole('link', { name: 'All transcripts' }).getAttribute('href')).toBe('#/history');
  });

  it('moves between the rows with the arrow keys', async () => {
    engine();
    render(Transcribe);
    const first = (await screen.findByText('interview.m4a')).closest('button')!;
    first.focus();
    await fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(document.activeElement?.id).toBe('retry-job-8');
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement?.id).toBe('retry-job-7');
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(first);
  });

  it('retries a failed and a cancelled job', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({ jobs_retry: ({ id }) => jobView(id as number, { status: 'queued' }) });
    render(Transcribe);
    await fireEvent.click(await screen.findByRole('button', { name: 'Retry broken.wav' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Queued broken.wav again'));
    await fireEvent.click(document.getElementById('retry-job-7')!);
    await waitFor(() => expect(success).toHaveBeenCalledWith('Queued long.mp3 again'));
    expect(calls.filter((c) => c.cmd === 'jobs_retry').map((c) => c.args)).toEqual([{ id: 8 }, { id: 7 }]);
  });

  it('shows why a retry failed next to the job', async () => {
    engine({
      jobs_retry: () => {
        throw engineError('the recording is gone: /recordings/broken.wav', 'not_found');
      },
    });
    render(Transcribe);
    await fireEvent.click(await screen.findByRole('button', { name: 'Retry broken.wav' }));
    expect(textOf(await within(document.getElementById('recent-job-8')!).findByRole('alert'))).toContain(
      'Could not retry: the recording is gone: /recordings/broken.wav',
    );
  });

  it('says what to do when nothing was transcribed yet, with the picker as the next step', async () => {
    const calls = engine({ jobs_list: () => page([]), 'plugin:dialog|open': () => null });
    render(Transcribe);
    expect(await screen.findByText('No finished transcripts yet')).toBeTruthy();
    await fireEvent.click(within(recent()).getByRole('button', { name: 'Choose files…' }));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'plugin:dialog|open')).toBe(true));
  });

  it('says what failed, and loads again on Retry', async () => {
    let fail = true;
    engine({
      jobs_list: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return page(RECENT);
      },
    });
    render(Transcribe);
    const alert = await within(recent()).findByRole('alert');
    expect(textOf(alert)).toContain('Recent transcripts could not be loaded');
    expect(textOf(alert)).toContain('database is locked');
    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('interview.m4a')).toBeTruthy();
  });

  it('loads again when the engine says jobs changed', async () => {
    const calls = engine();
    render(Transcribe);
    await screen.findByText('interview.m4a');
    live.bump('jobs');
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'jobs_list')).toHaveLength(2));
  });
});

describe('Transcribe: choosing recordings', () => {
  it('opens the file picker for recordings and queues what was chosen', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({
      'plugin:dialog|open': () => ['/rec/a.wav', '/rec/b.mp3'],
      jobs_add: () => [jobView(20, { status: 'queued' }), jobView(21, { status: 'queued' })],
    });
    render(Transcribe);
    await fireEvent.click(screen.getByRole('button', { name: 'Choose files…' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Queued 2 recordings'));
    expect(calls.find((c) => c.cmd === 'plugin:dialog|open')!.args).toEqual({
      options: {
        multiple: true,
        directory: false,
        filters: [{ name: 'Recordings', extensions: RECORDING_EXTENSIONS }],
      },
    });
    expect(calls.find((c) => c.cmd === 'jobs_add')!.args).toEqual({
      request: { paths: ['/rec/a.wav', '/rec/b.mp3'], options: {}, recursive: true },
    });
  });

  it('queues with the model and language chosen here', async () => {
    const calls = engine({
      'plugin:dialog|open': () => ['/rec/a.wav'],
      jobs_add: () => [jobView(20, { status: 'queued' })],
    });
    render(Transcribe);
    const model = screen.getByLabelText('Model') as HTMLSelectElement;
    await waitFor(() => expect(within(model).getByRole('option', { name: 'base' })).toBeTruthy());
    // Only installed models are offered.
    expect(within(model).queryByRole('option', { name: 'small' })).toBeNull();
    await fireEvent.change(model, { target: { value: 'base' } });
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'de' } });
    expect(choices.model).toBe('base');
    expect(choices.language).toBe('de');
    await fireEvent.click(document.getElementById('drop-zone')!);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'jobs_add')?.args).toEqual({
        request: { paths: ['/rec/a.wav'], options: { model: 'base', language: 'de' }, recursive: true },
      }),
    );
  });

  it('keeps what was chosen before (the choices outlive the view), and drops a model removed since', async () => {
    choices.model = 'base';
    choices.language = 'de';
    engine();
    const first = render(Transcribe);
    const model = screen.getByLabelText('Model') as HTMLSelectElement;
    await waitFor(() => expect(model.options).toHaveLength(3));
    expect(model.value).toBe('base');
    expect((screen.getByLabelText('Language') as HTMLSelectElement).value).toBe('de');
    first.unmount();

    engine({ models_list: () => [modelListing('tiny.en')] });
    render(Transcribe);
    await waitFor(() => expect(choices.model).toBeNull());
    expect((screen.getByLabelText('Model') as HTMLSelectElement).value).toBe('');
    expect(choices.language).toBe('de');
  });

  it('opens the file picker with Ctrl+O, and queues nothing when it is closed', async () => {
    const calls = engine({ 'plugin:dialog|open': () => null });
    render(Transcribe);
    await fireEvent.keyDown(window, { key: 'o', ctrlKey: true });
    await waitFor(() => expect(calls.some((c) => c.cmd === 'plugin:dialog|open')).toBe(true));
    await settle();
    expect(calls.some((c) => c.cmd === 'jobs_add')).toBe(false);
  });

  it('queues every recording in a chosen folder', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({
      'plugin:dialog|open': () => '/rec/meetings',
      jobs_add: () => [jobView(30, { status: 'queued', file_name: 'monday.wav' })],
    });
    render(Transcribe);
    await fireEvent.click(screen.getByRole('button', { name: 'Choose folder…' }));
    await waitFor(() => expect(success).toHaveBeenCalledWith('Queued monday.wav'));
    expect(calls.find((c) => c.cmd === 'plugin:dialog|open')!.args).toEqual({ options: { directory: true } });
    expect(calls.find((c) => c.cmd === 'jobs_add')!.args).toEqual({
      request: { paths: ['/rec/meetings'], options: {}, recursive: true },
    });
  });

  it('says why the recordings could not be queued', async () => {
    const error = vi.spyOn(toast, 'error');
    engine({
      'plugin:dialog|open': () => ['/rec/notes.txt'],
      jobs_add: () => {
        throw engineError('/rec/notes.txt is not a recording', 'invalid_input', 'paths');
      },
    });
    render(Transcribe);
    await fireEvent.click(document.getElementById('choose-files')!);
    await waitFor(() => expect(error).toHaveBeenCalledWith('/rec/notes.txt is not a recording'));
  });

  it('names the defaults and says an English-only model needs a multilingual one for other languages', async () => {
    engine();
    render(Transcribe);
    expect(await screen.findByRole('option', { name: 'Default (tiny.en)' })).toBeTruthy();
    expect(screen.getByRole('option', { name: 'Default (Auto-detect)' })).toBeTruthy();
    expect(screen.getByText(/tiny\.en understands English only; other languages need a multilingual model/)).toBeTruthy();
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'fr' } });
    expect(screen.getByText(/For French, choose a multilingual model/)).toBeTruthy();
    await fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'base' } });
    expect(screen.queryByText(/understands English only/)).toBeNull();
  });

  it('sends to Models instead of queueing when no model is installed', async () => {
    engine({ models_list: () => [modelListing('tiny.en', { installed: false, path: null })] });
    render(Transcribe);
    expect(await screen.findByText('Install a model first')).toBeTruthy();
    expect((document.getElementById('choose-files') as HTMLButtonElement).disabled).toBe(true);
    expect((document.getElementById('choose-folder') as HTMLButtonElement).disabled).toBe(true);
    expect(document.getElementById('drop-zone')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Open Models' }));
    await waitFor(() => expect(router.route).toEqual({ view: 'models' }));
  });
});

describe('Transcribe: the queue', () => {
  it('shows each job with its stage, percent and time left, and cancels one', async () => {
    const success = vi.spyOn(toast, 'success');
    const calls = engine({ jobs_cancel: ({ id }) => jobView(id as number, { status: 'cancelled' }) });
    render(Transcribe);
    expect(document.getElementById('queue')).toBeNull();
    live.handle({ type: 'job_queued', job: jobView(1, { status: 'queued', file_name: 'first.wav', transcript_id: null }) });
    live.handle({ type: 'job_queued', job: jobView(2, { status: 'queued', file_name: 'second.wav', transcript_id: null }) });
    live.handle({ type: 'job_started', job: 1, path: '/recordings/first.wav' });
    live.handle({ type: 'job_progress', job: 1, stage: 'transcribing', percent: 42, eta_seconds: 130 });

    const first = await byId('queue-job-1');
    expect(textOf(first)).toContain('first.wav');
    expect(textOf(first)).toContain('Transcribing · 42% · about 2 min left');
    expect(within(first).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('42');
    const second = document.getElementById('queue-job-2')!;
    expect(textOf(second)).toContain('Waiting');
    expect(within(second).queryByRole('progressbar')).toBeNull();

    await fireEvent.click(document.getElementById('cancel-job-1')!);
    await waitFor(() => expect(success).toHaveBeenCalledWith('Cancelled first.wav'));
    expect(calls.find((c) => c.cmd === 'jobs_cancel')!.args).toEqual({ id: 1 });

    live.handle({ type: 'job_cancelled', job: 1 });
    await waitFor(() => expect(document.getElementById('queue-job-1')).toBeNull());
  });

  it('shows the decoding stage, and why a cancel failed at the job', async () => {
    engine({
      jobs_cancel: () => {
        throw engineError('job 3 already finished', 'conflict');
      },
    });
    render(Transcribe);
    live.handle({ type: 'job_queued', job: jobView(3, { status: 'queued', file_name: 'third.wav' }) });
    live.handle({ type: 'job_started', job: 3, path: '/recordings/third.wav' });
    live.handle({ type: 'job_progress', job: 3, stage: 'decoding', percent: 5, eta_seconds: null });
    const row = await byId('queue-job-3');
    expect(textOf(row)).toContain('Decoding · 5%');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel third.wav' }));
    expect(textOf(await within(row).findByRole('alert'))).toContain('Could not cancel: job 3 already finished');
  });
});
