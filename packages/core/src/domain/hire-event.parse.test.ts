import { describe, expect, it } from 'vitest';
import { parseHireEvent } from './hire-event.parse';

const now = new Date('2026-11-28T12:00:00Z');
const opts = { now, lateStartGraceDays: 0 };
const valid = {
  type: 'hire.created',
  timestamp: '2026-11-28T10:00:00Z',
  data: {
    employeeId: 'E-10042',
    userPrincipalName: 'jane.doe@contoso.com',
    managerUserPrincipalName: 'sam.lee@contoso.com',
    startDate: '2026-12-01',
    timeZone: 'America/New_York',
    activationTime: '08:00',
    deviceId: '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44',
    tap: { lifetimeMinutes: 480, isUsableOnce: false },
  },
};
const parse = (body: unknown) => parseHireEvent(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), opts);
const withData = (patch: Record<string, unknown>) => ({ ...valid, data: { ...valid.data, ...patch } });
const fieldsOf = (body: unknown) => {
  const r = parse(body);
  if (r.ok) throw new Error('expected a rejection');
  return r.errors.map((e) => e.field);
};

describe('parseHireEvent', () => {
  it('accepts the example of the contract', () => {
    const r = parse(valid);
    expect(r.ok).toBe(true);
  });

  it('accepts a minimal created event and a cancellation', () => {
    const { managerUserPrincipalName, activationTime, deviceId, tap, ...minimal } = valid.data;
    expect(parse({ ...valid, data: minimal }).ok).toBe(true);
    expect(parse({ type: 'hire.cancelled', timestamp: valid.timestamp, data: { employeeId: 'E-1', reason: 'offer withdrawn' } }).ok).toBe(true);
  });

  it.each([
    ['unknown type', { ...valid, type: 'hire.deleted' }, '/type'],
    ['unknown top-level field', { ...valid, extra: 1 }, '/extra'],
    ['unknown data field', withData({ startdate: '2026-12-01' }), '/data/startdate'],
    ['unknown tap field', withData({ tap: { lifetime: 60 } }), '/data/tap/lifetime'],
    ['missing UPN', { ...valid, data: { ...valid.data, userPrincipalName: undefined } }, '/data/userPrincipalName'],
    ['bad employeeId', withData({ employeeId: 'E 1' }), '/data/employeeId'],
    ['too long employeeId', withData({ employeeId: 'E'.repeat(65) }), '/data/employeeId'],
    ['UPN with two @', withData({ userPrincipalName: 'a@b@contoso.com' }), '/data/userPrincipalName'],
    ['UPN without dot in domain', withData({ userPrincipalName: 'a@contoso' }), '/data/userPrincipalName'],
    ['UPN with a space', withData({ userPrincipalName: 'jane doe@contoso.com' }), '/data/userPrincipalName'],
    ['UPN with a control character', withData({ userPrincipalName: 'jane\u0007@contoso.com' }), '/data/userPrincipalName'],
    ['UPN over 113 characters', withData({ userPrincipalName: `${'a'.repeat(105)}@contoso.com` }), '/data/userPrincipalName'],
    ['impossible date', withData({ startDate: '2026-02-30' }), '/data/startDate'],
    ['date in the wrong format', withData({ startDate: '01/12/2026' }), '/data/startDate'],
    ['unknown zone', withData({ timeZone: 'Mars/Olympus_Mons' }), '/data/timeZone'],
    ['bad HH:MM', withData({ activationTime: '24:00' }), '/data/activationTime'],
    ['GUID with braces', withData({ deviceId: '{6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44}' }), '/data/deviceId'],
    ['lifetime too short', withData({ tap: { lifetimeMinutes: 5 } }), '/data/tap/lifetimeMinutes'],
    ['lifetime not an integer', withData({ tap: { lifetimeMinutes: 60.5 } }), '/data/tap/lifetimeMinutes'],
    ['isUsableOnce not a boolean', withData({ tap: { isUsableOnce: 'no' } }), '/data/tap/isUsableOnce'],
    ['bad timestamp', { ...valid, timestamp: 'yesterday' }, '/timestamp'],
    ['timestamp that is not a real instant', { ...valid, timestamp: '2026-13-45T10:00:00Z' }, '/timestamp'],
    ['start date in the past', withData({ startDate: '2026-11-27' }), '/data/startDate'],
    ['cancel with a long reason', { type: 'hire.cancelled', timestamp: valid.timestamp, data: { employeeId: 'E1', reason: 'x'.repeat(501) } }, '/data/reason'],
    ['cancel with hire fields', { type: 'hire.cancelled', timestamp: valid.timestamp, data: { employeeId: 'E1', startDate: '2026-12-01' } }, '/data/startDate'],
  ])('rejects %s and names the field', (_name, body, field) => {
    expect(fieldsOf(body)).toContain(field);
  });

  it('takes today in the hire zone as not late, and honours the grace days', () => {
    // 2026-11-28 12:00Z is already 2026-11-29 in Kiritimati: the 28th is yesterday there.
    expect(parse(withData({ startDate: '2026-11-28', timeZone: 'Pacific/Kiritimati' })).ok).toBe(false);
    expect(parse(withData({ startDate: '2026-11-28', timeZone: 'America/New_York' })).ok).toBe(true);
    const graced = parseHireEvent(Buffer.from(JSON.stringify(withData({ startDate: '2026-11-26' }))), { now, lateStartGraceDays: 2 });
    expect(graced.ok).toBe(true);
  });

  it.each([
    ['malformed JSON', '{"type": "hire.created",'],
    ['a JSON array', '[]'],
    ['a BOM before the JSON', `\ufeff${JSON.stringify(valid)}`],
    ['duplicate keys', JSON.stringify(valid).replace('"type":"hire.created"', '"type":"hire.created","type":"hire.updated"')],
    ['__proto__ key', JSON.stringify(valid).replace('"tap":{', '"tap":{"__proto__":{"x":1},')],
    ['constructor key', JSON.stringify(valid).replace('"data":{', '"data":{"constructor":1,')],
    ['escaped __proto__ key', JSON.stringify(valid).replace('"tap":{', '"tap":{"\\u005f_proto__":1,')],
    ['deep nesting', `{"type":"hire.created","timestamp":"2026-11-28T10:00:00Z","data":${'['.repeat(5000)}${']'.repeat(5000)}}`],
  ])('rejects %s', (_name, text) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
  });

  it.each([
    ['a key repeated once escaped', JSON.stringify(valid).replace('"type":"hire.created"', '"type":"hire.created","\\u0074ype":"hire.updated"')],
    ['a key repeated after an escaped quote in a value', JSON.stringify(valid).replace('"type":"hire.created"', '"note":"a \\"quoted\\" word","type":"hire.created","type":"hire.updated"')],
  ])('names the duplicate in %s', (_name, text) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.detail).toContain('duplicate key "type" at /');
  });

  it('rejects bytes that are not UTF-8, and the next valid body still parses', () => {
    const r = parseHireEvent(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), opts);
    expect(r.ok).toBe(false);
    expect(parseHireEvent(Buffer.from(JSON.stringify(valid)), opts).ok).toBe(true);
  });
});
