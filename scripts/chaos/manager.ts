import { request } from 'node:http';
import { pause } from './poll';

const LINK = /https?:\/\/[^\s"'<>]+\/reveal\/([A-Za-z0-9_-]{43})/;

export function revealTokenIn(mailContent: string): string | null {
  return LINK.exec(mailContent)?.[1] ?? null;
}

function unescapeHtml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
}

/**
 * Each manager comes from an address of their own, as real ones do: the reveal page limits
 * attempts per client address (issue 6), and one address revealing hundreds of passcodes a
 * minute is exactly what it must stop. Linux routes all of 127.0.0.0/8 to loopback.
 */
export function managerAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

export type RevealOutcome = { kind: 'revealed'; passcode: string } | { kind: 'refused'; status: number; step: 'GET' | 'POST' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, from: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, localAddress: from, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${init.method ?? 'GET'} reveal page: timed out`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A manager opening the notice's link: GET the page (it reveals nothing), then POST its form
 * with the nonce and the cookie the page set, as a browser does; the passcode is read from
 * the answer. A 429 is waited out (the limits are not what this checks).
 */
export async function revealAsManager(apiUrl: string, token: string, from: string): Promise<RevealOutcome> {
  const url = `${apiUrl}/reveal/${token}`;
  const page = await retryThrottled(() => send(url, from));
  if (page.status !== 200) return { kind: 'refused', status: page.status, step: 'GET' };
  const setCookie = page.headers['set-cookie'] ?? [];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(';')[0]).filter(Boolean).join('; ');
  const hidden = [...page.body.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)];
  const form = new URLSearchParams(hidden.map((m): [string, string] => [m[1]!, unescapeHtml(m[2]!)])).toString();
  const answer = await retryThrottled(() =>
    send(url, from, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(form)), cookie }, body: form }),
  );
  if (answer.status !== 200) return { kind: 'refused', status: answer.status, step: 'POST' };
  const shown = /<output class="passcode"[^>]*>([^<]*)<\/output>/.exec(answer.body);
  if (!shown) throw new Error('the reveal answer shows no passcode element');
  return { kind: 'revealed', passcode: unescapeHtml(shown[1]!) };
}

async function retryThrottled(go: () => Promise<Answer>): Promise<Answer> {
  for (let i = 0; ; i++) {
    const res = await go();
    if (res.status !== 429 || i >= 5) return res;
    await pause(Math.min(5_000, 1000 * (Number(res.headers['retry-after']) || 1)));
  }
}
