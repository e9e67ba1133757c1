import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUES } from '@hirepass/core';
import type { ChaosStack } from './chaos-stack';
import type { Hire } from './hires';
import type { Delivery } from './hr-system';
import { managerAddress, revealAsManager, revealTokenIn } from './manager';

export interface OnboardingSummary {
  employeeId: string;
  status: string;
  notice: { state: string };
  attention: { condition: string } | null;
  tap: { id: string } | null;
  steps: Record<string, { state: string; reason?: string }>;
}

export interface ChaosCounts {
  hires: number;
  accepted: number;
  duplicateAnswers: number;
  webhookRefusals: Record<string, number>;
  workerKills: number;
  redisRestarts: number;
  tapsCreated: number;
  tapsReplaced: number;
  hiresWithOneCurrentTap: number;
  mails: number;
  hiresWithOneNotice: number;
  missingNoticesFlagged: number;
  noticesFlaggedUnknown: number;
  revealedMatching: number;
  onboardingsByStatus: Record<string, number>;
  failedJobs: number;
  jobsTakenOverAfterACrash: number;
  graphCalls: number;
  graphFaultsInjected: Record<string, number>;
  secondsToSettle: number;
}

export interface ChaosVerdict {
  counts: ChaosCounts;
  violations: string[];
  /** The audit trail of the first onboarding that broke an invariant, for the report. */
  firstBadAudit?: { employeeId: string; entries: unknown[] };
}

/** A notice was neither sent once nor left flagged: what ops would see as "needs attention". */
export function isSettled(o: OnboardingSummary): boolean {
  return o.status === 'notified' || o.status === 'revealed' || o.status === 'failed' || (o.status === 'needs_attention' && o.notice.state === 'unknown');
}

