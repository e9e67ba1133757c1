import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '@microsoft/microsoft-graph-client';
import { UndiciMessageHandler } from './undici-transport';

// Plain HTTP on loopback: the TLS side (NODE_EXTRA_CA_CERTS) is covered by the adapter's tests
// against the simulator; here, what the SDK reads from the answer and how failures look.
let server: Server;
let base: string;
const seen: Array<{ method?: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      if (req.url === '/json') {
        res.writeHead(200, [
          ['Content-Type', 'application/json; odata.metadata=minimal'],
          ['Request-Id', 'rid-1'],
          ['X-Twice', 'a'],
          ['X-Twice', 'b'],
        ]);
        res.end(JSON.stringify({ value: [1, 2] }));
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/json' }).end();
      } else if (req.url === '/accepted') {
        res.writeHead(202, { 'request-id': 'rid-2' }).end();
      } else if (req.url === '/throttled') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2.5' }).end(JSON.stringify({ error: { code: 'TooMany', message: 'slow' } }));
      }
      // '/hang': never answers.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function send(path: string, options: Context['options'] = { method: 'GET' }): Promise<Response> {
  const context: Context = { request: `${base}${path}`, options };
  await new UndiciMessageHandler().execute(context);
  return context.response!;
}

describe('UndiciMessageHandler', () => {
  it('answers with status, case-insensitive headers and a JSON body, as fetch would', async () => {
    const res = await send('/json');
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('request-id')).toBe('rid-1');
    expect(res.headers.get('Content-type')).toBe('application/json; odata.metadata=minimal');
    expect(res.headers.get('x-twice')).toBe('a, b');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toEqual({ value: [1, 2] });
    await expect(res.text()).rejects.toThrow(/already been read/);
    // Redirects are followed, as fetch follows them.
    expect(await (await send('/moved')).json()).toEqual({ value: [1, 2] });
  });

  it('sends method, headers and body, and reads an empty 202 and a 429 with Retry-After', async () => {
    const res = await send('/accepted', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' }, body: '{"a":1}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', authorization: 'Bearer t' } });
    expect([res.status, res.ok, res.headers.get('request-id'), res.body]).toEqual([202, true, 'rid-2', null]);
    const throttled = await send('/throttled');
    expect([throttled.status, throttled.ok, throttled.headers.get('Retry-After')]).toEqual([429, false, '2.5']);
    expect(await throttled.json()).toMatchObject({ error: { code: 'TooMany' } });
  });

  it('rejects with the signal reason on a timeout, and as "fetch failed" without an answer', async () => {
    const timedOut = await send('/hang', { method: 'GET', signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    const closed = await new UndiciMessageHandler()
      .execute({ request: 'http://127.0.0.1:1/x', options: { method: 'GET' } })
      .catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(TypeError);
    expect((closed as Error).message).toBe('fetch failed');
  });
});
