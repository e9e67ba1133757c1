import { REDACT_PATHS } from './redact';

/** What a redacted value is replaced with, in both services' log lines. */
export const REDACTED = '[redacted]';

/** A pino serializer: the value logged under its key in, what is written out. */
export type LogSerializer = (value: any) => unknown;

/**
 * pino options (`formatters` and `serializers`) that redact `paths` as pino's own
 * `redact: { paths, censor }` does, with the same output, but cheaply when a line holds no
 * secret. pino's redactor (@pinojs/redact) clones and walks every value under every one of the
 * ~20 wildcard paths for each line, about 50 µs a line; this walks each value once, only as deep
 * as some path still matches, and copies only the objects on the way to a value it replaces.
 *
 * pino redacts after serializing a key; `formatters.log` and `formatters.bindings` run before.
 * So the keys with a serializer are redacted in the serializer (the ones passed here, wrapped),
 * and every other key in the formatters. That is why `err` is required: pino's default one
 * (`pino.stdSerializers.err`) would otherwise get an Error the formatter may have copied, and a
 * copy has no message or stack (they are not enumerable).
 * A serializer a child logger adds later (Fastify's `res`) gets an already redacted value.
 *
 * A line's `msg` that is not a string (pino takes `err.message` when no message is given,
 * whatever its type) is redacted by a `msg` serializer, as pino's option did.
 * One thing pino's option redacted and this does not, because nothing but the message format
 * sees it, and neither service logs it: objects interpolated into the message (`%j`, `%o`).
 * And one it wrote differently: a top-level string with a lone UTF-16 surrogate is written raw
 * (as pino does without `redact`), not \u-escaped.
 * Child loggers' bindings: see redactChildBindings.
 */
export function redactingLogOptions(serializers: { err: LogSerializer } & Record<string, LogSerializer>, paths: readonly string[] = REDACT_PATHS, censor: string = REDACTED) {
  const root = compile(paths);
  const wrapped: Record<string, LogSerializer> = {};
  for (const [key, serialize] of Object.entries(serializers)) {
    const state = step(root, key);
    wrapped[key] = state ? (value) => censorTop(serialize(value), state, censor, false) : serialize;
  }
  // pino takes a line's msg from `err.message` when none is given, and writes it whatever its
  // type, after the formatters; its redact option reached it there, so this does too.
  const msgState = step(root, 'msg');
  if (msgState && !wrapped.msg) wrapped.msg = (value) => (value !== null && typeof value === 'object' ? censorTop(value, msgState, censor, false) : value);
  const serialized = new Set(Object.keys(wrapped));
  return {
    formatters: {
      log: (obj: Record<string, unknown>) => redactTop(obj, root, serialized, censor, false),
      bindings: (bindings: Record<string, unknown>) => redactTop(bindings, root, serialized, censor, true),
    },
    serializers: wrapped,
  };
}

/** What redactingLogOptions returns, to hand to redactChildBindings. */
export type RedactingLogOptions = ReturnType<typeof redactingLogOptions>;

interface ChildMaker {
  child(bindings: any, options?: any): unknown;
}

/**
 * pino runs `formatters.bindings` on the root logger's own bindings only, and takes a child's
 * (`logger.child({ jobId })`, Fastify's per-request `{ reqId }`) as given, where its `redact`
 * option did redact them. This makes `child` of `logger`, and of every logger derived from it,
 * pass the bindings through the same redaction first.
 */
export function redactChildBindings<L extends ChildMaker>(logger: L, options: RedactingLogOptions): L {
  const child = logger.child;
  const redact = options.formatters.bindings;
  Object.defineProperty(logger, 'child', {
    value: function (this: L, bindings: any, childOptions?: any) {
      return child.call(this, bindings && typeof bindings === 'object' ? redact(bindings) : bindings, childOptions);
    },
    writable: true,
    configurable: true,
  });
  return logger;
}

/**
 * A deterministic automaton over object keys, built from the paths: each state is the set of
 * path positions a key sequence can be at ('*' matches any key or array index).
 */
interface State {
  /** Some path ends here: the value at this position is replaced. */
  censor: boolean;
  /** The next state for keys some path names literally here. */
  byKey: Map<string, State>;
  /** The next state for any other key (the wildcards' continuation), or null if none. */
  other: State | null;
}

interface TrieNode {
  end: boolean;
  kids: Map<string, TrieNode>;
}

