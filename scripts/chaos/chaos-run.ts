import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChaosStack } from './chaos-stack';
import { activationMinute, hireCreatedEvent, prepareHires, type Hire } from './hires';
import { HrSystem, type Delivery } from './hr-system';
import { checkInvariants, isSettled, listOnboardings, type ChaosVerdict } from './invariants';
import { pause, waitUntil } from './poll';
import type { ServiceProcess } from './service-process';
import { chaosFaults, injectedFaults } from './sim-control';

export interface ChaosOptions {
  hires: number;
  workers: number;
  /** 'interval': SIGKILL a random worker every `killEveryMs` until all hires settle; 'once': one kill, early in the run. */
  kills: { mode: 'interval'; everyMs: [number, number] } | { mode: 'once' };
  /** Minutes ahead of now for the activation instants, spread round-robin (0 = already due). */
  activationMinutes: number[];
  /** Hires posted only while Redis is down (they get 503 and are redelivered). */
  postedWhileRedisDown: number;
  /** Hires whose webhook is redelivered after its 2xx, and hires sent as 3 concurrent copies. */
  duplicates: number;
  concurrentDuplicates: number;
  lockSeconds: number;
  retryAfterSeconds: number;
  settleTimeoutMs: number;
  log?: (line: string) => void;
  /** Default 'aof'; 'none' shows what the invariants catch when Redis keeps nothing. */
  redisPersistence?: 'aof' | 'none';
  /** Keep the run's directory (logs, AOF) even when every invariant held. */
  keepRunDir?: boolean;
}

export interface ChaosResult extends ChaosVerdict {
  runDir: string;
}

