// Keyboard in a list of selectable rows: arrows, Home and End move the selection, Enter
// opens the selected row. Shared by the History and Deliveries tables.
import { tick } from 'svelte';

export function rowKeydown(
  event: KeyboardEvent,
  index: number,
  count: number,
  move: (index: number) => void,
  open: () => void,
): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  let next: number;
  switch (event.key) {
    case 'ArrowDown':
      next = Math.min(count - 1, index + 1);
      break;
    case 'ArrowUp':
      next = Math.max(0, index - 1);
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = count - 1;
      break;
    case 'Enter':
      event.preventDefault();
      open();
      return;
    default:
      return;
  }
  event.preventDefault();
  move(next);
}

/** Focuses the element with `id` once the DOM has caught up. */
export function focusById(id: string): void {
  void tick().then(() => document.getElementById(id)?.focus());
}

/** Whether `event` is Ctrl/⌘ + F (the view's find box). */
export function isFindShortcut(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'f';
}
