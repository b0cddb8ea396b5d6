// A small WebDriver client for the real Hookscribe window (tauri-driver over WebKitWebDriver),
// plus what the end-to-end test needs around it: waiting, clicking and typing as a user does,
// the window's own events, and screenshots of the real X display.
//
// Plain Node (>= 20): global fetch, no npm dependencies.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const DRIVER = (process.env.HOOKSCRIBE_WEBDRIVER_URL ?? 'http://127.0.0.1:4444').replace(/\/+$/, '');
const ELEMENT_KEYS = ['element-6066-11e4-a52e-4f735466cecf', 'ELEMENT'];
export const POLL_MS = 200;

export class WebDriverError extends Error {
  constructor(method, path, status, error, message) {
    super(`${method} ${path} -> HTTP ${status} ${error}: ${message}`);
    this.status = status;
    this.error = error;
  }
}

/** One WebDriver command; returns the response's `value`. */
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
    throw new WebDriverError(method, path, res.status, value?.error ?? 'unknown error', value?.message ?? text.slice(0, 500));
  }
  return value;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls `attempt` until it returns something other than undefined, or the time is up. */
export async function poll(timeoutMs, attempt) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) return undefined;
    await sleep(POLL_MS);
  }
}

export function describeError(e) {
  if (e instanceof WebDriverError) return e.message;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? e);
}

/** A session with the app: what a user can see and do in its window. */
export class Window {
  constructor(id) {
    this.id = id;
  }

  /** Launches the app through the driver (which may still be starting). */
  static async open(application, timeoutMs = 60_000) {
    const capabilities = {
      capabilities: {
        alwaysMatch: {
          browserName: 'wry',
          'wdio:enforceWebDriverClassic': true,
          'tauri:options': { application },
        },
      },
    };
    let lastError;
    const created = await poll(timeoutMs, async () => {
      try {
        return await wd('POST', '/session', capabilities);
      } catch (e) {
        lastError = e;
        return undefined;
      }
    });
    assert.ok(created, `no WebDriver session from ${DRIVER} within ${timeoutMs / 1000} s: ${lastError ? describeError(lastError) : 'no answer'}`);
    return new Window(created.sessionId);
  }

  path(rest = '') {
    return `/session/${this.id}${rest}`;
  }

  async close() {
    try {
      await wd('DELETE', this.path(), undefined, 30_000);
    } catch (e) {
      console.error(`could not end the WebDriver session: ${describeError(e)}`);
    }
  }

  async title() {
    return wd('GET', this.path('/title'));
  }

  /** Runs `script` (a function body; `arguments` are `args`) in the page; returns its result. */
  async run(script, ...args) {
    return wd('POST', this.path('/execute/sync'), { script, args });
  }

  /** Runs an async function body in the page: it must call `arguments[arguments.length - 1](result)`. */
  async runAsync(script, ...args) {
    return wd('POST', this.path('/execute/async'), { script, args }, 120_000);
  }

