// What the Local API card says: the token masked, the base URL, examples to copy.
import type { ApiInfo, ApiServerStatus } from '../../lib/bindings';

/** Where the examples read the token from, unless it is revealed. */
export const TOKEN_ENV = 'HOOKSCRIBE_TOKEN';

const TOKEN_PREFIX = 'hsk_';

/** `hsk_••••••••abcd`: the prefix and the last 4; just the dots until the token is known. */
export function maskToken(token: string | null): string {
  if (!token) return `${TOKEN_PREFIX}••••••••`;
  const prefix = token.startsWith(TOKEN_PREFIX) ? TOKEN_PREFIX : '';
  return `${prefix}••••••••${token.slice(-4)}`;
}

/** The base URL clients use: where the server listens, else where it would. */
export function baseUrl(info: ApiInfo, status: ApiServerStatus): string {
  return (status.state === 'listening' ? status.url : info.url).replace(/\/+$/, '');
}

/** An OpenAI-style transcription request; the token only where it is revealed. */
export function curlExample(url: string, token: string | null): string {
  return (
    `curl ${url}/v1/audio/transcriptions -H "Authorization: Bearer ${token ?? `$${TOKEN_ENV}`}"` +
    ' -F file=@recording.mp3 -F model=whisper-1'
  );
}

/** The openai package's client pointed here; the token only where it is revealed. */
export function pythonExample(url: string, token: string | null): string {
  const key = token === null ? `os.environ["${TOKEN_ENV}"]` : `"${token}"`;
  return `client = OpenAI(base_url="${url}/v1", api_key=${key})`;
}

/** "2,048 MB" from bytes (the setting is in MB). */
export function uploadLimit(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024)).toLocaleString('en-US')} MB`;
}
