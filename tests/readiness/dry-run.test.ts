import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRY_RUN_WARNING } from '@hirepass/core';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';
import { json, postHire, recordWhen } from './hires';
import { cleanTenant } from './tenants';

const JANE_DEVICE = '6f1c5d2e-0a4b-4c3e-9d8f-2b7a1e0c9d44';

/**
 * Issue 9 "dry-run mode": a rehearsal against a real tenant. The whole workflow runs (reads
 * included) and every Graph write is logged and skipped: the simulator sees nothing but reads
 * and token requests. checkMemberGroups is a POST that only reads, so it is allowed, and so is a
 * `$batch` envelope of reads.
 */
describe('DRY_RUN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ sim: { tenant: cleanTenant() }, workerEnv: { DRY_RUN: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a hire to the end with no Graph write and no passcode', async () => {
    const membersBefore = stack.sim.control.groupMembers(stack.sim.tapPilotGroupId);
    await postHire(stack, 'E-DRY-1', 'jane.doe@contoso.com', JANE_DEVICE);
    const r = await recordWhen(stack, 'E-DRY-1', 'notified (rehearsed)', (x) => x.status === 'notified');
    expect(r.warnings).toContain(DRY_RUN_WARNING);
    expect(r.steps.device.state).toBe('done');
    expect(r.deviceSync).toMatchObject({ outcome: 'synced' });

    // A $batch envelope is a POST whatever it carries (reads that coincide share one): its items
    // are logged one by one with their own methods, and those are what must not be writes.
    const writes = stack.sim.control
      .requests()
      .filter((q) => q.method !== 'GET' && q.operation !== 'token' && q.operation !== 'batch' && q.operation !== 'directoryObjects.checkMemberGroups');
    expect(writes).toEqual([]);
    // The reads did happen: it is a rehearsal of the real calls, not a no-op.
    const reads = new Set(stack.sim.control.requests().map((q) => q.operation));
    for (const op of ['users.get', 'devices.list', 'tapPolicy.get', 'tap.list', 'intune.managedDevices.list']) expect(reads).toContain(op);
    expect(stack.sim.control.taps()).toEqual([]);
    expect(stack.sim.control.mails()).toEqual([]);
    expect(stack.sim.control.syncs()).toEqual([]);
    expect(stack.sim.control.groupMembers(stack.sim.tapPilotGroupId)).toEqual(membersBefore);

    const skipped = stack.logs.lines.filter((l) => l.includes('dry run: Graph write skipped')).map((l) => (JSON.parse(l) as { call: string }).call);
    expect(new Set(skipped)).toEqual(new Set(['addGroupMember', 'syncManagedDevice', 'createTemporaryAccessPass', 'sendMail']));
    const issuance = await waitFor('the dry-run report', async () => {
      const s = await json<{ dryRun: boolean; banners: { title: string }[] }>(stack.ops('/api/issuance'));
      return s.dryRun ? s : null;
    });
    expect(issuance.banners.map((b) => b.title)).toContain('Dry run');
  });
});
