// Test helpers: the shell's commands answered by handlers, engine events emitted the way
// the shell emits them. For component tests only.
import { emit } from '@tauri-apps/api/event';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { EngineError, EngineEvent } from './bindings';
import { ENGINE_EVENT, ENGINE_LAGGED_EVENT } from './events';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

/** The arguments of each call of `cmd`, in order. */
export function callsOf(calls: Call[], cmd: string): Record<string, unknown>[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/**
 * Answers the shell's commands: each handler gets the command's arguments and returns the
 * reply (or a promise of it); throw or reject to fail the command (commands fail with an
 * `EngineError`: see {@link engineError}). A command without a handler fails the test with
 * "unexpected command". Returns every call made, in order (event plugin calls excepted).
 */
export function mockCommands(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      const given = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: given });
      const handler = handlers[cmd];
      if (!handler) throw new Error(`unexpected command ${cmd}`);
      return handler(given);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** An engine error, as commands reject with; `field` names the request field it is about. */
export function engineError(
  message: string,
  kind: EngineError['kind'] = 'invalid_input',
  field?: string,
): EngineError {
  return { kind, message, subject: field ? { type: 'field', id: field } : null };
}

/** Emits an engine event as the shell does. */
export async function emitEngine(event: EngineEvent): Promise<void> {
  await emit(ENGINE_EVENT, event);
}

/** Says the window fell behind the engine's events. */
export async function emitLagged(missed = 10): Promise<void> {
  await emit(ENGINE_LAGGED_EVENT, missed);
}

/** Lets pending promises (an IPC reply and what follows it) settle. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A promise and the function that resolves it. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
