import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReceipts, ManualClock, loadApiConfig } from '@hirepass/core';
import { startApi } from '@hirepass/api';
import { sampleCurl } from '../scripts/demo-curl';
import { LogSink } from './helpers/log-sink';
import { deleteByPrefix } from './helpers/redis-dump';

const run = promisify(execFile);
const LATER_SECONDS = 600;

/**
 * spec/config.md: `npm start` prints a ready-to-paste curl that posts a signed sample hire.
 * Pasted as printed, by the shells a newcomer has, it must be accepted whenever it is pasted:
 * again (a fresh webhook-id, not a duplicate) and after the 5-minute timestamp tolerance.
 */
describe('the curl the demo prints', () => {
  const prefix = `democurl-${randomUUID().slice(0, 8)}`;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const clock = new ManualClock(Date.now());
  const work = mkdtempSync(path.join(tmpdir(), 'hirepass-demo-curl-'));
  const laterBin = path.join(work, 'later');
  let api: Awaited<ReturnType<typeof startApi>>;
  let redis: Redis;
  let snippet: string;

  beforeAll(async () => {
    const config = loadApiConfig({
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      PORT: '0',
      HR_WEBHOOK_SECRETS: secret,
      PASSCODE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
      OPS_TOKEN: randomBytes(24).toString('base64url'),
    });
    api = await startApi({ config, clock, logDestination: new LogSink() });
    redis = new Redis(config.redisUrl);
    // Printed once, at start-up, as the demo does.
    snippet = sampleCurl(api.url, secret);
    // A `date` that reads the clock LATER_SECONDS ahead, but converts given instants as they are.
    mkdirSync(laterBin);
    writeFileSync(
      path.join(laterBin, 'date'),
      `#!/bin/sh\ncase " $* " in *" -d "*|*" -r "*) exec /usr/bin/date "$@";; esac\nexec /usr/bin/date -d "@$(( $(/usr/bin/date +%s) + ${LATER_SECONDS} ))" "$@"\n`,
    );
    chmodSync(path.join(laterBin, 'date'), 0o755);
  });
  afterAll(async () => {
    await api?.close();
    if (redis) {
      await deleteByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    }
    rmSync(work, { recursive: true, force: true });
  });

  async function paste(shell: string, pathPrefix = ''): Promise<{ eventId: string; status: string; http: number }> {
    const { stdout } = await run(shell, ['-c', snippet], { env: { PATH: `${pathPrefix}${process.env.PATH}`, HOME: work } });
    const m = /^(\{.*\}) \(HTTP (\d{3})\)\n$/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    return { ...(JSON.parse(m![1]!) as { eventId: string; status: string }), http: Number(m![2]) };
  }

  it.each(['sh', 'bash'])('is accepted (202) each time it is pasted into %s, as a new event', async (shell) => {
    const first = await paste(shell);
    const second = await paste(shell);
    for (const answer of [first, second]) expect(answer).toMatchObject({ http: 202, status: 'accepted' });
    expect(second.eventId).not.toBe(first.eventId);
    const receipts = new EventReceipts(redis, prefix);
    for (const { eventId } of [first, second]) expect(await receipts.get(eventId)).not.toBeNull();
  });

  it('is still accepted when pasted after the timestamp tolerance has run out', async () => {
    clock.advance(LATER_SECONDS * 1000);
    expect(await paste('sh', `${laterBin}:`)).toMatchObject({ http: 202, status: 'accepted' });
  });
});
