import { GraphError } from './errors';

/**
 * Strict request bodies, as Graph's OData reader applies them: an unknown property or a value of
 * the wrong type is a 400 that names it. Property names match case-insensitively (Graph does) and
 * come back in their declared spelling. Instance annotations (`@odata.type`, …) are allowed.
 */
export type FieldSpec =
  | 'string'
  | 'int'
  | 'bool'
  | 'datetime'
  | 'guid'
  | 'any'
  | { object: ObjectSpec }
  | { arrayOf: FieldSpec }
  | { enum: readonly string[]; type: string };

export interface ObjectSpec {
  type: string;
  props: Record<string, FieldSpec>;
  required?: readonly string[];
  /** Properties that accept null. Others refuse it. */
  nullable?: readonly string[];
  /** Open types (Intune's setting instances) accept any property. */
  open?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function edmName(spec: FieldSpec): string {
  if (typeof spec === 'string') {
    return {
      string: 'Edm.String',
      int: 'Edm.Int32',
      bool: 'Edm.Boolean',
      datetime: 'Edm.DateTimeOffset',
      guid: 'Edm.Guid',
      any: 'Edm.Untyped',
    }[spec];
  }
  if ('object' in spec) return spec.object.type;
  if ('arrayOf' in spec) return `Collection(${edmName(spec.arrayOf)})`;
  return spec.type;
}

function literal(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function convertError(value: unknown, spec: FieldSpec, code: string): GraphError {
  return new GraphError(400, code, `Cannot convert the literal '${literal(value)}' to the expected type '${edmName(spec)}'.`);
}

function readValue(value: unknown, spec: FieldSpec, code: string): unknown {
  if (spec === 'any') return value;
  if (typeof spec === 'string') {
    switch (spec) {
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'int':
        if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2 ** 31) return value;
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
      case 'datetime':
        if (typeof value === 'string' && DATETIME.test(value) && !Number.isNaN(Date.parse(value))) return value;
        break;
      case 'guid':
        if (typeof value === 'string' && GUID.test(value)) return value;
        break;
    }
    throw convertError(value, spec, code);
  }
  if ('enum' in spec) {
    if (typeof value === 'string') {
      const match = spec.enum.find((v) => v.toLowerCase() === value.toLowerCase());
      if (match) return match;
    }
    throw new GraphError(400, code, `Requested value '${literal(value)}' was not found.`);
  }
  if ('arrayOf' in spec) {
    if (!Array.isArray(value)) throw convertError(value, spec, code);
    return value.map((v) => readValue(v, spec.arrayOf, code));
  }
  return readObject(value, spec.object, code);
}

export function readObject(value: unknown, spec: ObjectSpec, code: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GraphError(400, code, `Cannot convert the literal '${literal(value)}' to the expected type '${spec.type}'.`);
  }
  const out: Record<string, unknown> = {};
  const declared = Object.keys(spec.props);
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('@') || key.includes('@odata.')) {
      out[key] = v;
      continue;
    }
    const name = declared.find((d) => d.toLowerCase() === key.toLowerCase());
    if (!name) {
      if (spec.open) {
        out[key] = v;
        continue;
      }
      throw new GraphError(
        400,
        code,
        `The property '${key}' does not exist on type '${spec.type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    if (v === null) {
      if (!spec.nullable?.includes(name)) throw convertError(v, spec.props[name] as FieldSpec, code);
      out[name] = null;
      continue;
    }
    out[name] = readValue(v, spec.props[name] as FieldSpec, code);
  }
  for (const req of spec.required ?? []) {
    if (out[req] === undefined) {
      throw new GraphError(400, code, `The property '${req}' is required on type '${spec.type}'.`);
    }
  }
  return out;
}

/** For routes that take no body: an empty body or `{}` is fine, anything else is refused. */
export function requireEmpty(value: unknown, type: string, code: string): void {
  if (value === undefined) return;
  readObject(value, { type, props: {} }, code);
}
