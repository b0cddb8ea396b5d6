// An endpoint's health and state in words, for its card.
import type { EndpointHealth, EndpointView, TestReport } from '../../lib/bindings';
import { ago, percent } from '../../lib/format';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** "98% of 120 attempts delivered (7 days)", or that there were none. */
export function successLine(health: EndpointHealth): string {
  if (health.attempts === 0 || health.success_rate === null) return 'No attempts in the last 7 days';
  return `${percent(health.success_rate)} of ${plural(health.attempts, 'attempt')} delivered in the last 7 days`;
}

/** "Last delivered 5 min ago", or null before the first. */
export function lastSuccessLine(health: EndpointHealth, now = Date.now()): string | null {
  return health.last_success_at === null ? null : `Last delivered ${ago(health.last_success_at, now)}`;
}

/** "Last failed 2 h ago: HTTP 500 Internal Server Error", or null. */
export function lastFailureLine(health: EndpointHealth, now = Date.now()): string | null {
  if (health.last_failure_at === null) return null;
  const why = health.last_failure ? `: ${health.last_failure}` : '';
  return `Last failed ${ago(health.last_failure_at, now)}${why}`;
}

/** "3 failures in a row, since 2 h ago", or null while the last attempt went through. */
export function failingLine(health: EndpointHealth, now = Date.now()): string | null {
  if (health.consecutive_failures <= 0) return null;
  const since = health.failing_since === null ? '' : `, failing since ${ago(health.failing_since, now)}`;
  return `${plural(health.consecutive_failures, 'failure')} in a row${since}`;
}

/** "Disabled 2 h ago: the endpoint answered 410 Gone", or null while enabled. */
export function disabledLine(endpoint: EndpointView, now = Date.now()): string | null {
  if (!endpoint.disabled) return endpoint.enabled ? null : 'Disabled';
  const reason = endpoint.disabled.reason ? `: ${endpoint.disabled.reason}` : '';
  return `Disabled ${ago(endpoint.disabled.at, now)}${reason}`;
}

/** "transcription.completed, transcription.failed", or every event. */
export function eventsText(events: string[]): string {
  const shown = events.filter((e) => e !== 'webhook.test');
  return shown.length === 0 ? 'every event' : shown.join(', ');
}

/** How the last test went: "Delivered · HTTP 200 OK · 84 ms". */
export function testLine(report: TestReport): string {
  return [report.delivered ? 'Delivered' : 'Not delivered', report.summary, `${report.duration_ms.toLocaleString()} ms`]
    .filter(Boolean)
    .join(' · ');
}

/** The start of a response body, for showing under a test's answer. */
export function excerpt(body: string | null, max = 400): string | null {
  if (body === null) return null;
  const text = body.trim();
  if (!text) return null;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** "1 hour", "24 hours", "7 days", from seconds. */
export function graceText(seconds: number): string {
  if (seconds <= 0) return 'none';
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return plural(seconds / 86_400, 'day');
  return plural(Math.round(seconds / 3600), 'hour');
}

export { plural };
