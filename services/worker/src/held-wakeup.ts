import { Job, type Queue } from 'bullmq';
import type { IssuanceHolds, WorkflowLog } from '@hirepass/core';

/** How often a worker looks for held jobs to wake: a pass follows a resume within about this. */
export const HELD_WAKE_CHECK_MS = 1_000;
const TAKE = 200;

export interface HeldWakeup {
  /** One look: when jobs are held and issuance is open, promotes them; returns how many. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Wakes the jobs the issuance guard held once issuance opens again (an ops resume, a released
 * brake, a tenant fixed), by promoting them from delayed to waiting. Without it each would
 * run at its own re-check, up to 5 minutes after the release. While nothing is held a look
 * costs one SCARD. Every worker looks; each id is taken by one of them.
 */
export function startHeldWakeup(opts: {
  holds: IssuanceHolds;
  isOpen: () => Promise<boolean>;
  queue: Queue;
  log: WorkflowLog;
  everyMs?: number;
}): HeldWakeup {
  const { holds, isOpen, queue, log } = opts;
  let running: Promise<number> | null = null;

  async function look(): Promise<number> {
    if ((await holds.size()) === 0 || !(await isOpen())) return 0;
    let woken = 0;
    for (let ids = await holds.take(TAKE); ids.length > 0; ids = await holds.take(TAKE)) {
      const promoted = await Promise.all(ids.map((id) => promote(queue, id)));
      woken += promoted.filter(Boolean).length;
    }
    if (woken > 0) log.info({ woken }, 'TAP issuance open again: held onboardings woken');
    return woken;
  }

  const tick = (): Promise<number> => {
    running ??= look().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => {
    tick().catch((err: unknown) => log.warn({ err: String(err) }, 'could not wake held onboardings: they wake on their own re-check'));
  }, opts.everyMs ?? HELD_WAKE_CHECK_MS);
  timer.unref();

  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** False when the job is gone or no longer delayed (it ran on its own re-check meanwhile). */
async function promote(queue: Queue, id: string): Promise<boolean> {
  const job = await Job.fromId(queue, id);
  if (!job) return false;
  try {
    await job.promote();
    return true;
  } catch {
    return false;
  }
}