export async function listOnboardings(stack: ChaosStack): Promise<OnboardingSummary[]> {
  const out: OnboardingSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: OnboardingSummary[]; nextCursor: string | null } = await stack.ops(`/api/onboardings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * Checks issue 5's invariants from the simulated tenant's own records (every TAP with its
 * passcode, every captured mail) and from what a manager and ops see, never from hirepass's
 * word alone. Reveals every passcode as the manager would.
 */
export async function checkInvariants(args: {
  stack: ChaosStack;
  hires: Hire[];
  deliveries: Delivery[];
  concurrentGroups: Delivery[][];
  workerKills: number;
  secondsToSettle: number;
  injected: Record<string, number>;
}): Promise<ChaosVerdict> {
  const { stack, hires } = args;
  const violations: string[] = [];
  const bad = new Set<string>();
  const flag = (employeeId: string | null, message: string) => {
    violations.push(message);
    if (employeeId) bad.add(employeeId);
  };

  const [taps, mails, onboardings, counts] = await Promise.all([stack.simControl.taps(), stack.simControl.mails(), listOnboardings(stack), stack.simControl.counts()]);
  const byId = new Map(onboardings.map((o) => [o.employeeId, o]));

  // No accepted event lost: every hire answered 2xx has its onboarding.
  const accepted = new Map<string, Delivery>();
  for (const d of args.deliveries) if (!accepted.has(d.eventId)) accepted.set(d.eventId, d);
  for (const d of accepted.values()) if (!byId.has(d.employeeId)) flag(d.employeeId, `event ${d.eventId} was answered ${d.status} but ${d.employeeId} has no onboarding (lost)`);
  for (const h of hires) if (![...accepted.values()].some((d) => d.employeeId === h.employeeId)) flag(h.employeeId, `hire ${h.employeeId} never got a 2xx`);
  for (const group of args.concurrentGroups) {
    const firsts = group.filter((d) => d.status === 202).length;
    if (firsts !== 1) flag(group[0]?.employeeId ?? null, `${group.length} concurrent copies of ${group[0]?.eventId}: ${firsts} answered 202 (want exactly 1)`);
  }

  let oneTap = 0;
  let oneNotice = 0;
  let missingFlagged = 0;
  let matching = 0;
  for (const [i, h] of hires.entries()) {
    const o = byId.get(h.employeeId);
    const mine = taps.filter((t) => t.userPrincipalName.toLowerCase() === h.userPrincipalName.toLowerCase());
    const current = mine.filter((t) => t.current);
    if (current.length === 1) oneTap++;
    else flag(h.employeeId, `${h.employeeId} (${h.userPrincipalName}) holds ${current.length} current TAPs (${mine.length} created)`);
    if (o && !isSettled(o)) flag(h.employeeId, `${h.employeeId} did not settle: status ${o.status}, notice ${o.notice.state}, steps ${JSON.stringify(o.steps)}`);
    if (o?.status === 'failed') flag(h.employeeId, `${h.employeeId} failed: ${JSON.stringify(o.steps)}`);
    if (o && current[0] && o.tap?.id !== current[0].id) flag(h.employeeId, `${h.employeeId} records TAP ${o.tap?.id} but the tenant's current one is ${current[0].id}`);

    const notices = mails.filter((m) => m.content.includes(h.userPrincipalName));
    if (notices.length > 1) flag(h.employeeId, `${h.employeeId} got ${notices.length} notices (duplicate)`);
    if (notices.length === 1) oneNotice++;
    if (notices.length === 0) {
      if (o?.notice.state === 'unknown' && o.status === 'needs_attention') missingFlagged++;
      else flag(h.employeeId, `${h.employeeId} got no notice and is not flagged for ops (status ${o?.status}, notice ${o?.notice.state})`);
    }
    const token = notices.length === 1 ? revealTokenIn(notices[0]!.content) : null;
    if (notices.length === 1 && !token) flag(h.employeeId, `${h.employeeId}: the notice holds no reveal link`);
    if (token && current.length === 1) {
      const shown = await revealAsManager(stack.apiUrl, token, managerAddress(i));
      if (shown.kind === 'refused') flag(h.employeeId, `${h.employeeId}: reveal ${shown.step} answered ${shown.status}`);
      else if (shown.passcode !== current[0]!.passcode) flag(h.employeeId, `${h.employeeId}: the revealed passcode is not the tenant's current TAP ${current[0]!.id}`);
      else matching++;
    }
  }

  // The secrets rule: no passcode and no reveal token in any process's log.
  const logs = stack.logFiles().map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const t of taps) if (logs.includes(t.passcode)) flag(null, `the passcode of TAP ${t.id} appears in a log`);
  for (const m of mails) {
    const token = revealTokenIn(m.content);
    if (token && logs.includes(token)) flag(null, 'a reveal token appears in a log');
  }

  const jobs = await jobStats(stack);
  const failedJobs = jobs.failed;
  for (const j of failedJobs) flag(j.employeeId ?? null, `job ${j.queue}/${j.name} ${j.id} failed: ${j.reason}`);

  const statuses: Record<string, number> = {};
  for (const o of onboardings) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  const firstBad = [...bad][0];
  return {
    violations,
    counts: {
      hires: hires.length,
      accepted: [...accepted.values()].length,
      duplicateAnswers: args.deliveries.filter((d) => d.status === 200).length,
      webhookRefusals: Object.fromEntries(Object.entries(mergeRefusals(args.deliveries))),
      workerKills: args.workerKills,
      redisRestarts: stack.redis.restarts,
      tapsCreated: taps.length,
      tapsReplaced: taps.filter((t) => !t.current).length,
      hiresWithOneCurrentTap: oneTap,
      mails: mails.length,
      hiresWithOneNotice: oneNotice,
      missingNoticesFlagged: missingFlagged,
      noticesFlaggedUnknown: onboardings.filter((o) => o.notice.state === 'unknown').length,
      revealedMatching: matching,
      onboardingsByStatus: statuses,
      failedJobs: failedJobs.length,
      jobsTakenOverAfterACrash: jobs.takenOver,
      graphCalls: Object.entries(counts).filter(([k]) => k !== 'token').reduce((n, [, v]) => n + v, 0),
      graphFaultsInjected: args.injected,
      secondsToSettle: args.secondsToSettle,
    },
    ...(firstBad ? { firstBadAudit: { employeeId: firstBad, entries: await auditOf(stack, firstBad) } } : {}),
  };
}

function mergeRefusals(deliveries: Delivery[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of deliveries) for (const [s, n] of Object.entries(d.refusals)) out[s === '0' ? 'no answer' : s] = (out[s === '0' ? 'no answer' : s] ?? 0) + n;
  return out;
}

interface FailedJob {
  queue: string;
  id?: string;
  name: string;
  reason: string;
  employeeId?: string;
}

/** Failed jobs (each one a violation), and how many jobs a crash handed to another worker (BullMQ's stalled counter). */
async function jobStats(stack: ChaosStack): Promise<{ failed: FailedJob[]; takenOver: number }> {
  const connection = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const failed: FailedJob[] = [];
  let takenOver = 0;
  try {
    for (const name of Object.values(QUEUES)) {
      const queue = new Queue(name, { connection, prefix: stack.prefix });
      for (const job of await queue.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active'], 0, 100_000)) {
        if (!job) continue;
        if (job.stalledCounter > 0) takenOver++;
        if (job.failedReason && (await job.isFailed())) {
          const data = job.data as { employeeId?: string; event?: { data?: { employeeId?: string } } };
          failed.push({ queue: name, id: job.id, name: job.name, reason: job.failedReason, employeeId: data.employeeId ?? data.event?.data?.employeeId });
        }
      }
      await queue.close();
    }
    return { failed, takenOver };
  } finally {
    connection.disconnect();
  }
}

async function auditOf(stack: ChaosStack, employeeId: string): Promise<unknown[]> {
  try {
    return (await stack.ops<{ items: unknown[] }>(`/api/onboardings/${employeeId}/audit`)).items;
  } catch (err) {
    return [(err as Error).message];
  }
}
