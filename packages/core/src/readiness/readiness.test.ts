import { describe, expect, it } from 'vitest';
import { PermanentError, ThrottledError, TransientError } from '../errors';
import type { GraphGateway } from '../graph/graph.port';
import { summarize, type CheckResult } from './doctor-report';
import { formatDoctorReport } from './format-report';
import { issuanceBanners } from './issuance-banner';
import { withIssuanceAccounting } from './issuance-accounting';
import { REQUIRED_PERMISSIONS, missingPermissions } from './permissions';
import { rolesFromAccessToken } from './token-roles';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('token roles and required permissions', () => {
  it('reads the roles claim of a JWT, and refuses what is not one', () => {
    expect(rolesFromAccessToken(jwt({ roles: ['Mail.Send', 'User.Read.All'] }))).toEqual(['Mail.Send', 'User.Read.All']);
    expect(rolesFromAccessToken(jwt({ aud: 'x' }))).toEqual([]);
    expect(() => rolesFromAccessToken('opaque-token')).toThrow(/not a JWT/);
    expect(() => rolesFromAccessToken(jwt({ roles: 'Mail.Send' }))).toThrow(/not a list/);
  });

  it('accepts a higher-privileged alternative, case-insensitively', () => {
    const all = REQUIRED_PERMISSIONS.map((p) => p.permission);
    expect(missingPermissions(all)).toEqual([]);
    const swapped = all.filter((p) => p !== 'User.Read.All' && p !== 'UserAuthMethod-TAP.ReadWrite.All').concat('directory.read.all', 'UserAuthenticationMethod.ReadWrite.All');
    expect(missingPermissions(swapped)).toEqual([]);
    expect(missingPermissions(all.filter((p) => p !== 'Mail.Send')).map((p) => p.permission)).toEqual(['Mail.Send']);
  });
});

describe('brake accounting of TAP creates', () => {
  it('counts successes and permanent refusals, not throttling or outages', async () => {
    const outcomes: boolean[] = [];
    const answers: (Error | null)[] = [null, new PermanentError('refused'), new ThrottledError('429', 1000), new TransientError('503')];
    const fake = { createTemporaryAccessPass: async () => {
      const next = answers.shift();
      if (next) throw next;
      return { id: 't' };
    } } as unknown as GraphGateway;
    const graph = withIssuanceAccounting(fake, async (failed) => void outcomes.push(failed));
    const req = { startDateTime: '2026-01-01T00:00:00Z', lifetimeInMinutes: 60, isUsableOnce: false };
    for (let i = 0; i < 4; i++) await graph.createTemporaryAccessPass('u', req).catch(() => undefined);
    expect(outcomes).toEqual([false, true]);
  });
});

describe('report, table and banners', () => {
  const row = (id: CheckResult['id'], status: CheckResult['status'], critical = false): CheckResult => ({
    id, title: id, status, critical, detail: `${id} detail`, fix: status === 'pass' ? null : `fix ${id}`,
  });

  it('exit codes 0 / 1 / 2 for pass / warnings / failures', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(summarize([row('pilot-group', 'pass')], 't', at).exitCode).toBe(0);
    expect(summarize([row('pilot-group', 'pass'), row('tap-policy-one-time', 'warn')], 't', at).exitCode).toBe(1);
    expect(summarize([row('tap-policy-one-time', 'warn'), row('tap-policy-enabled', 'fail', true)], 't', at)).toMatchObject({ status: 'fail', exitCode: 2 });
  });

  it('prints one row per check, the fix under a failing one, and the result', () => {
    const text = formatDoctorReport(summarize([row('pilot-group', 'pass'), row('tap-policy-enabled', 'fail', true)], 't', new Date(0)));
    expect(text).toMatch(/^ {2}pass\s+pilot-group\s+pilot-group detail$/m);
    expect(text).toMatch(/^\* FAIL\s+tap-policy-enabled\s+tap-policy-enabled detail\n\s+fix: fix tap-policy-enabled$/m);
    expect(text).toMatch(/Result: FAIL \(1 failing, 0 warnings, 1 passing\) · exit code 2$/);
  });

  it('shows the brake first, then the pause, then a failing critical check, then dry run', () => {
    const report = { ...summarize([row('tap-policy-enabled', 'fail', true), row('federated-domains', 'fail')], 't', new Date(0)), source: 'w', dryRun: true };
    const banners = issuanceBanners({ brake: { at: 'a', rule: 'rate', reason: 'r' }, paused: { by: 'ops', at: 'b' }, report });
    expect(banners.map((b) => b.level)).toEqual(['error', 'warning', 'error', 'info']);
    // Only critical failures hold issuance.
    expect(banners[2]!.text).toContain('tap-policy-enabled');
    expect(banners[2]!.text).not.toContain('federated-domains');
    expect(issuanceBanners({ brake: null, paused: null, report: null })).toEqual([]);
  });
});
