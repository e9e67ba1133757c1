import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';

export const QUEUE_BOARD_PATH = '/admin/queues';

// Job payloads hold HR data (names, UPNs, free-text reasons); the board shows only these.
const SAFE_KEYS = new Set([
  'eventId',
  'seq',
  'receivedAt',
  'event',
  'type',
  'timestamp',
  'data',
  'employeeId',
  'onboardingId',
  'generation',
  'actor',
  'requestedAt',
  'startDate',
  'activationAt',
  'tapId',
  'step',
  'status',
  'outcome',
]);

/** Keeps ids, types and dates, recursively; drops everything else (never a secret, never PII). */
export function safeJobView(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) return value.map((v) => safeJobView(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (SAFE_KEYS.has(k)) out[k] = safeJobView(v, depth + 1);
  return out;
}

// The board is a React app: it needs its own scripts, inline styles and (optionally) Google
// Fonts; it still gets no framing, no third-party scripts and no foreign form targets.
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' data: https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join('; ');

export async function adminQueuesRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  const adapters = [ctx.queues.events, ctx.queues.onboarding].map((q) => {
    const adapter = new BullMQAdapter(q);
    adapter.setFormatter('data', (data) => safeJobView(data));
    adapter.setFormatter('returnValue', (value) => safeJobView(value));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'hirepass queues',
        // Back to our own pages; the board's docs link points at a site ops do not need.
        miscLinks: [
          { text: 'Onboardings', url: '/admin/' },
          { text: 'Metrics', url: '/metrics' },
        ],
        hideDocsLink: true,
        hideRedisDetails: true,
      },
    },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', BOARD_CSP);
    reply.header('cache-control', 'no-store');
    return payload;
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
}
