import { toast } from 'svelte-sonner';
import { api } from './api';
import { choices } from './choices.svelte';
import { errorText } from './engine';

/**
 * Queues recordings (files, or folders of them) as the Transcribe view's choices say; tells
 * the user what happened. Resolves to how many jobs were queued (0 on an error).
 */
export async function queueFiles(paths: string[]): Promise<number> {
  if (paths.length === 0) return 0;
  try {
    const jobs = await api.jobs.add({ paths, options: choices.options(), recursive: true });
    toast.success(
      jobs.length === 1 ? `Queued ${jobs[0].file_name}` : `Queued ${jobs.length} recordings`,
    );
    return jobs.length;
  } catch (error) {
    toast.error(errorText(error));
    return 0;
  }
}
