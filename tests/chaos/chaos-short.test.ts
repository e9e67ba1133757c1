import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/chaos/chaos-run';

/**
 * The short variant of `npm run chaos` (issue 5), inside `npm test`: 24 hires through the API
 * and 2 worker processes, one SIGKILL mid-run, one Redis restart (the suite's own
 * redis-server, AOF) with hires posted while it is down, duplicates (also concurrent), and the
 * tenant injecting 10% 429, 5% 503 and 2% commit-then-fail. The invariants come from the
 * simulated tenant's own records. Every wait is on a condition with a generous bound.
 */
describe('chaos (short)', () => {
  it('keeps exactly one valid TAP and one notice per hire, loses no event, fails no onboarding', async () => {
    const lines: string[] = [];
    const result = await runChaos({
      hires: 24,
      workers: 2,
      kills: { mode: 'once' },
      activationMinutes: [0],
      postedWhileRedisDown: 3,
      duplicates: 3,
      concurrentDuplicates: 2,
      lockSeconds: 4,
      retryAfterSeconds: 0.2,
      settleTimeoutMs: 120_000,
      log: (l) => {
        lines.push(l);
        if (process.env.CHAOS_VERBOSE) process.stdout.write(`${l}\n`);
      },
    });
    if (process.env.CHAOS_VERBOSE) process.stdout.write(`${JSON.stringify(result.counts, null, 2)}\n`);
    const report = [...lines, JSON.stringify(result.counts, null, 2), ...result.violations, JSON.stringify(result.firstBadAudit ?? null, null, 2)].join('\n');
    expect(result.violations, report).toEqual([]);
    // The chaos really happened (else the invariants would prove nothing).
    expect(result.counts.workerKills, report).toBe(1);
    expect(result.counts.redisRestarts, report).toBe(1);
    expect(result.counts.webhookRefusals['503'] ?? 0, report).toBeGreaterThanOrEqual(3);
    expect(result.counts.duplicateAnswers, report).toBeGreaterThanOrEqual(3 + 2 * 2);
    expect(result.counts.graphFaultsInjected['429'], report).toBeGreaterThan(0);
    expect(result.counts.revealedMatching + result.counts.missingNoticesFlagged, report).toBe(24);
  }, 240_000);
});
