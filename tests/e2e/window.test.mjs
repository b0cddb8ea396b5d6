// End-to-end test of the real Hookscribe desktop window, driven over WebDriver.
//
// Run by the e2e script (see README.md in this folder), not on its own: it expects
// `tauri-driver` already listening (under Xvfb on Linux) and these variables:
//   HOOKSCRIBE_DESKTOP_BIN     absolute path of the built app (custom-protocol build)
//   HOOKSCRIBE_EXPECT_VERSION  version the status card must show, e.g. 0.1.0
//   HOOKSCRIBE_EXPECT_MODEL    default model name it must show, e.g. tiny.en
//   HOOKSCRIBE_HOME            data folder (the app gets it from tauri-driver's
//                              environment; used here only to check the card)
//   HOOKSCRIBE_SCREENSHOT      optional: where to write a PNG screenshot
//   HOOKSCRIBE_WEBDRIVER_URL   optional: driver address, default http://127.0.0.1:4444
//   HOOKSCRIBE_CLI_BIN         optional: the `hookscribe` CLI; with HOOKSCRIBE_E2E_INBOX
//   HOOKSCRIBE_E2E_INBOX       (a watched folder holding one recording), checks that the
//                              app's embedded queue transcribes it while the window is open;
//                              with both, a local receiver answering 410 Gone is added as a
//                              webhook endpoint: the app delivers the transcript to it, signed,
//                              disables it, and the window shows the banner
//
// Plain Node (>= 20): node:test, node:assert and global fetch; no npm dependencies.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

const DRIVER = (process.env.HOOKSCRIBE_WEBDRIVER_URL ?? 'http://127.0.0.1:4444').replace(/\/+$/, '');
const BIN = process.env.HOOKSCRIBE_DESKTOP_BIN;
const EXPECT_VERSION = process.env.HOOKSCRIBE_EXPECT_VERSION;
const EXPECT_MODEL = process.env.HOOKSCRIBE_EXPECT_MODEL;
const HOME = process.env.HOOKSCRIBE_HOME;
const SCREENSHOT = process.env.HOOKSCRIBE_SCREENSHOT;
const CLI = process.env.HOOKSCRIBE_CLI_BIN;
const INBOX = process.env.HOOKSCRIBE_E2E_INBOX;

const SESSION_TIMEOUT_MS = 30_000; // driver start-up + app launch
const ELEMENT_TIMEOUT_MS = 30_000; // page load + engine_status answer
const POLL_MS = 250;

// The W3C WebDriver element key, and the legacy JSON Wire one.
const ELEMENT_KEYS = ['element-6066-11e4-a52e-4f735466cecf', 'ELEMENT'];

class WebDriverError extends Error {
  constructor(method, path, status, error, message) {
    super(`${method} ${path} -> HTTP ${status} ${error}: ${message}`);
    this.status = status;
    this.error = error;
  }
}

/** One WebDriver command; returns the response's `value`, throws WebDriverError on error. */
async function wd(method, path, body, timeoutMs = 60_000) {
  const res = await fetch(DRIVER + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new WebDriverError(method, path, res.status, 'invalid response', text.slice(0, 500));
  }
  const value = json?.value;
  if (!res.ok || (value && typeof value === 'object' && typeof value.error === 'string')) {
    throw new WebDriverError(
      method,
      path,
      res.status,
      value?.error ?? 'unknown error',
      value?.message ?? text.slice(0, 500),
    );
  }
  return json;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls `attempt` until it returns something other than undefined, or the time is up. */
async function poll(timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) return undefined;
    await sleep(POLL_MS);
  }
}

function describeError(e) {
  if (e instanceof WebDriverError) return e.message;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? e);
}

let sessionId;
const session = (path = '') => `/session/${sessionId}${path}`;

/** Finds one element by CSS selector; undefined when there is none (yet). */
async function findElement(selector) {
  try {
    const { value } = await wd('POST', session('/element'), { using: 'css selector', value: selector });
    const key = ELEMENT_KEYS.find((k) => value && typeof value[k] === 'string');
    assert.ok(key, `element reference for ${selector} has none of the keys ${ELEMENT_KEYS.join(', ')}: ${JSON.stringify(value)}`);
    return value[key];
  } catch (e) {
    if (e instanceof WebDriverError && e.error === 'no such element') return undefined;
    throw e;
  }
}

async function elementText(elementId) {
  const { value } = await wd('GET', session(`/element/${encodeURIComponent(elementId)}/text`));
  return String(value);
}

/**
 * Waits for `selector` to appear and returns its rendered text. Fails early, with the
 * message, if the page shows the engine error alert instead.
 */