  /** Calls one of the shell's commands as the UI does (for set-up only; tests click). */
  async invoke(cmd, args = {}) {
    const reply = await this.runAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
         .then((value) => done({ ok: true, value }), (error) => done({ ok: false, error }));`,
      cmd,
      args,
    );
    if (!reply.ok) throw new Error(`${cmd} failed: ${JSON.stringify(reply.error)}`);
    return reply.value;
  }

  /** The element for `selector`, or undefined while there is none. */
  async find(selector) {
    try {
      const value = await wd('POST', this.path('/element'), { using: 'css selector', value: selector });
      const key = ELEMENT_KEYS.find((k) => value && typeof value[k] === 'string');
      return value[key];
    } catch (e) {
      if (e instanceof WebDriverError && e.error === 'no such element') return undefined;
      throw e;
    }
  }

  async findAll(selector) {
    const values = await wd('POST', this.path('/elements'), { using: 'css selector', value: selector });
    return values.map((value) => value[ELEMENT_KEYS.find((k) => typeof value[k] === 'string')]);
  }

  /** A short description of what the window shows, for failure messages. */
  async summary() {
    try {
      const text = await this.run('return document.body.innerText');
      return `hash=${await this.run('return location.hash')} text=${JSON.stringify(String(text).replace(/\s+/g, ' ').slice(0, 600))}`;
    } catch (e) {
      return `(could not read the page: ${describeError(e)})`;
    }
  }

  /** The text a user reads in `selector` (its innerText), or undefined while it is not there. */
  async textOf(selector) {
    const text = await this.run(
      'const e = document.querySelector(arguments[0]); return e ? e.innerText : null;',
      selector,
    );
    return text === null ? undefined : String(text);
  }

  /** Waits for `selector`; with `text`, until its text contains it (or matches a RegExp). */
  async waitFor(selector, { text, timeoutMs = 30_000 } = {}) {
    let seen;
    const found = await poll(timeoutMs, async () => {
      try {
        const id = await this.find(selector);
        if (id === undefined) return undefined;
        if (text === undefined) return id;
        seen = await this.textOf(selector);
        if (seen === undefined) return undefined;
        const ok = text instanceof RegExp ? text.test(seen) : seen.includes(text);
        return ok ? id : undefined;
      } catch (e) {
        if (e instanceof WebDriverError && e.error === 'stale element reference') return undefined;
        throw e;
      }
    });
    if (found === undefined) {
      assert.fail(
        `expected ${selector}${text ? ` to show ${text}` : ''} within ${timeoutMs / 1000} s` +
          (seen !== undefined ? `; it shows ${JSON.stringify(seen.slice(0, 300))}` : '; it is not there') +
          `; page: ${await this.summary()}`,
      );
    }
    return found;
  }

  /** Waits until `selector` is gone. */
  async waitGone(selector, timeoutMs = 30_000) {
    const gone = await poll(timeoutMs, async () => ((await this.find(selector)) === undefined ? true : undefined));
    assert.ok(gone, `expected ${selector} to go within ${timeoutMs / 1000} s; page: ${await this.summary()}`);
  }

  async text(selector, options) {
    await this.waitFor(selector, options);
    return (await this.textOf(selector)) ?? '';
  }

  /** Closes the window as its close button does (the session ends with it). */
  async closeWindow() {
    await wd('DELETE', this.path('/window'));
  }

  async click(selector, options) {
    const id = await this.waitFor(selector, options);
    await wd('POST', this.path(`/element/${id}/click`), {});
  }

  /** Types into a field as a user does (after clearing it, unless `append`). */
  async type(selector, value, { append = false } = {}) {
    const id = await this.waitFor(selector);
    if (!append) await wd('POST', this.path(`/element/${id}/clear`), {});
    await wd('POST', this.path(`/element/${id}/value`), { text: value });
  }

  /** Presses keys in the focused element (WebDriver key codes: '\uE007' is Enter). */
  async keys(selector, value) {
    const id = await this.waitFor(selector);
    await wd('POST', this.path(`/element/${id}/value`), { text: value });
  }

  /** Chooses an option of a <select> by its value, as a click on the option does. */
  async choose(selector, value) {
    await this.click(`${selector} option[value="${value}"]`);
    await this.run(
      `const s = document.querySelector(arguments[0]);
       if (s.value !== arguments[1]) { s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true })); }`,
      selector,
      value,
    );
  }

  /** Opens a view as the sidebar does. */
  async go(view) {
    await this.click(`#nav-${view}`);
    await poll(10_000, async () => ((await this.run('return location.hash')) === `#/${view}` ? true : undefined));
  }
}

/** The X display's contents as a PNG (what a user would see), with ImageMagick's `import`. */
export function screenshot(file) {
  execFileSync('import', ['-window', 'root', file]);
}

/** X input as a user gives it (xdotool): for native dialogs the page cannot reach. */
export function xdotool(...args) {
  return execFileSync('xdotool', args, { encoding: 'utf8' }).trim();
}
