/**
 * The simulated tenant for the benchmarks, in a process of its own (so it never shares an event
 * loop with the load it measures): the sample tenant plus BENCH_SIM_HIRES hires, each with an
 * Entra ID P1 plan, manager sam.lee and an Entra-joined Windows 11 device; BENCH_ENROLLED (0 to 1,
 * default 0) is the share of those devices also enrolled in Intune, whose onboardings then look
 * the device up in Intune and ask it to sync (issue 9). Prints one JSON line with what clients
 * need, then serves until SIGTERM.
 */
import { startGraphSim } from '@hirepass/graph-sim';
import { benchDeviceId, benchUpn } from './hires';

const P1 = '41781fb2-bc02-4b7c-bd55-b576c07bb09d';
const hires = Number(process.env.BENCH_SIM_HIRES ?? 0);
const enrolled = Math.round(hires * Math.min(1, Math.max(0, Number(process.env.BENCH_ENROLLED ?? 0))));

const sim = await startGraphSim({ port: 0, replicationLagMs: 0 });
const manager = sim.control.state().users.find((u) => u.userPrincipalName.startsWith('sam.lee@'));
if (!manager) throw new Error('the sample tenant has no sam.lee');
for (let i = 0; i < hires; i++) {
  const user = sim.control.addUser({
    userPrincipalName: benchUpn(i),
    displayName: `Bench Hire ${i}`,
    managerId: manager.id,
    assignedPlans: [{ assignedDateTime: '2025-01-01T00:00:00Z', capabilityStatus: 'Enabled', service: 'AADPremiumService', servicePlanId: P1 }],
  });
  sim.control.addDevice({ displayName: `BENCH-${i}`, deviceId: benchDeviceId(i), registeredOwnerId: user.id });
  if (i < enrolled) sim.control.addManagedDevice({ azureADDeviceId: benchDeviceId(i), deviceName: `BENCH-${i}`, userPrincipalName: benchUpn(i) });
}
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    caCertPath: sim.caCertPath,
    tapPilotGroupId: sim.tapPilotGroupId,
    webSignInDeviceGroupId: sim.webSignInDeviceGroupId,
    noticeSenderUpn: sim.noticeSenderUpn,
    managerId: manager.id,
  })}\n`,
);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A bench that died without stopping us (an uncaught error in the load tool) closes our stdin:
// an orphaned simulator would otherwise serve on, holding its parent's output open.
process.stdin.on('end', stop);
process.stdin.resume();