async function waitForText(selector) {
  let lastError;
  const text = await poll(ELEMENT_TIMEOUT_MS, async () => {
    try {
      const id = await findElement(selector);
      if (id !== undefined) return await elementText(id);
      const alert = await findElement('#engine-error');
      if (alert !== undefined) {
        const message = await elementText(alert);
        assert.fail(`expected ${selector} to appear, but the page shows the engine error: "${message}"`);
      }
    } catch (e) {
      // A stale element (re-render between find and read) is worth another try.
      if (!(e instanceof WebDriverError && e.error === 'stale element reference')) throw e;
      lastError = e;
    }
    return undefined;
  });
  if (text === undefined) {
    const page = await pageSummary();
    assert.fail(
      `expected element ${selector} within ${ELEMENT_TIMEOUT_MS / 1000} s, found none` +
        (lastError ? ` (last error: ${describeError(lastError)})` : '') +
        `; page: ${page}`,
    );
  }
  return text;
}

/** A short description of what the window shows, for failure messages. */
async function pageSummary() {
  try {
    const [{ value: url }, { value: title }] = await Promise.all([
      wd('GET', session('/url')),
      wd('GET', session('/title')),
    ]);
    let body = '';
    const bodyId = await findElement('body');
    if (bodyId !== undefined) body = (await elementText(bodyId)).replace(/\s+/g, ' ').slice(0, 300);
    return `url=${JSON.stringify(url)} title=${JSON.stringify(title)} text=${JSON.stringify(body)}`;
  } catch (e) {
    return `(could not read the page: ${describeError(e)})`;
  }
}

/**
 * A webhook receiver on 127.0.0.1 that answers 410 Gone (so the app disables the endpoint)
 * and keeps what it got.
 */
async function goneReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(410).end('gone');
    });
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, received, url: `http://127.0.0.1:${server.address().port}/hook` };
}

/** Standard Webhooks: v1,base64(HMAC-SHA256(key, "id.timestamp.body")), key = base64 after whsec_. */
function signatureValid(secret, { headers, body }) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body]);
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(headers['webhook-signature'] ?? '').split(' ').includes(expected);
}

let receiver;
let endpoint;