/**
 * Issue 5's chaos run: N hires through the real API and several worker processes while
 * workers are SIGKILLed, the tenant injects 429/503/commit-then-fail, and Redis restarts once;
 * then the invariants, from the tenant's own records. Returns the verdict; never throws for a
 * violation (only for a broken harness).
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const out = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const log = (l: string) => out(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${l}`);
  const runDir = mkdtempSync(path.join(tmpdir(), 'hirepass-chaos-'));
  const stack = new ChaosStack({ runDir, workers: opts.workers, lockSeconds: opts.lockSeconds, replicationLagMs: 1_000, redisPersistence: opts.redisPersistence, log });
  let result: ChaosResult | undefined;
  try {
    await stack.start();
    result = { runDir, ...(await drive(stack, opts, log)) };
    log('invariants checked');
    return result;
  } finally {
    await stack.stop().catch((err: unknown) => log(`stopping the stack: ${String(err)}`));
    log('stack stopped');
    if (result && result.violations.length === 0 && !opts.keepRunDir) rmSync(runDir, { recursive: true, force: true });
    else log(`run directory kept: ${runDir}`);
  }
}

async function drive(stack: ChaosStack, opts: ChaosOptions, log: (l: string) => void): Promise<ChaosVerdict> {
  const runTag = Date.now().toString(36);
  const users = await prepareHires(stack.simControl, opts.hires, runTag);
  const now = new Date();
  // An instant a few seconds into the current minute would be "due" anyway; start counting
  // the later ones from the first whole minute at least 30 s away.
  const firstLater = Math.ceil((now.getTime() + 30_000 - activationMinute(now, 0).getTime()) / 60_000);
  const hires: Hire[] = users.map((u, i) => {
    const m = opts.activationMinutes[i % opts.activationMinutes.length]!;
    return { ...u, activationAt: activationMinute(now, m === 0 ? 0 : firstLater + m - 1) };
  });
  const dueNow = hires.filter((h) => h.activationAt.getTime() <= now.getTime()).length;
  const late = hires.slice(hires.length - opts.postedWhileRedisDown);
  const early = hires.slice(0, hires.length - opts.postedWhileRedisDown);
  const hr = new HrSystem(stack.apiUrl, stack.webhookSecret, { maxBackoffMs: 1_000, giveUpAfterMs: opts.settleTimeoutMs });
  const eventOf = new Map(hires.map((h) => [h.employeeId, { id: `evt-${h.employeeId}`, body: hireCreatedEvent(h, now) }]));

  await stack.simControl.setFaults(chaosFaults(opts.retryAfterSeconds));
  log(`faults on: 10% 429 (Retry-After ${opts.retryAfterSeconds} s), 5% 503, 2% commit-then-fail on writes`);
  const started = Date.now();

  // Concurrent copies first (exactly one may be told 202), then everyone else.
  const concurrent = early.slice(0, opts.concurrentDuplicates);
  const concurrentGroups = await Promise.all(
    concurrent.map((h) => {
      const e = eventOf.get(h.employeeId)!;
      return Promise.all([1, 2, 3].map(() => hr.deliver(e.id, e.body)));
    }),
  );
  await inPool(early.slice(opts.concurrentDuplicates), 16, (h) => hr.deliver(eventOf.get(h.employeeId)!.id, eventOf.get(h.employeeId)!.body));
  log(`${early.length} hires accepted; activation instants ${[...new Set(hires.map((h) => h.activationAt.toISOString().slice(11, 16)))].join(', ')} UTC, ${dueNow} of ${hires.length} due at once`);

  let settled = false;
  let kills = 0;
  let killerFailed = false;
  const tapCreates = async () => (await stack.simControl.counts())['tap.create'] ?? 0;
  const killer = (async () => {
    if (opts.kills.mode === 'once') {
      await waitUntil('a quarter of the due TAPs being created', async () => settled || (await tapCreates()) >= Math.ceil(dueNow / 4), { timeoutMs: opts.settleTimeoutMs, intervalMs: 50 });
      // Aimed at a worker in the middle of an onboarding job (a random one may be idle).
      const busy = await waitUntil('a worker running an onboarding job', async () => settled || (await stack.busyWorkers())[0], { timeoutMs: 30_000, intervalMs: 20 }).catch(() => null);
      await killRandom(typeof busy === 'object' ? busy : null);
      return;
    }
    const [lo, hi] = opts.kills.everyMs;
    while (!settled) {
      const until = Date.now() + lo + Math.random() * (hi - lo);
      while (!settled && Date.now() < until) await pause(100);
      if (!settled) await killRandom();
    }
  })().catch((err: unknown) => {
    // A broken killer is a broken harness: reported, and the run's invariants still checked.
    log(`the worker killer stopped: ${err instanceof Error ? err.message : String(err)}`);
    killerFailed = true;
  });
  /** Kills a random worker that is up, as long as another one stays up to make progress. */
  async function killRandom(aimed: ServiceProcess | null = null): Promise<void> {
    const up = stack.readyWorkers();
    if (up.length < 2 && opts.workers > 1) return;
    const victim = aimed ?? up[Math.floor(Math.random() * up.length)]!;
    kills++;
    log(`SIGKILL ${victim.name} (pid ${victim.pid})${aimed ? ', running an onboarding job' : ''}`);
    await stack.kill(victim);
  }

  // Redis restarts once, mid-run: half the due TAPs out, the later activations still delayed
  // jobs that must come back from the AOF. Meanwhile the HR system posts the late hires.
  const deliveriesWhileDown: Promise<Delivery>[] = [];
  await waitUntil('half the due TAPs being created', async () => (await tapCreates()) >= Math.ceil(dueNow / 2), { timeoutMs: opts.settleTimeoutMs, intervalMs: 50 });
  log('restarting Redis (SIGTERM: AOF fsynced, then started again on the same port and dir)');
  await stack.redis.restart(async () => {
    const refusedBefore = (hr.refusals[503] ?? 0) + (hr.refusals[0] ?? 0);
    for (const h of late) deliveriesWhileDown.push(hr.deliver(eventOf.get(h.employeeId)!.id, eventOf.get(h.employeeId)!.body));
    if (late.length) {
      await waitUntil('the late hires being refused while Redis is down', () => (hr.refusals[503] ?? 0) + (hr.refusals[0] ?? 0) >= refusedBefore + late.length, { timeoutMs: 30_000, intervalMs: 20 });
    }
  });
  await Promise.all(deliveriesWhileDown);
  log(`Redis back; ${late.length} hires posted while it was down were redelivered until accepted`);

  // Redeliveries of accepted events (an HR system that missed our answer).
  await inPool(early.slice(0, opts.duplicates), 8, (h) => hr.deliver(eventOf.get(h.employeeId)!.id, eventOf.get(h.employeeId)!.body));

  let lastProgress = '';
  await waitUntil(
    'every onboarding to settle',
    async () => {
      const all = await listOnboardings(stack);
      const mine = all.filter((o) => eventOf.has(o.employeeId));
      const done = mine.filter(isSettled).length;
      const progress = `${done}/${hires.length} settled`;
      if (progress !== lastProgress) log(`  ${progress}`);
      lastProgress = progress;
      return done === hires.length;
    },
    { timeoutMs: opts.settleTimeoutMs, intervalMs: 1_000 },
  ).catch((err: Error) => log(err.message));
  settled = true;
  await killer;
  const secondsToSettle = Math.round((Date.now() - started) / 1000);
  const injected = await injectedFaults(stack.simControl);
  await stack.simControl.clearFaults();

  const verdict = await checkInvariants({ stack, hires, deliveries: hr.deliveries, concurrentGroups, workerKills: kills, secondsToSettle, injected });
  if (killerFailed) verdict.violations.push('the worker killer failed (see the log): the run did not get the chaos it was meant to');
  return verdict;
}

async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}
