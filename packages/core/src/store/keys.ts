/**
 * Every Redis key hirepass writes, in one place. `prefix` is QUEUE_PREFIX (a hash tag such as
 * {hirepass} keeps them in one slot on Redis Cluster, which the Lua scripts need).
 *
 * Persisted names: never rename without a migration.
 */
// BullMQ keeps each queue under `${prefix}:${queueName}:…` (see jobs/job-catalog.ts for the
// queue names); nothing here may start with a queue name, or keys could collide with jobs.
export function redisKeys(prefix: string) {
  return {
    onboarding: (employeeId: string) => `${prefix}:record:${employeeId}`,
    /** Sorted set of employeeIds by creation time (ms), for newest-first listing. */
    onboardingIndex: `${prefix}:records`,
    /**
     * Hash of onboardings by status (status → count, and `_` marking it built), kept by the
     * record scripts; rebuilt from the records when missing (onboarding-store.ts).
     */
    onboardingStatusCounts: `${prefix}:records-by-status`,
    /** A cancellation applied to an employee with no onboarding (its lastEvent JSON), with a TTL. */
    cancelWithoutOnboarding: (employeeId: string) => `${prefix}:cancel-unknown:${employeeId}`,
    /** List of earlier onboardings of the same employee (rehire), newest first. */
    history: (employeeId: string) => `${prefix}:record-history:${employeeId}`,
    /** Receipt of an accepted webhook-id: the answer to repeat on duplicates. */
    eventReceipt: (eventId: string) => `${prefix}:event:${eventId}`,
    eventSeq: `${prefix}:event-seq`,
    auditStream: (employeeId: string) => `${prefix}:audit:${employeeId}`,
    auditGlobal: `${prefix}:audit`,
    /** Hash of one reveal link, keyed by the SHA-256 of its token. */
    revealLink: (tokenHash: string) => `${prefix}:reveal:${tokenHash}`,
    /** The encrypted passcode of one TAP; Redis itself drops it when the TAP expires. */
    sealedPasscode: (employeeId: string, tapId: string) => `${prefix}:passcode:${employeeId}:${tapId}`,
    /** One job at a time per employee (the worker's employee lease): token, with a TTL. */
    employeeLease: (employeeId: string) => `${prefix}:lease:${employeeId}`,
    /** Sorted set of the sendMail calls in flight from one mailbox (holder → lease end, ms): Outlook's concurrency limit. */
    mailboxSlots: (mailbox: string) => `${prefix}:mailbox-slots:${mailbox.toLowerCase()}`,
    /** Set while Outlook has throttled one mailbox: its TTL is the Retry-After every sender waits out. */
    mailboxPause: (mailbox: string) => `${prefix}:mailbox-pause:${mailbox.toLowerCase()}`,
    /**
     * Counters that expire by themselves: @fastify/rate-limit's (its nameSpace is this with an
     * empty scope) and the reveal page's attempt limits. Tests that look for stored data skip them.
     */
    rateLimit: (scope: string) => `${prefix}:rate-limit:${scope}`,
    workerHeartbeat: (workerId: string) => `${prefix}:worker:${workerId}`,
    workerHeartbeatPattern: `${prefix}:worker:*`,
    /** Tenant readiness (issue 9): the latest doctor report a worker published (JSON). */
    readinessReport: `${prefix}:readiness:report`,
    /** Hash: `paused` (the ops switch) and `brake` (a tripped blast-radius brake), each JSON. */
    issuanceControl: `${prefix}:issuance:control`,
    /** Sorted sets by time (ms) for the brake's window: TAP issuances admitted, TAP creates that succeeded / failed. */
    issuanceAdmitted: `${prefix}:issuance:admitted`,
    issuanceSucceeded: `${prefix}:issuance:succeeded`,
    issuanceFailed: `${prefix}:issuance:failed`,
    /** Set of the ids of jobs the issuance guard re-delayed (pause, brake, tenant not ready), woken when issuance opens. */
    issuanceHeld: `${prefix}:issuance:held`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
