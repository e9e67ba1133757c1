import { ThrottledError, isWorkflowError } from '../../errors';
import type { OnboardingRecord } from '../../domain/onboarding';
import type { OnboardingRef, WorkflowPorts } from '../ports';
import { addWarning, loadCurrent, removeWarningsStartingWith, updateCurrent, type AuditNote } from '../record-ops';

export const SYNC_WARNING_PREFIX = 'Intune sync of device';

/** Outcomes that end the step for a device (see below); 'failed' is tried again. */
const SETTLED: ReadonlySet<string> = new Set(['synced', 'not-enrolled']);

/**
 * After step 3 put the device in the Web Sign-in group (issue 9 "Device sync"): ask Intune to
 * sync it, so the "Enable Web Sign In" profile arrives before the first day rather than at the
 * next check-in (up to 8 hours). The device is found by its Entra registration id
 * (`azureADDeviceId`). A nudge, not a requirement: a device not enrolled yet, or a refused
 * sync, is a warning; only throttling delays the job. Synced once per device. "Not enrolled"
 * settles it too: enrolment itself brings the device its assigned profiles, so there is nothing
 * to nudge, and looking again at activation would cost a Graph call per onboarding (issue 8). Only
 * a failed sync is tried again by the next run of the steps.
 *
 * Entra already said, in step 3's device lookup, whether an MDM manages the device
 * (`isManaged`). When it says no, Intune has no managed device for it and the Intune lookup is
 * skipped (one Graph call fewer per onboarding, issue 8). When it says yes, or nothing, Intune is
 * asked: another MDM may be the one managing it.
 */
export async function syncDevice(ports: WorkflowPorts, ref: OnboardingRef): Promise<void> {
  const r = await loadCurrent(ports, ref);
  const deviceId = r.hire.deviceId;
  if (!deviceId || !syncDue(r)) return;

  if (r.entra.deviceIsManaged === false) {
    return await note(ports, ref, r, { deviceId, outcome: 'not-enrolled' }, `${SYNC_WARNING_PREFIX} ${deviceId} skipped: Entra reports it is not managed by an MDM (isManaged false), so the Web Sign-in profile arrives when it enrols in Intune`);
  }
  try {
    const managed = await ports.graph.findManagedDevice(deviceId);
    const res = managed ? await ports.graph.syncManagedDevice(managed.id) : null;
    if (!managed || res?.outcome === 'not-found') {
      return await note(ports, ref, r, { deviceId, outcome: 'not-enrolled' }, `${SYNC_WARNING_PREFIX} ${deviceId} skipped: it is not enrolled in Intune yet, so the Web Sign-in profile arrives when it enrols`);
    }
    await note(ports, ref, r, { deviceId, outcome: 'synced', managedDeviceId: managed.id }, null, res?.requestId);
  } catch (err) {
    if (err instanceof ThrottledError) throw err;
    const reason = isWorkflowError(err) ? err.reason : err instanceof Error ? err.message : String(err);
    await note(ports, ref, r, { deviceId, outcome: 'failed' }, `${SYNC_WARNING_PREFIX} ${deviceId} failed (${reason}); the Web Sign-in profile arrives at its next check-in`, isWorkflowError(err) ? err.graph?.requestId : undefined);
  }
}

/** The device is in the Web Sign-in group and its sync has not settled yet. */
export function syncDue(r: OnboardingRecord): boolean {
  const deviceId = r.hire.deviceId;
  if (r.steps.device.state !== 'done' || !deviceId) return false;
  return !(r.deviceSync?.deviceId === deviceId && SETTLED.has(r.deviceSync.outcome));
}

async function note(
  ports: WorkflowPorts,
  ref: OnboardingRef,
  before: OnboardingRecord,
  sync: { deviceId: string; outcome: 'synced' | 'not-enrolled' | 'failed'; managedDeviceId?: string },
  warning: string | null,
  graphRequestId?: string,
): Promise<void> {
  const at = ports.clock.now().toISOString();
  // One audit entry per change of outcome, not one per re-run of the steps.
  const changed = before.deviceSync?.outcome !== sync.outcome || before.deviceSync.deviceId !== sync.deviceId;
  const audit: AuditNote = {
    action: sync.outcome === 'synced' ? 'device.synced' : 'device.sync-skipped',
    outcome: sync.outcome === 'synced' ? 'success' : sync.outcome === 'failed' ? 'failure' : 'skipped',
    detail: warning ?? `Intune asked to sync managed device ${sync.managedDeviceId} (device ${sync.deviceId})`,
    ...(graphRequestId ? { graphRequestId } : {}),
  };
  await updateCurrent(ports, ref, (x) => {
    x.deviceSync = { ...sync, at };
    removeWarningsStartingWith(x, SYNC_WARNING_PREFIX);
    if (warning) addWarning(x, warning);
  }, changed ? { audit, auditIfStale: sync.outcome === 'synced' } : {});
}
