// Which view is open, kept in the URL hash (`#/history`, `#/transcript/12`) so that
// Back/Forward, the tray, notifications and tests can open any view.

export type ViewName =
  | 'transcribe'
  | 'history'
  | 'folders'
  | 'webhooks'
  | 'deliveries'
  | 'models'
  | 'settings';

export type Route =
  | { view: Exclude<ViewName, 'deliveries'> }
  | { view: 'transcript'; job: number }
  | { view: 'deliveries'; message?: number; job?: number; endpoint?: number };

/** The sidebar's views, in order (Ctrl/⌘ + 1…7). */
export const VIEWS: { name: ViewName; label: string }[] = [
  { name: 'transcribe', label: 'Transcribe' },
  { name: 'history', label: 'History' },
  { name: 'folders', label: 'Folders' },
  { name: 'webhooks', label: 'Webhooks' },
  { name: 'deliveries', label: 'Deliveries' },
  { name: 'models', label: 'Models' },
  { name: 'settings', label: 'Settings' },
];

const NAMES = new Set<string>(VIEWS.map((v) => v.name));

export function parse(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, id] = path.split('/');
  const params = new URLSearchParams(query);
  const number = (value: string | null | undefined) => {
    const n = Number(value);
    return value && Number.isInteger(n) && n > 0 ? n : undefined;
  };
  if (name === 'transcript' && number(id)) return { view: 'transcript', job: number(id)! };
  if (name === 'deliveries') {
    return {
      view: 'deliveries',
      message: number(id),
      job: number(params.get('job')),
      endpoint: number(params.get('endpoint')),
    };
  }
  return { view: NAMES.has(name) ? (name as Exclude<ViewName, 'deliveries'>) : 'transcribe' };
}

export function toHash(route: Route): string {
  if (route.view === 'transcript') return `#/transcript/${route.job}`;
  if (route.view === 'deliveries') {
    const params = new URLSearchParams();
    if (route.job) params.set('job', String(route.job));
    if (route.endpoint) params.set('endpoint', String(route.endpoint));
    const query = params.toString();
    return `#/deliveries${route.message ? `/${route.message}` : ''}${query ? `?${query}` : ''}`;
  }
  return `#/${route.view}`;
}

class Router {
  route: Route = $state(parse(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => {
        this.route = parse(location.hash);
      });
    }
  }

  /** Opens a view (and records it in the history, for Back). */
  go(route: Route) {
    const hash = toHash(route);
    if (location.hash === hash) this.route = parse(hash);
    else location.hash = hash;
  }
}

export const router = new Router();
