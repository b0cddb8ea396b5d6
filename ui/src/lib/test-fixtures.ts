// Views as the engine's commands give them, for component tests.
import type { EndpointView } from './bindings';

/** An endpoint as `endpoints_list` gives it: enabled unless told. */
export function endpointView(id: number, fields: Partial<EndpointView> = {}): EndpointView {
  return {
    id,
    url: `https://example.com/hooks/${id}`,
    description: '',
    events: [],
    format: 'full',
    headers: [],
    timeout_ms: 15000,
    max_concurrency: 4,
    retry_client_errors: true,
    secret: 'whsec_…abcd',
    previous_secret_until: null,
    enabled: true,
    disabled: null,
    health: {
      attempts: 0,
      succeeded: 0,
      success_rate: null,
      consecutive_failures: 0,
      failing_since: null,
      last_success_at: null,
      last_failure_at: null,
      last_failure: null,
    },
    created_at: 1_700_000_000_000,
    ...fields,
  };
}
