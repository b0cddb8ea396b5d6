// Helpers shared by the component and view tests (not a test file itself).
import { toast } from 'svelte-sonner';
import { screen } from '@testing-library/svelte';
import type { JobView } from '../lib/bindings';

/** An element's text with whitespace collapsed. */
export function normalized(el: Element): string {
  return el.textContent!.replace(/\s+/g, ' ').trim();
}

/** Waits for an element by id (rendering is async: commands resolve after mount). */
export async function findById(id: string): Promise<HTMLElement> {
  return screen.findByText((_, el) => el?.id === id);
}

/**
 * Records every IPC call from now on, the event plugin's included: the command, and for those
 * of the event plugin the event too (`plugin:event|listen engine-event`). Call after mocking.
 */
export function recordIpc(): string[] {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (...a: unknown[]) => unknown } })
    .__TAURI_INTERNALS__;
  const invoke = internals.invoke;
  const calls: string[] = [];
  internals.invoke = (...args: unknown[]) => {
    const [cmd, payload] = args as [string, { event?: unknown } | undefined];
    calls.push(cmd.startsWith('plugin:event|') ? `${cmd} ${String(payload?.event)}` : cmd);
    return invoke(...args);
  };
  return calls;
}

/** The event plugin's calls of `calls` (from {@link recordIpc}) of one kind, sorted. */
export function eventCalls(calls: string[], kind: 'listen' | 'unlisten'): string[] {
  return calls.filter((c) => c.startsWith(`plugin:event|${kind} `)).sort();
}

/** jsdom has no `matchMedia`; svelte-sonner's Toaster and bits-ui ask it. */
export function stubMatchMedia(): void {
  if (typeof window.matchMedia === 'function') return;
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }) as unknown as MediaQueryList;
}

/** A job as `jobs_list` gives it: queued unless told. */
export function jobView(id: number, fields: Partial<JobView> = {}): JobView {
  return {
    id,
    path: `/home/ada/rec/call-${id}.wav`,
    file_name: `call-${id}.wav`,
    status: 'queued',
    stage: null,
    progress: 0,
    error: null,
    origin: 'manual',
    folder_id: null,
    options: {},
    metadata: null,
    transcript_id: null,
    duplicate_of: null,
    attempts: 0,
    source_sha256: null,
    source_bytes: null,
    audio_seconds: null,
    preview: null,
    created_at: 1_700_000_000_000,
    started_at: null,
    finished_at: null,
    ...fields,
  };
}

/** The element with this id; fails the test when there is none. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`no #${id}`);
  return element as T;
}

/** The titles of the toasts on screen now. */
export function toastTitles(): string[] {
  return toast.getActiveToasts().map((t) => String(t.title));
}
