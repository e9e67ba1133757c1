import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, redisKeys } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

/**
 * Issue 5 "poison input": a job whose onboarding record no longer parses, and jobs whose
 * payload fails its schema, each fail at once (one attempt, never the 30 of a transient error)
 * with a reason that says what is wrong, and the queue goes on: a good hire posted after them
 * is onboarded as usual. The whole product runs (API, worker, simulated tenant).
 */
describe('poison jobs', () => {
  let stack: Stack;
  let connection: Redis;
  let onboarding: Queue;
  let events: Queue;
  beforeAll(async () => {
    stack = await startStack();
    connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    onboarding = new Queue(QUEUES.onboarding, { connection, prefix: stack.prefix });
    events = new Queue(QUEUES.events, { connection, prefix: stack.prefix });
  });
  afterAll(async () => {
    await onboarding?.close();
    await events?.close();
    connection?.disconnect();
    await stack?.stop();
  });

  const today = () => new Date().toISOString().slice(0, 10);
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const hire = (employeeId: string, upn: string, startDate: string, activationTime: string) => ({
    type: 'hire.created',
    timestamp: new Date().toISOString(),
    data: { employeeId, userPrincipalName: upn, startDate, timeZone: 'UTC', activationTime },
  });
  const status = async (employeeId: string) => {
    const res = await stack.ops(`/api/onboardings/${employeeId}`);
    return res.status === 200 ? ((await res.json()) as { status: string }).status : null;
  };
  async function settledFailure(queue: Queue, id: string): Promise<Job> {
    return waitFor(`job ${id} to fail`, async () => {
      const job = await queue.getJob(id);
      return job && (await job.getState()) === 'failed' ? job : null;
    }, 30_000);
  }

  it('fails each poison job once with a clear reason and keeps the queue going', async () => {
    // An onboarding that is scheduled for tomorrow, whose record then stops parsing.
    expect((await stack.postEvent(hire('E-POISON-REC', 'hire01@contoso.com', tomorrow(), '09:00'), { id: 'evt-poison-rec' })).status).toBe(202);
    await waitFor('E-POISON-REC scheduled', async () => (await status('E-POISON-REC')) === 'scheduled', 30_000);
    const key = redisKeys(stack.prefix).onboarding('E-POISON-REC');
    await connection.set(key, '{"employeeId":"E-POISON-REC","rev":');
    // Its delayed activate job comes due now, and HR sends an update: both meet the bad record.
    const [activate] = (await onboarding.getDelayed()).filter((j) => (j.data as { employeeId?: string }).employeeId === 'E-POISON-REC');
    expect(activate, 'the scheduled activate job').toBeDefined();
    await activate!.promote();
    const update = { ...hire('E-POISON-REC', 'hire01@contoso.com', tomorrow(), '10:00'), type: 'hire.updated' };
    expect((await stack.postEvent(update, { id: 'evt-poison-upd' })).status).toBe(202);

    // Payloads that do not match their schema, and a job name nobody knows.
    await onboarding.add('activate', { employeeId: 42, onboardingId: 'x', generation: 1 }, { jobId: 'poison-activate', attempts: 30 });
    await onboarding.add('frobnicate', { employeeId: 'E-NOBODY', onboardingId: 'x', generation: 1 }, { jobId: 'poison-name', attempts: 30 });
    await events.add('apply-hire-event', { eventId: 'evt-poison-payload', seq: 1, receivedAt: new Date().toISOString() }, { jobId: 'poison-event', attempts: 30 });

    // A good hire after all of them.
    expect((await stack.postEvent(hire('E-GOOD', 'hire02@contoso.com', today(), '00:00'), { id: 'evt-good' })).status).toBe(202);
    await waitFor('E-GOOD notified', async () => (await status('E-GOOD')) === 'notified', 45_000);
    expect(stack.sim.control.mails().filter((m) => m.content.includes('hire02@contoso.com'))).toHaveLength(1);

    const failed = {
      activateOnBadRecord: await settledFailure(onboarding, activate!.id!),
      updateOnBadRecord: await settledFailure(events, (await events.getJobs(['failed', 'active', 'waiting', 'delayed', 'completed'])).find((j) => (j.data as { eventId?: string }).eventId === 'evt-poison-upd')!.id!),
      badPayload: await settledFailure(onboarding, 'poison-activate'),
      unknownName: await settledFailure(onboarding, 'poison-name'),
      badEvent: await settledFailure(events, 'poison-event'),
    };
    expect(failed.activateOnBadRecord.failedReason).toMatch(/onboarding record .*E-POISON-REC does not parse/);
    expect(failed.updateOnBadRecord.failedReason).toMatch(/onboarding record .*E-POISON-REC does not parse/);
    expect(failed.badPayload.failedReason).toMatch(/job "activate" has an invalid payload: \/employeeId/);
    expect(failed.unknownName.failedReason).toMatch(/job "frobnicate" has an invalid payload: unknown job name/);
    expect(failed.badEvent.failedReason).toMatch(/job "apply-hire-event" has an invalid payload: \/event/);
    for (const [what, job] of Object.entries(failed)) expect(job.attemptsMade, `${what} is not retried`).toBe(1);
    // The bad record is left as it was, for ops to look at, not overwritten.
    expect(await connection.get(key)).toBe('{"employeeId":"E-POISON-REC","rev":');
  }, 90_000);
});