describe('Hookscribe desktop window', () => {
  before(async () => {
    if (CLI && INBOX) {
      // Before the app starts, so the recording's completion is sent to it.
      receiver = await goneReceiver();
      endpoint = JSON.parse(execFileSync(CLI, ['webhooks', 'add', receiver.url, '--json'], { encoding: 'utf8' }));
    }
    assert.ok(BIN, 'HOOKSCRIBE_DESKTOP_BIN must be set to the absolute path of the built app');
    assert.ok(isAbsolute(BIN), `HOOKSCRIBE_DESKTOP_BIN must be absolute, found "${BIN}"`);
    assert.ok(existsSync(BIN), `HOOKSCRIBE_DESKTOP_BIN points at a missing file: ${BIN}`);
    assert.ok(EXPECT_VERSION, 'HOOKSCRIBE_EXPECT_VERSION must be set (the version the window must show)');
    assert.ok(EXPECT_MODEL, 'HOOKSCRIBE_EXPECT_MODEL must be set (the default model the window must show)');

    const capabilities = {
      capabilities: {
        alwaysMatch: {
          browserName: 'wry',
          'wdio:enforceWebDriverClassic': true,
          'tauri:options': { application: BIN },
        },
      },
    };

    // The driver may still be starting: retry until it answers with a session.
    let lastError;
    const created = await poll(SESSION_TIMEOUT_MS, async () => {
      try {
        return await wd('POST', '/session', capabilities);
      } catch (e) {
        lastError = e;
        return undefined;
      }
    });
    assert.ok(
      created,
      `expected a WebDriver session from ${DRIVER} within ${SESSION_TIMEOUT_MS / 1000} s, ` +
        `last error: ${lastError ? describeError(lastError) : 'none'}`,
    );
    sessionId = created.value?.sessionId ?? created.sessionId;
    assert.ok(sessionId, `expected a sessionId in the new-session response, found ${JSON.stringify(created)}`);
  }, { timeout: SESSION_TIMEOUT_MS + 90_000 });

  after(async () => {
    receiver?.server.close();
    if (!sessionId) return;
    try {
      await wd('DELETE', session(), undefined, 30_000);
    } catch (e) {
      console.error(`could not delete WebDriver session ${sessionId}: ${describeError(e)}`);
    }
  });

  test('window title is "Hookscribe"', async () => {
    let title;
    await poll(10_000, async () => {
      ({ value: title } = await wd('GET', session('/title')));
      return title === 'Hookscribe' ? title : undefined;
    });
    assert.equal(title, 'Hookscribe', `expected window title "Hookscribe", found ${JSON.stringify(title)}`);
  });

  test('status card shows the engine version', async () => {
    const text = await waitForText('#engine-version');
    assert.ok(
      text.includes(EXPECT_VERSION),
      `expected #engine-version to contain "${EXPECT_VERSION}", found ${JSON.stringify(text)}`,
    );
  });

  test('status card shows the default model', async () => {
    const text = await waitForText('#default-model');
    assert.ok(
      text.includes(EXPECT_MODEL),
      `expected #default-model to contain "${EXPECT_MODEL}", found ${JSON.stringify(text)}`,
    );
  });

  test('status card shows the data folder from HOOKSCRIBE_HOME', { skip: !HOME && 'HOOKSCRIBE_HOME not set' }, async () => {
    const text = await waitForText('#data-folder');
    const accepted = new Set([HOME, resolve(HOME)]);
    try {
      accepted.add(realpathSync(HOME));
    } catch {
      // A folder the app has not created yet: compare as given.
    }
    assert.ok(
      [...accepted].some((p) => text.includes(p)),
      `expected #data-folder to contain ${[...accepted].map((p) => `"${p}"`).join(' or ')}, found ${JSON.stringify(text)}`,
    );
  });

  test(
    'the app transcribes a recording dropped in a watched folder',
    { skip: !(CLI && INBOX) && 'HOOKSCRIBE_CLI_BIN / HOOKSCRIBE_E2E_INBOX not set', timeout: 150_000 },
    async () => {
      const deadline = Date.now() + 140_000;
      let jobs = [];
      while (Date.now() < deadline) {
        jobs = JSON.parse(execFileSync(CLI, ['jobs', 'list', '--json'], { encoding: 'utf8' })).items;
        if (jobs.some((job) => job.status === 'completed' || job.status === 'failed')) break;
        await new Promise((done) => setTimeout(done, 500));
      }
      assert.equal(jobs.length, 1, `expected one job from the watched folder, found ${JSON.stringify(jobs)}`);
      assert.equal(jobs[0].status, 'completed', `expected the job to complete, found ${JSON.stringify(jobs[0])}`);
      const shown = JSON.parse(execFileSync(CLI, ['jobs', 'show', String(jobs[0].id), '--json'], { encoding: 'utf8' }));
      const text = shown.transcript.text.toLowerCase();
      assert.ok(text.includes('meeting notes'), `expected the transcript to mention "meeting notes", found ${JSON.stringify(text)}`);
    },
  );

  test(
    'the transcript is delivered signed to a webhook, and the window says when the endpoint is disabled',
    { skip: !(CLI && INBOX) && 'HOOKSCRIBE_CLI_BIN / HOOKSCRIBE_E2E_INBOX not set', timeout: 60_000 },
    async () => {
      const banner = await waitForText(`#endpoint-disabled-${endpoint.endpoint.id}`);
      assert.ok(banner.includes(receiver.url), `expected the banner to name ${receiver.url}, found ${JSON.stringify(banner)}`);
      assert.ok(banner.includes('410'), `expected the banner to give the reason (410 Gone), found ${JSON.stringify(banner)}`);
      assert.equal(receiver.received.length, 1, 'one request, then the endpoint is disabled');
      const request = receiver.received[0];
      assert.ok(signatureValid(endpoint.secret, request), `expected a valid signature, headers ${JSON.stringify(request.headers)}`);
      const event = JSON.parse(request.body.toString('utf8'));
      assert.equal(event.type, 'transcription.completed');
      assert.ok(event.data.text.toLowerCase().includes('meeting notes'), `expected the transcript in the body, found ${JSON.stringify(event.data.text)}`);

      // The Webhooks card follows the attempts: one failed delivery, one disabled endpoint.
      let counts;
      const settled = await poll(15_000, async () => {
        counts = await waitForText('#webhook-summary');
        return counts.includes('1 failed') ? counts : undefined;
      });
      assert.ok(settled, `expected #webhook-summary to show "1 failed", found ${JSON.stringify(counts)}`);
      const endpoints = await waitForText('#webhook-endpoints');
      assert.ok(endpoints.includes('1 disabled'), `expected #webhook-endpoints to say "1 disabled", found ${JSON.stringify(endpoints)}`);
    },
  );

  test('screenshot is a PNG', async () => {
    const { value } = await wd('GET', session('/screenshot'));
    assert.equal(typeof value, 'string', `expected a base64 string from /screenshot, found ${typeof value}`);
    const png = Buffer.from(value, 'base64');
    const signature = png.subarray(0, 8).toString('hex');
    assert.equal(signature, '89504e470d0a1a0a', `expected a PNG signature, found bytes ${signature}`);
    assert.ok(png.length > 1000, `expected a screenshot of more than 1000 bytes, found ${png.length}`);
    if (SCREENSHOT) {
      mkdirSync(dirname(resolve(SCREENSHOT)), { recursive: true });
      writeFileSync(SCREENSHOT, png);
      console.log(`screenshot written to ${SCREENSHOT} (${png.length} bytes)`);
    }
  });
});
