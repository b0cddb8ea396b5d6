// End to end in the real Hookscribe window, driven as a user drives it: clicking, typing,
// dropping files, the native file dialogs (through X input), closing the window, a second
// launch. Run by scripts/e2e.sh (see README.md in this folder) under Xvfb with a D-Bus
// session, with tauri-driver listening and these variables:
//   HOOKSCRIBE_DESKTOP_BIN   the built app (custom-protocol build), absolute
//   HOOKSCRIBE_CLI_BIN       the `hookscribe` CLI (to read what the engine did)
//   HOOKSCRIBE_HOME          the data folder (set up with the test model)
//   HOOKSCRIBE_E2E_SPEECH    a folder with speech-1.wav … speech-4.wav and their .txt
//   HOOKSCRIBE_E2E_INBOX     a watched folder (empty at the start)
//   HOOKSCRIBE_E2E_OUT       where exports and screenshots go
//   HOOKSCRIBE_EXPECT_VERSION, HOOKSCRIBE_EXPECT_MODEL   what Settings → About must show
//
// The steps share one app session and run in order: each builds on what the previous left.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Window, poll, screenshot, sleep, xdotool } from './driver.mjs';

const BIN = process.env.HOOKSCRIBE_DESKTOP_BIN;
const CLI = process.env.HOOKSCRIBE_CLI_BIN;
const SPEECH = process.env.HOOKSCRIBE_E2E_SPEECH;
const INBOX = process.env.HOOKSCRIBE_E2E_INBOX;
const OUT = process.env.HOOKSCRIBE_E2E_OUT;
const EXPECT_VERSION = process.env.HOOKSCRIBE_EXPECT_VERSION;
const EXPECT_MODEL = process.env.HOOKSCRIBE_EXPECT_MODEL;
const WM_CLOSE = process.env.HOOKSCRIBE_E2E_WM_CLOSE;

const speech = (n) => join(SPEECH, `speech-${n}.wav`);
const said = (n) => readFileSync(join(SPEECH, `speech-${n}.txt`), 'utf8').trim();

/** The engine's view through the CLI (another process on the same database). */
function cli(...args) {
  return JSON.parse(execFileSync(CLI, [...args, '--json'], { encoding: 'utf8' }));
}
const jobs = () => cli('jobs', 'list', '--limit', '100').items;

/** Waits for the job of `fileName` to finish; returns it. */
async function finished(fileName, timeoutMs = 120_000) {
  const job = await poll(timeoutMs, async () =>
    jobs().find((j) => j.file_name === fileName && ['completed', 'failed', 'cancelled'].includes(j.status)),
  );
  assert.ok(job, `expected a finished job for ${fileName} within ${timeoutMs / 1000} s; jobs: ${JSON.stringify(jobs())}`);
  assert.equal(job.status, 'completed', `${fileName}: ${job.error}`);
  return job;
}

/** Word error rate after lower-casing and dropping punctuation (enough for these clips). */
function wer(reference, hypothesis) {
  const words = (t) => t.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
  const r = words(reference);
  const h = words(hypothesis);
  const d = Array.from({ length: r.length + 1 }, (_, i) => [i, ...Array(h.length).fill(0)]);
  for (let j = 1; j <= h.length; j++) d[0][j] = j;
  for (let i = 1; i <= r.length; i++) {
    for (let j = 1; j <= h.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1));
    }
  }
  return d[r.length][h.length] / Math.max(1, r.length);
}

/** A webhook receiver on 127.0.0.1 that answers `status` and keeps what it got. */
async function receiver() {
  const state = { status: 200, received: [] };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(state.status).end(state.status < 300 ? 'ok' : 'the receiver is failing on purpose');
    });
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  state.url = `http://127.0.0.1:${server.address().port}/hooks/e2e`;
  state.server = server;
  state.waitFor = async (count, timeoutMs = 60_000) => {
    const ok = await poll(timeoutMs, async () => (state.received.length >= count ? true : undefined));
    assert.ok(ok, `expected ${count} requests at the receiver within ${timeoutMs / 1000} s, got ${state.received.length}`);
    return state.received[count - 1];
  };
  return state;
}

/** Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.timestamp.body")), key = base64 after whsec_. */
function signatureValid(secret, { headers, body }) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body]);
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(headers['webhook-signature'] ?? '').split(' ').includes(expected);
}

/** Drives the GTK file dialog the app opened: types `path` where a user would. */
async function answerFileDialog(path, { save = false } = {}) {
  const dialog = await poll(15_000, async () => {
    try {
      const ids = xdotool('search', '--onlyvisible', '--name', 'Open|Save|Select|Choose').split('\n').filter(Boolean);
      return ids.length ? ids[ids.length - 1] : undefined;
    } catch {
      return undefined; // none yet
    }
  });
  assert.ok(dialog, 'expected the native file dialog to open');
  await sleep(700); // the dialog takes its focus
  xdotool('windowfocus', '--sync', dialog);
  if (save) {
    // The name field has focus, with the name's stem selected: replace all of it.
    xdotool('key', '--clearmodifiers', 'ctrl+a', 'BackSpace');
  } else {
    xdotool('key', '--clearmodifiers', 'ctrl+l'); // the location field
  }
  await sleep(300);
  xdotool('type', '--delay', '15', path);
  await sleep(400);
  xdotool('key', 'Return');
}

/** The app's own process (not its transcription workers). */
function appProcesses() {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) !== BIN) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!args.includes('worker')) pids.push(Number(pid));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

function visibleWindow() {
  try {
    return xdotool('search', '--onlyvisible', '--name', '^Hookscribe$') !== '';
  } catch {
    return false;
  }
}

let win;
let hooks;
let secret;
const shots = [];

/** Screenshot of the whole display, named for the view and theme. */
async function shot(name) {
  await sleep(600); // let transitions and fetches settle
  const file = join(OUT, `${name}.png`);
  screenshot(file);
  shots.push(file);
}