function compile(paths: readonly string[]): State {
  const trie: TrieNode = { end: false, kids: new Map() };
  for (const path of paths) {
    const parts = parsePath(path);
    // pino censors a trailing '*' differently (it also copies inherited keys); no path needs it.
    if (parts.length === 0 || parts[parts.length - 1] === '*') throw new Error(`unsupported redact path: ${path}`);
    let node = trie;
    for (const part of parts) {
      let kid = node.kids.get(part);
      if (!kid) node.kids.set(part, (kid = { end: false, kids: new Map() }));
      node = kid;
    }
    node.end = true;
  }
  const states = new Map<string, State>();
  const ids = new Map<TrieNode, number>();
  const idOf = (n: TrieNode) => ids.get(n) ?? (ids.set(n, ids.size), ids.size - 1);
  const stateOf = (nodes: TrieNode[]): State | null => {
    if (nodes.length === 0) return null;
    const unique = [...new Set(nodes)];
    const id = unique.map(idOf).sort((a, b) => a - b).join(',');
    const known = states.get(id);
    if (known) return known;
    const state: State = { censor: unique.some((n) => n.end), byKey: new Map(), other: null };
    states.set(id, state);
    const wild = unique.flatMap((n) => (n.kids.has('*') ? [n.kids.get('*')!] : []));
    state.other = stateOf(wild);
    const literal = new Set(unique.flatMap((n) => [...n.kids.keys()].filter((k) => k !== '*')));
    for (const key of literal) {
      const next = stateOf([...unique.flatMap((n) => (n.kids.has(key) ? [n.kids.get(key)!] : [])), ...wild]);
      if (next) state.byKey.set(key, next);
    }
    return state;
  };
  return stateOf([trie])!;
}

/** The path syntax of pino's redact option: `a.b`, `a["b-c"]`, `*.b`. */
function parsePath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inBrackets = false;
  let quote = '';
  for (const char of path) {
    if (!inBrackets && char === '.') {
      if (current) parts.push(current);
      current = '';
    } else if (char === '[' && !quote) {
      if (current) parts.push(current);
      current = '';
      inBrackets = true;
    } else if (char === ']' && inBrackets && !quote) {
      parts.push(current);
      current = '';
      inBrackets = false;
    } else if ((char === '"' || char === "'") && inBrackets && (!quote || quote === char)) {
      quote = quote ? '' : char;
    } else {
      current += char;
    }
  }
  if (current) parts.push(current);
  return parts;
}

const step = (state: State, key: string): State | null => state.byKey.get(key) ?? state.other;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The log object (or bindings) with every matching value replaced, or the object itself when
 * nothing matches. Keys with a serializer are left to it. pino skips undefined values at the
 * top, and functions too in a log line (not in bindings, where a redacted one is written).
 */
function redactTop(obj: Record<string, unknown>, root: State, serialized: Set<string>, censor: string, bindings: boolean): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!hasOwn.call(obj, key) || serialized.has(key)) continue;
    const state = step(root, key);
    if (!state) continue;
    const value = obj[key];
    const redacted = censorTop(value, state, censor, bindings);
    if (redacted !== value) {
      if (!out) {
        out = {};
        for (const k in obj) if (hasOwn.call(obj, k)) define(out, k, obj[k]);
      }
      define(out, key, redacted);
    }
  }
  return out ?? obj;
}

/** A plain own key, even one named "__proto__" (which `out[key] = …` would take as the prototype). */
function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function censorTop(value: unknown, state: State, censor: string, bindings: boolean): unknown {
  if (value === undefined || (typeof value === 'function' && !bindings)) return value;
  return state.censor ? censor : redactIn(value, state, censor);
}

/**
 * `value` with the positions below it that `state` leads to replaced, copying only the
 * objects on the way to a replacement (as pino does: same prototype, own enumerable keys in
 * order, so `toJSON` and JSON.stringify see the same thing). Below the top, pino replaces
 * whatever an own key holds, undefined and functions included.
 */
function redactIn(value: unknown, state: State, censor: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = state.byKey.size ? step(state, String(i)) : state.other;
      if (!next) continue;
      const item: unknown = value[i];
      const redacted = next.censor ? censor : redactIn(item, next, censor);
      if (redacted !== item) (out ??= value.slice())[i] = redacted;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key in source) {
    if (!hasOwn.call(source, key)) continue;
    const next = step(state, key);
    if (!next) continue;
    const item = source[key];
    const redacted = next.censor ? censor : redactIn(item, next, censor);
    if (redacted !== item) (out ??= copyObject(source))[key] = redacted;
  }
  return out ?? value;
}

function copyObject(source: Record<string, unknown>): Record<string, unknown> {
  if (source instanceof Date) return new Date(source.getTime()) as unknown as Record<string, unknown>;
  const copy = Object.create(Object.getPrototypeOf(source)) as Record<string, unknown>;
  for (const key in source) if (hasOwn.call(source, key)) copy[key] = source[key];
  return copy;
}
