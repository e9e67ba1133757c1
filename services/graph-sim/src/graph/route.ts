import type { TenantState } from '../tenant/state';
import type { AppDefinition } from '../tenant/types';

export type ApiVersion = 'v1.0' | 'beta';

export interface GraphRequest {
  method: string;
  version: ApiVersion;
  /** Path without the version prefix and without the query string, as sent (not decoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  requestId: string;
  app: AppDefinition;
  roles: readonly string[];
}

export interface GraphResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  req: GraphRequest;
  params: Record<string, string>;
  state: TenantState;
  /** The simulator's base URL, for @odata.context and similar links. */
  baseUrl: string;
}

/** A path template segment: a literal (case-insensitive), `:name` (one decoded segment) or a pattern. */
type Segment = string | { param: string } | { pattern: RegExp; params: string[] };

export interface RouteSpec {
  method: string;
  /** e.g. '/users/:userId/authentication/temporaryAccessPassMethods/:tapId' */
  path: string;
  /** Operation name used by counts() and the request log. */
  op: string;
  /** Granted application permissions of which any one suffices (Microsoft's "least privileged … higher privileged" list). */
  permissions: readonly string[];
  versions?: readonly ApiVersion[];
  /** Resource units for the throttle (Graph's identity cost table, roughly): default 1 for reads, 1 for writes. */
  cost?: number;
  /** Named segments that may hold a custom regex, e.g. devices(deviceId='…'). */
  patterns?: Record<string, RegExp>;
  handle(ctx: RouteContext): GraphResult;
}

export interface Route extends RouteSpec {
  segments: Segment[];
  write: boolean;
}

export function compile(spec: RouteSpec): Route {
  const segments: Segment[] = spec.path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      if (s.startsWith(':')) return { param: s.slice(1) };
      const pattern = spec.patterns?.[s];
      if (pattern) return { pattern, params: [s] };
      return s.toLowerCase();
    });
  return { ...spec, segments, write: spec.method !== 'GET' };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export type Lookup =
  | { kind: 'match'; match: RouteMatch }
  | { kind: 'method' }
  | { kind: 'none'; segment: string };

/** Finds the route for a path. 'method' = the path exists with another verb. */
export function lookup(routes: readonly Route[], method: string, version: ApiVersion, path: string): Lookup {
  const parts = path.split('/').filter(Boolean).map(decode);
  let pathExists = false;
  let deepest = 0;
  for (const route of routes) {
    if (route.versions && !route.versions.includes(version)) continue;
    if (route.segments.length !== parts.length) {
      deepest = Math.max(deepest, prefixLength(route.segments, parts));
      continue;
    }
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = route.segments[i] as Segment;
      const part = parts[i] as string;
      if (typeof seg === 'string') ok = seg === part.toLowerCase();
      else if ('param' in seg) params[seg.param] = part;
      else {
        const m = seg.pattern.exec(part);
        ok = m !== null;
        if (m) params[seg.params[0] as string] = decode(m[1] ?? '');
      }
      if (!ok) deepest = Math.max(deepest, i);
    }
    if (!ok) continue;
    if (route.method !== method) {
      pathExists = true;
      continue;
    }
    return { kind: 'match', match: { route, params } };
  }
  if (pathExists) return { kind: 'method' };
  return { kind: 'none', segment: parts[Math.min(deepest, parts.length - 1)] ?? '' };
}

function prefixLength(segments: Segment[], parts: string[]): number {
  let i = 0;
  for (; i < Math.min(segments.length, parts.length); i++) {
    const seg = segments[i] as Segment;
    if (typeof seg === 'string' && seg !== (parts[i] as string).toLowerCase()) break;
  }
  return i;
}

export const ok = (body?: unknown, status = 200): GraphResult => ({ status, body });
export const noContent = (): GraphResult => ({ status: 204 });

export function context(ctx: RouteContext, fragment: string): string {
  return `${ctx.baseUrl}/${ctx.req.version}/$metadata#${fragment}`;
}