/** A test step that leaves a screenshot of the display behind when it fails. */
function step(name, fn) {
  test(name, async () => {
    try {
      await fn();
    } catch (error) {
      try {
        screenshot(join(OUT, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`));
      } catch {
        // no display to capture
      }
      throw error;
    }
  });
}

describe('Hookscribe desktop window', () => {
  before(async () => {
    for (const [name, value] of Object.entries({ BIN, CLI, SPEECH, INBOX, OUT, EXPECT_VERSION, EXPECT_MODEL, WM_CLOSE })) {
      assert.ok(value, `${name} must be set (see tests/e2e/README.md)`);
    }
    assert.ok(existsSync(BIN), `the app is not at ${BIN}`);
    mkdirSync(OUT, { recursive: true });
    hooks = await receiver();
    win = await Window.open(BIN);
  });

  after(async () => {
    hooks?.server.close();
    await win?.close();
    // Closed to the tray, the app keeps running: end it.
    for (const pid of appProcesses()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  step('the window opens on Transcribe and invites a drop', async () => {
    assert.equal(await win.title(), 'Hookscribe');
    await win.waitFor('#drop-zone', { text: 'Drop recordings here' });
    await win.waitFor('#nav-transcribe[aria-current="page"]');
    await shot('transcribe-empty-light');
  });

  step('an endpoint added in the Webhooks view shows its secret once', async () => {
    await win.go('webhooks');
    await win.waitFor('#main', { text: 'No webhook endpoints yet' });
    await shot('webhooks-empty-light');
    await win.click('#add-endpoint');
    await win.type('#endpoint-url', 'ftp://not-a-webhook');
    await win.click('#endpoint-save');
    await win.waitFor('#endpoint-form', { text: /http:\/\/ or https:\/\// });
    await win.type('#endpoint-url', hooks.url);
    await win.type('#endpoint-description', 'End-to-end receiver');
    await win.click('#endpoint-save');
    secret = await win.text('#new-secret-value', { text: 'whsec_' });
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    await win.click('#new-secret-done');
    await win.waitGone('#new-secret');
    await win.waitFor('#endpoint-1', { text: hooks.url });
    const card = await win.text('#endpoint-1');
    assert.ok(!card.includes(secret.slice(6)), 'the card shows the secret masked');
  });

  step('a recording dropped on the window is transcribed and delivered, signed', async () => {
    await win.go('transcribe');
    // The window's own drag-and-drop event, as the shell emits it for a real drop.
    await win.invoke('plugin:event|emit', {
      event: 'tauri://drag-drop',
      payload: { paths: [speech(1)], position: { x: 600, y: 300 } },
    });
    await win.waitFor('#queue [id^="queue-job-"]');
    await shot('transcribe-queue-light');
    const job = await finished('speech-1.wav');
    await win.waitGone('#queue');
    await win.waitFor(`#recent-job-${job.id}`, { text: 'speech-1.wav' });
    await shot('transcribe-light');
    const request = await hooks.waitFor(1);
    assert.ok(signatureValid(secret, request), `expected a valid signature, headers ${JSON.stringify(request.headers)}`);
    const body = JSON.parse(request.body);
    assert.equal(body.type, 'transcription.completed');
    assert.equal(body.data.job_id, job.id);
    assert.ok(wer(said(1), body.data.text) <= 0.15, `delivered text ${JSON.stringify(body.data.text)}`);
  });

  step('the transcript plays in sync and finds words', async () => {
    const job = jobs().find((j) => j.file_name === 'speech-1.wav');
    await win.click(`#recent-job-${job.id}`);
    await win.waitFor('#segments', { text: 'meeting' });
    assert.equal(await win.run('return location.hash'), `#/transcript/${job.id}`);
    await win.type('#find', 'meeting');
    await win.waitFor('#find-count', { text: /1 of \d/ });
    await win.waitFor('#segments mark');
    // The recording plays (streamed from the app's loopback media server: WebKitGTK
    // cannot play custom schemes), and clicking a segment seeks to it.
    const media = `const a = document.querySelector('#player');
      return { src: a.src, error: a.error && a.error.code, duration: a.duration, time: a.currentTime };`;
    const loaded = await poll(10_000, async () => {
      const m = await win.run(media);
      return m.duration > 0 || m.error ? m : undefined;
    });
    assert.ok(loaded && !loaded.error, `the recording loads in the player: ${JSON.stringify(loaded)}`);
    assert.match(loaded.src, /^http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{32}$/);
    assert.ok(Math.abs(loaded.duration - 4) < 1.5, `duration ${loaded.duration} s`);
    await win.run(`document.querySelector('#player').play()`);
    const played = await poll(10_000, async () => {
      const m = await win.run(media);
      return m.time > 1 ? m : undefined;
    });
    assert.ok(played, 'the recording plays');
    await win.run(`document.querySelector('#player').pause()`);
    await win.click('#segment-0');
    const seeked = await poll(5_000, async () => {
      const m = await win.run(media);
      return m.time < 0.5 ? m : undefined;
    });
    assert.ok(seeked, 'clicking the first segment seeks back to its start');
    await win.waitGone('#player-problem');
    await shot('transcript-light');
  });

  step('Export writes an SRT file chosen in the save dialog', async () => {
    const target = join(OUT, 'exported.srt');
    await win.click('#export');
    await win.click('#export-srt');
    await answerFileDialog(target, { save: true });
    const written = await poll(15_000, async () => (existsSync(target) ? readFileSync(target, 'utf8') : undefined));
    assert.ok(written, `expected ${target} to be written`);
    assert.match(written, /^1\r?\n00:00:0\d,\d{3} --> /);
    assert.ok(written.toLowerCase().includes('meeting'), written);
  });

  step('History finds the transcript by a word and opens it', async () => {
    await win.go('history');
    const job = jobs().find((j) => j.file_name === 'speech-1.wav');
    await win.waitFor(`#history-row-${job.id}`);
    await shot('history-light');
    await win.type('#history-search', 'Friday');
    await win.waitFor(`#history-row-${job.id} mark`, { text: /friday/i });
    await shot('history-search-light');
    await win.click(`#history-row-${job.id} td`);
    await win.waitFor('#segments');
    assert.equal(await win.run('return location.hash'), `#/transcript/${job.id}`);
  });

  step('the keyboard alone: Ctrl+2 opens History, Ctrl+F searches, arrows and Enter open', async () => {
    const job = jobs().find((j) => j.file_name === 'speech-1.wav');
    const hash = () => win.run('return location.hash');
    const focused = () => win.run('return document.activeElement && document.activeElement.id');
    const until = async (what, get, want) => {
      const got = await poll(10_000, async () => ((await get()) === want ? true : undefined));
      assert.ok(got, `${what}: expected ${want}, have ${await get()}`);
    };
    // Real key presses on the X display, into the focused window, as a keyboard sends them.
    xdotool('windowfocus', '--sync', xdotool('search', '--onlyvisible', '--name', '^Hookscribe$').split('\n')[0]);
    await win.run('document.activeElement && document.activeElement.blur()');
    xdotool('key', '--clearmodifiers', 'ctrl+2');
    await until('Ctrl+2', hash, '#/history');
    xdotool('key', '--clearmodifiers', 'ctrl+f');
    await until('Ctrl+F', focused, 'history-search');
    xdotool('type', '--delay', '20', 'Friday');
    xdotool('key', 'Return');
    await win.waitFor(`#history-row-${job.id} mark`, { text: /friday/i });
    xdotool('key', 'Down');
    await until('ArrowDown from the search box', focused, `history-row-${job.id}`);
    xdotool('key', 'Return');
    await until('Enter on the row', hash, `#/transcript/${job.id}`);
    await win.waitFor('#segments');
  });

  step('a failing receiver: retries, the failure in the detail panel, a replay delivers', async () => {
    hooks.status = 500;
    const before = hooks.received.length;
    await win.click('#resend');
    // The retry schedule is 1s,1s (set by the e2e script): three attempts, then failed.
    await hooks.waitFor(before + 3, 30_000);
    await win.go('deliveries');
    const failed = await poll(30_000, async () =>
      cli('deliveries', 'list', '--status', 'failed').items.find((m) => m.attempts === 3),
    );
    assert.ok(failed, 'expected a failed delivery after 3 attempts');
    await win.click(`#delivery-row-${failed.id} td`);
    await win.waitFor('#delivery-detail', { text: /Gave up after 3 attempts/ });
    for (const n of [1, 2, 3]) await win.waitFor(`#attempt-${n}`, { text: '500' });
    await win.waitFor('#delivery-detail', { text: 'the receiver is failing on purpose' });
    await shot('deliveries-detail-light');
    hooks.status = 200;
    await win.click('#replay');
    await hooks.waitFor(before + 4, 30_000);
    await win.waitFor(`#delivery-row-${failed.id}`, { text: /delivered/i });
    await win.waitFor('#delivery-detail', { text: /Delivered/ });
    assert.ok(signatureValid(secret, hooks.received[before + 3]), 'the replay is signed');
    assert.equal(
      hooks.received[before + 3].headers['webhook-id'],
      hooks.received[before].headers['webhook-id'],
      'a replay keeps its webhook-id',
    );
  });

  step('Choose files… queues what is picked in the native dialog', async () => {
    await win.go('transcribe');
    await win.click('#choose-files');
    await answerFileDialog(speech(2));
    await win.waitFor('#main', { text: 'speech-2.wav' });
    const job = await finished('speech-2.wav');
    assert.ok(wer(said(2), cli('jobs', 'show', String(job.id)).transcript.text) <= 0.15);
    await win.waitFor(`#recent-job-${job.id}`);
  });

  step('the other views show what the engine holds', async () => {
    await win.go('folders');
    await win.waitFor('#folder-1', { text: 'Watching' });
    await shot('folders-light');
    await win.go('models');
    await win.waitFor('#models-table', { text: EXPECT_MODEL });
    await shot('models-light');
    await win.go('webhooks');
    await win.waitFor('#endpoint-1', { text: /delivered/i });
    await shot('webhooks-light');
    await win.go('deliveries');
    await win.waitFor('#deliveries-table');
    await shot('deliveries-light');
    await win.go('settings');
    await win.waitFor('#main', { text: EXPECT_VERSION });
    await win.waitFor('#main', { text: EXPECT_MODEL });
    await shot('settings-light');
  });

  step('the local API, turned on in Settings, answers with the token shown there', async () => {
    const port = await new Promise((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    });
    cli('config', 'set', 'api.port', String(port));
    await win.go('settings');
    await win.waitFor('#api-status', { text: 'Off' });
    await win.click('#setting-api-enabled');
    await win.waitFor('#api-status', { text: `Listening at http://127.0.0.1:${port}/v1`, timeoutMs: 20_000 });
    await win.click('#api-token-reveal');
    const token = (await win.waitFor('#api-token', { text: /^hsk_[0-9a-f]{48}$/ }), await win.textOf('#api-token')).trim();
    await win.run("document.getElementById('api-card').closest('section').scrollIntoView()");
    await shot('settings-api');
    const base = `http://127.0.0.1:${port}/v1`;
    const refused = await fetch(`${base}/models`);
    assert.equal(refused.status, 401, 'no token, no answer');
    const form = new FormData();
    form.append('file', new Blob([readFileSync(speech(1))]), 'from-a-script.wav');
    form.append('model', 'whisper-1');
    const answer = await fetch(`${base}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const body = await answer.json();
    assert.equal(answer.status, 200, JSON.stringify(body));
    assert.ok(wer(said(1), body.text) <= 0.15, `the app's API transcribed: ${body.text}`);
    // Off again: the server stops.
    await win.click('#setting-api-enabled');
    await win.waitFor('#api-status', { text: 'Off', timeoutMs: 20_000 });
    await assert.rejects(fetch(`${base}/models`), 'nothing listens once it is off');
  });

  step('"Auto" shows the number it stands for on this computer, and a number starts from it', async () => {
    const concurrency = () => cli('config', 'list').find((s) => s.key === 'concurrency');
    const here = concurrency().auto; // one or two jobs at once, by the physical cores
    assert.ok(['1', '2'].includes(here), `auto stands for ${here}`);
    await win.go('settings');
    const field = (property) => win.run(`return document.getElementById('setting-concurrency').${property}`);
    assert.equal(await field('disabled'), true, 'greyed out while Auto is on');
    assert.equal(await field('value'), here);
    await win.click('#setting-concurrency-auto'); // off: that number, to change from there
    await poll(10_000, async () => (concurrency().value === here ? true : undefined));
    assert.equal(await field('disabled'), false);
    await win.click('#setting-concurrency-auto'); // on again
    await poll(10_000, async () => (concurrency().value === 'auto' ? true : undefined));
    assert.equal(await field('value'), here);
  });

  step('dark theme, chosen in Settings, on every view', async () => {
    await win.choose('#setting-ui-theme', 'dark');
    await poll(10_000, async () => ((await win.run('return document.documentElement.dataset.theme')) === 'dark' ? true : undefined));
    await shot('settings-dark');
    for (const view of ['transcribe', 'history', 'folders', 'webhooks', 'deliveries', 'models']) {
      await win.go(view);
      await sleep(400);
      await shot(`${view}-dark`);
    }
    const job = jobs().find((j) => j.file_name === 'speech-1.wav');
    await win.run(`location.hash = '#/transcript/${job.id}'`);
    await win.waitFor('#segments');
    await shot('transcript-dark');
    await win.go('settings');
    await win.choose('#setting-ui-theme', 'system');
  });

  step('at its smallest size (900×600) no view needs scrolling sideways', async () => {
    const id = xdotool('search', '--onlyvisible', '--name', '^Hookscribe$').split('\n')[0];
    const [width, height] = xdotool('getwindowgeometry', id).match(/Geometry: (\d+)x(\d+)/).slice(1).map(Number);
    xdotool('windowsize', '--sync', id, '900', '600');
    await poll(10_000, async () => ((await win.run('return window.innerWidth')) <= 900 ? true : undefined));
    const job = jobs().find((j) => j.file_name === 'speech-1.wav');
    const overflow = `const wide = [...document.querySelectorAll('#main, #main *')].filter((e) => {
        const s = getComputedStyle(e);
        // Clipped text (ellipsis) and code blocks that scroll on purpose are fine.
        return e.scrollWidth > e.clientWidth + 1 && !['hidden', 'clip'].includes(s.overflowX) && !['PRE', 'TEXTAREA'].includes(e.tagName);
      });
      return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
               wide: wide.slice(0, 3).map((e) => e.tagName + '#' + e.id + '.' + e.className) };`;
    try {
      for (const view of ['transcribe', 'history', 'folders', 'webhooks', 'deliveries', 'models', 'settings', 'transcript']) {
        if (view === 'transcript') {
          await win.run(`location.hash = '#/transcript/${job.id}'`);
          await win.waitFor('#segments');
        } else {
          await win.go(view);
        }
        await sleep(400);
        const found = await win.run(overflow);
        assert.ok(found.page <= 0 && found.wide.length === 0, `${view} at 900×600 overflows: ${JSON.stringify(found)}`);
        if (['transcribe', 'transcript', 'deliveries'].includes(view)) await shot(`${view}-small-light`);
      }
    } finally {
      xdotool('windowsize', '--sync', id, String(width), String(height));
    }
  });

  step('with the window closed, a watched folder is still transcribed and delivered', async () => {
    const before = hooks.received.length;
    // The close button (the window manager's close request): the app stays in the tray.
    execFileSync(WM_CLOSE, [xdotool('search', '--onlyvisible', '--name', '^Hookscribe$').split('\n')[0]]);
    await poll(10_000, async () => (visibleWindow() ? undefined : true));
    assert.ok(appProcesses().length > 0, 'the app keeps running after its window closed');
    assert.ok(!visibleWindow(), 'and its window is hidden');
    copyFileSync(speech(3), join(INBOX, 'speech-3.wav'));
    const job = await finished('speech-3.wav');
    assert.equal(job.origin, 'folder');
    const request = await hooks.waitFor(before + 1);
    assert.ok(signatureValid(secret, request));
    assert.ok(wer(said(3), JSON.parse(request.body).data.text) <= 0.15);
  });

  step('a second launch with a file hands it to the running app', async () => {
    const running = appProcesses();
    const second = spawn(BIN, [speech(4)], { stdio: 'ignore', env: process.env });
    const exited = new Promise((done) => second.on('exit', done));
    const code = await Promise.race([exited, sleep(30_000).then(() => 'still running')]);
    if (code === 'still running') second.kill('SIGKILL');
    assert.equal(code, 0, 'the second launch hands over and exits');
    assert.deepEqual(appProcesses(), running, 'no second app keeps running');
    const job = await finished('speech-4.wav');
    assert.equal(job.origin, 'manual');
    assert.ok(await poll(10_000, async () => (visibleWindow() ? true : undefined)), 'the first app shows its window');
  });

  step('screenshots were taken of every view in both themes', () => {
    for (const view of ['transcribe', 'transcript', 'history', 'folders', 'webhooks', 'deliveries', 'models', 'settings']) {
      for (const theme of ['light', 'dark']) {
        assert.ok(shots.some((f) => f.endsWith(`${view}-${theme}.png`)), `${view} in ${theme}`);
      }
    }
    console.log(`screenshots in ${OUT}`);
  });
});
