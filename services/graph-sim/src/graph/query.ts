import { GraphError } from './errors';

/**
 * The OData query options the simulator understands: `$select` (case-insensitive names, unknown
 * ones refused as Graph does) and `$filter` limited to `prop eq 'value'` clauses joined by `and`.
 */

export function parseSelect(query: URLSearchParams, known: readonly string[], typeName: string): string[] | undefined {
  const raw = query.get('$select') ?? query.get('select');
  if (raw === null || raw.trim() === '') return undefined;
  return raw.split(',').map((s) => {
    const name = s.trim();
    if (name === '*') return '*';
    const match = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!match) throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${name}' on type '${typeName}'.`);
    return match;
  });
}

/** Projects an entity: the default set without $select, exactly the selected ones with it. */
export function project(
  entity: Record<string, unknown>,
  select: string[] | undefined,
  defaults: readonly string[],
  all: readonly string[],
): Record<string, unknown> {
  const names = select === undefined ? defaults : select.includes('*') ? all : select;
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = entity[n] ?? null;
  return out;
}

export interface EqClause {
  property: string;
  value: string | number | boolean | null;
}

const CLAUSE = /^\s*([A-Za-z][\w/]*)\s+eq\s+('(?:[^']|'')*'|true|false|null|-?\d+(?:\.\d+)?)\s*$/i;

export function parseFilter(
  query: URLSearchParams,
  supported: readonly string[],
  resource: string,
): EqClause[] | undefined {
  const raw = query.get('$filter') ?? query.get('filter');
  if (raw === null) return undefined;
  const parts = raw.split(/\s+and\s+/i);
  return parts.map((part) => {
    const m = CLAUSE.exec(part);
    if (!m) throw new GraphError(400, 'Request_UnsupportedQuery', `Invalid filter clause: ${raw}`);
    const prop = supported.find((s) => s.toLowerCase() === (m[1] as string).toLowerCase());
    if (!prop) {
      throw new GraphError(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified for property '${m[1]}' of resource '${resource}'.`,
      );
    }
    const lit = m[2] as string;
    let value: EqClause['value'];
    if (lit.startsWith("'")) value = lit.slice(1, -1).replace(/''/g, "'");
    else if (/^true$/i.test(lit)) value = true;
    else if (/^false$/i.test(lit)) value = false;
    else if (/^null$/i.test(lit)) value = null;
    else value = Number(lit);
    return { property: prop, value };
  });
}

export function matchesFilter(entity: Record<string, unknown>, clauses: EqClause[] | undefined): boolean {
  if (!clauses) return true;
  return clauses.every((c) => {
    const v = entity[c.property] ?? null;
    if (typeof v === 'string' && typeof c.value === 'string') return v.toLowerCase() === c.value.toLowerCase();
    return v === c.value;
  });
}

export function parseTop(query: URLSearchParams): number | undefined {
  const raw = query.get('$top') ?? query.get('top');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 999) {
    throw new GraphError(400, 'Request_BadRequest', `Invalid page size specified: '${raw}'. Must be between 1 and 999 inclusive.`);
  }
  return n;
}
