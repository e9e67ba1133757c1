/**
 * The ingest benchmark's baseline: a bare Fastify route that answers 202 to the same requests,
 * with nothing behind it. Listens on BENCH_BARE_PORT until SIGTERM.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/webhooks/hr', async (_request, reply) => reply.code(202).send({ status: 'accepted' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_BARE_PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
