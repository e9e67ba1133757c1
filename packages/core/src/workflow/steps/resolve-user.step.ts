import { PermanentError } from '../../errors';
import type { DirectoryUser } from '../../graph/graph.port';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import {
  addWarning,
  clearAttention,
  isSettled,
  loadCurrent,
  removeWarningsStartingWith,
  stepDone,
  updateCurrent,
  waitOn,
} from '../record-ops';

export const NO_P1_WARNING = 'no Entra ID P1 service plan: TAP and Web Sign-in need P1';
export const DISABLED_WARNING_PREFIX = 'account is disabled';
export const NO_MANAGER_WARNING = 'no manager found: set managerUserPrincipalName in the HR event or the manager in Entra';
export const NAMED_MANAGER_MISSING_PREFIX = 'the manager named in the HR event';

/**
 * HR named a manager Entra does not know (a typo, or an account not provisioned yet). The
 * notice then goes to the manager set in Entra, if any: a person HR did not name receives a
 * link to a pass, so ops must be able to see it, not only the worker log.
 */
export function namedManagerMissingWarning(named: string, fallback: DirectoryUser | null): string {
  const to = fallback ? `the manager set in Entra (${fallback.userPrincipalName})` : 'nobody until one is found';
  return `${NAMED_MANAGER_MISSING_PREFIX} (${named}) does not exist in Entra; the notice goes to ${to}`;
}

/**
 * Step 1 (spec/workflow.md): find the hire in Entra by UPN and the manager who gets the notice.
 * Not found yet is normal (HR runs ahead of provisioning): wait, within the lookup window.
 */
export async function resolveUser(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  if (isSettled(r.steps.user)) return;

  const upn = r.hire.userPrincipalName;
  // The manager set in Entra comes in the same answer ($expand=manager): one call, not two.
  const found = await ports.graph.getUserWithManager(upn);
  if (!found) {
    return waitOn(ports, ref, 'user', 'user-not-found', `user ${upn} does not exist in Entra yet`);
  }
  const user = found.user;
  if (user.userType.toLowerCase() === 'guest') {
    throw new PermanentError(`user ${upn} is a guest: guests cannot get a Temporary Access Pass`);
  }
  if (!user.accountEnabled) {
    await updateCurrent(ports, ref, (x) => addWarning(x, `${DISABLED_WARNING_PREFIX} (${upn}); retried until it is enabled`));
    return waitOn(ports, ref, 'user', 'account-disabled', `account ${upn} is disabled`);
  }

  const namedUpn = r.hire.managerUserPrincipalName;
  const named = await namedManager(ports, namedUpn);
  const manager = named ?? found.manager;
  const missing = namedUpn && !named ? namedManagerMissingWarning(namedUpn, manager) : null;
  const now = ports.clock.now();
  await updateCurrent(ports, ref, (x) => {
    removeWarningsStartingWith(x, DISABLED_WARNING_PREFIX);
    removeWarningsStartingWith(x, NAMED_MANAGER_MISSING_PREFIX);
    if (missing) addWarning(x, missing);
    clearAttention(x, 'user-not-found');
    clearAttention(x, 'account-disabled');
    if (!user.hasEntraIdP1) addWarning(x, NO_P1_WARNING);
    else x.warnings = x.warnings.filter((w) => w !== NO_P1_WARNING);
    if (!manager) addWarning(x, NO_MANAGER_WARNING);
    else x.warnings = x.warnings.filter((w) => w !== NO_MANAGER_WARNING);
    x.entra = {
      ...x.entra,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      ...(user.displayName ? { displayName: user.displayName } : {}),
      managerId: manager?.id,
      managerName: manager?.displayName ?? manager?.userPrincipalName,
      managerAddress: manager ? manager.mail || manager.userPrincipalName : undefined,
    };
    x.steps.user = stepDone(now, manager ? `manager ${manager.userPrincipalName}` : 'no manager');
  }, {
    audit: {
      action: 'user.resolved',
      outcome: 'success',
      detail: `user ${user.id}${user.hasEntraIdP1 ? '' : ` (${NO_P1_WARNING})`}; ${manager ? `manager ${manager.userPrincipalName}` : 'no manager'}${missing ? `; ${missing}` : ''}`,
    },
  });
}

/** The manager named in the event, looked up for their mail; null when none is named or found. */
export async function namedManager(ports: WorkflowPorts, managerUpn: string | undefined): Promise<DirectoryUser | null> {
  if (!managerUpn) return null;
  const named = await ports.graph.getUser(managerUpn);
  if (!named) ports.log.warn({ managerUpn }, 'manager named in the HR event does not exist in Entra; trying the Entra manager');
  return named;
}
