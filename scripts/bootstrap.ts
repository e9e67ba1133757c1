import { createInterface } from 'node:readline/promises';
import { applyBootstrap, isWorkflowError, planBootstrap, systemClock, type BootstrapPlan, type CredentialProviderChoice } from '@hirepass/core';
import { connect, fail, finish, readWorkerConfig } from './readiness-cli';

/**
 * `npm run bootstrap [-- --yes] [--default-credential-provider password|pin]`: creates what
 * is missing and safe to create in the configured tenant (issue 9): the Intune "Enable Web
 * Sign In" settings-catalog policy and its assignment to WEB_SIGNIN_DEVICE_GROUP_ID (keeping
 * every existing assignment), and optionally "Assign a default credential provider". Shows the
 * plan and asks first (or --yes). Never changes the TAP policy: prints the change to make.
 * Running it again changes nothing. Exit 0 done or nothing to do, 1 declined, 2 error.
 */
const USAGE = 'usage: npm run bootstrap [-- --yes] [--default-credential-provider password|pin]';

function parseArgs(argv: string[]): { yes: boolean; provider: CredentialProviderChoice | null } {
  let yes = false;
  let provider: CredentialProviderChoice | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--yes' || a === '-y') yes = true;
    else if (a === '--default-credential-provider' || a.startsWith('--default-credential-provider=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'password' && v !== 'pin') fail('bootstrap', `--default-credential-provider takes password or pin; ${USAGE}`);
      provider = v;
    } else if (a === '--help' || a === '-h') finish(USAGE, 0);
    else fail('bootstrap', `unknown argument ${a}; ${USAGE}`);
  }
  return { yes, provider };
}

function describe(plan: BootstrapPlan): string {
  const lines: string[] = [];
  if (plan.actions.length === 0) lines.push('Nothing to create: the Web Sign-in policy exists and reaches the device group.');
  else {
    lines.push(`hirepass bootstrap will make ${plan.actions.length} change${plan.actions.length > 1 ? 's' : ''} in Intune:`);
    plan.actions.forEach((a, i) => lines.push(`  ${i + 1}. ${a.description}`));
  }
  if (plan.manual.length) {
    lines.push('', 'Not changed by bootstrap (hirepass never changes the TAP policy). An admin should:');
    for (const m of plan.manual) lines.push(`  - ${m.detail}`, `    → ${m.fix}`);
  }
  return lines.join('\n');
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const { yes, provider } = parseArgs(process.argv.slice(2));
const config = readWorkerConfig('bootstrap');
const { tenant, target } = connect(config);
const reason = (err: unknown) => (isWorkflowError(err) ? err.reason : err instanceof Error ? err.message : String(err));
try {
  const plan = await planBootstrap(tenant, target, systemClock, { defaultCredentialProvider: provider });
  process.stdout.write(`${describe(plan)}\n`);
  if (plan.actions.length === 0) finish('', 0);
  else if (!yes && !(await confirm(`\nApply these changes to tenant ${target.tenantId}? [y/N] `))) {
    finish(process.stdin.isTTY ? 'Nothing changed.' : 'Nothing changed: no terminal to ask; run again with --yes to apply.', 1);
  } else {
    const done = await applyBootstrap(tenant, plan);
    const lines = done.map((d) => `  ✓ ${d.action.name}: ${d.outcome.replace(/-/g, ' ')} (policy ${d.policyId}${d.requestId ? `, request-id ${d.requestId}` : ''})`);
    finish(['', 'Done:', ...lines, '', 'Run `npm run doctor` to check the whole tenant.'].join('\n'), 0);
  }
} catch (err) {
  fail('bootstrap', `stopped: ${reason(err)}`);
}
