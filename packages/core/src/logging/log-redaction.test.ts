import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactChildBindings, redactingLogOptions, type LogSerializer } from './log-redaction';
import { REDACT_PATHS } from './redact';

/**
 * redactingLogOptions must write exactly what pino's own `redact: { paths: REDACT_PATHS }`
 * wrote: the same lines, byte for byte but the time, for any log object, with secret names
 * at any depth, inside arrays and Errors, through serializers and child bindings.
 */

// A serializer like the API's `req` one: it keeps the headers, so the redaction must run after it.
const SERIALIZERS = {
  err: pino.stdSerializers.err,
  req: (req: { method?: unknown; url?: unknown; headers?: unknown } | null | undefined) => ({ method: req?.method, url: req?.url, headers: req?.headers }),
} satisfies { err: LogSerializer } & Record<string, LogSerializer>;

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines };
}

function loggers(base: () => object = () => ({ service: 'test', workerId: 'w-1' })) {
  const before = sink();
  const after = sink();
  const options = redactingLogOptions(SERIALIZERS);
  return {
    before: pino({ level: 'trace', base: base(), redact: { paths: REDACT_PATHS, censor: REDACTED }, serializers: SERIALIZERS }, before.stream),
    after: redactChildBindings(pino({ level: 'trace', base: base(), ...options }, after.stream), options),
    lines: () => [before.lines, after.lines].map((ls) => ls.map((l) => l.replace(/,"time":\d+/, ''))),
  };
}

// Values are described as data and built twice, once per logger: pino's redactor can change
// objects it was handed (a wildcard path reaching past its copy), which must not leak across.
type Spec =
  | { t: 'prim'; v: string | number | boolean | null }
  | { t: 'undef' }
  | { t: 'fn' }
  | { t: 'date'; ms: number }
  | { t: 'arr'; items: Spec[] }
  | { t: 'obj'; entries: [string, Spec][] }
  | { t: 'err'; message: string; entries: [string, Spec][] };

function build(spec: Spec): unknown {
  switch (spec.t) {
    case 'prim':
      return spec.v;
    case 'undef':
      return undefined;
    case 'fn':
      return () => 'f';
    case 'date':
      return new Date(spec.ms);
    case 'arr':
      return spec.items.map(build);
    case 'obj':
      return Object.fromEntries(spec.entries.map(([k, v]) => [k, build(v)]));
    case 'err': {
      const err = new Error(spec.message);
      err.stack = `Error: ${spec.message}\n    at a fixed place`; // the same for both loggers
      for (const [k, v] of spec.entries) (err as unknown as Record<string, unknown>)[k] = build(v);
      return err;
    }
  }
}

// Every name a path mentions, the keys around them, and anything else.
const NAMES = [...new Set(REDACT_PATHS.flatMap((p) => p.split(/[.[\]"]+/)).filter((p) => p && p !== '*'))];
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES, 'req', 'res', 'err', 'config', 'body', 'tap', 'data', 'msg', 'level', 'type', 'message', 'stack') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__') },
);
const prim: fc.Arbitrary<Spec> = fc.oneof(
  fc.string({ maxLength: 12 }).map((v) => ({ t: 'prim' as const, v })),
  fc.oneof(fc.integer(), fc.double()).map((v) => ({ t: 'prim' as const, v })),
  fc.boolean().map((v) => ({ t: 'prim' as const, v })),
  fc.constant({ t: 'prim' as const, v: null }),
  fc.constant({ t: 'undef' as const }),
  fc.constant({ t: 'fn' as const }),
  fc.integer({ min: 0, max: 4e12 }).map((ms) => ({ t: 'date' as const, ms })),
);
const { spec } = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    prim,
    fc.array(tie('spec'), { maxLength: 4 }).map((items) => ({ t: 'arr' as const, items })),
    fc.array(fc.tuple(key, tie('spec')), { maxLength: 6 }).map((entries) => ({ t: 'obj' as const, entries })),
    fc
      .tuple(fc.string({ maxLength: 12 }), fc.array(fc.tuple(key, tie('spec')), { maxLength: 3 }))
      // An own `message` entry may replace the string one, with any value: pino then writes it
      // as the line's `msg` when no message is given (redacted by the `msg` serializer).
      .map(([message, entries]) => ({ t: 'err' as const, message, entries })),
  ),
}));
const entries = fc.array(fc.tuple(key, spec), { maxLength: 8 });
const objectSpec = entries.map((es): Spec => ({ t: 'obj', entries: es }));
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

describe('redactingLogOptions', () => {
  it('writes what pino wrote with redact: REDACT_PATHS, for any log object', () => {
    fc.assert(
      fc.property(objectSpec, fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), (obj, msg) => {
        const { before, after, lines } = loggers();
        before.info(build(obj) as object, msg);
        after.info(build(obj) as object, msg);
        const [a, b] = lines();
        expect(b).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('the same for an Error logged on its own, for base bindings and for child bindings', () => {
    fc.assert(
      fc.property(spec, objectSpec, objectSpec, objectSpec, (err, base, bindings, obj) => {
        const { before, after, lines } = loggers(() => build(base) as object);
        for (const log of [before, after]) {
          const e = build({ t: 'err', message: 'boom', entries: [['cause', err]] }) as Error;
          log.error(e);
          const child = log.child(build(bindings) as pino.Bindings);
          child.warn(build(obj) as object, 'child');
          child.child(build(bindings) as pino.Bindings).info('grandchild');
        }
        const [a, b] = lines();
        expect(b).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('redacts a message pino takes from a non-string err.message (found by the property above)', () => {
    const { before, after, lines } = loggers();
    for (const log of [before, after]) {
      log.info({ err: { message: { accessToken: new Date(0) } } });
      const e = new Error('x');
      (e as unknown as { message: unknown }).message = { token: 'abc' };
      log.error(e);
    }
    const [a, b] = lines();
    expect(b).toEqual(a);
    expect(b!.join('\n')).not.toContain('abc');
    expect(b![0]).toContain('"msg":{"accessToken":"[redacted]"}');
  });

  it('hands back the object itself when nothing in it is secret', () => {
    const { formatters } = redactingLogOptions(SERIALIZERS);
    const line = { eventId: 'e1', data: { employeeId: 'E-1', list: [{ id: 1 }] }, res: { statusCode: 202 } };
    expect(formatters.log(line)).toBe(line);
  });

  it('never changes the object it was given', () => {
    const { formatters } = redactingLogOptions(SERIALIZERS);
    const line = { sealed: { temporaryAccessPass: 'x' }, tap: { temporaryAccessPass: 'y' }, list: [{ temporaryAccessPass: 't', id: 1 }] };
    const copy = structuredClone(line);
    const out = formatters.log(line);
    expect(line).toEqual(copy);
    expect(out).toEqual({ sealed: REDACTED, tap: { temporaryAccessPass: REDACTED }, list: [{ temporaryAccessPass: REDACTED, id: 1 }] });
  });

  it('refuses a path it would not redact as pino does', () => {
    expect(() => redactingLogOptions(SERIALIZERS, ['a.*'])).toThrow(/unsupported/);
  });
});
