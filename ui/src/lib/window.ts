// What the window itself tells the UI: files dragged over it and dropped, and files the
// app was handed (a launch with files, "Open with") but could not queue.
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { EngineError } from './bindings';

export interface DropHandlers {
  over: () => void;
  leave: () => void;
  drop: (paths: string[]) => void;
}

/** Follows drag and drop onto the window (the shell gives real file paths). */
export function onDrop(handlers: DropHandlers): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === 'enter' || payload.type === 'over') handlers.over();
    else if (payload.type === 'leave') handlers.leave();
    else if (payload.type === 'drop') handlers.drop(payload.paths);
  });
}

/** The shell's event for handed-over files it could not queue. */
export const REFUSED_EVENT = 'handover-refused';

export function onRefused(handler: (error: EngineError) => void): Promise<UnlistenFn> {
  return listen<EngineError>(REFUSED_EVENT, (event) => handler(event.payload));
}
