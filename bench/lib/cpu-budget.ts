import { availableParallelism } from 'node:os';
import type { RunResult } from './run-onboardings';

/**
 * What the machine's cores allow a drain, from the CPU each process spent per onboarding. The
 * workers, the simulator, Redis and this harness share the same cores, so however the work is
 * scheduled, the drain cannot pass `cores × 1000 / total ms` onboardings per second. Set
 * against the bound, it says how far a ratio goal is from reach before any tuning: the part of
 * the goal that no change to the scheduling, concurrency or process count can close.
 */
export interface CpuBudget {
  cores: number;
  totalMsPerOnboarding: number;
  /** Onboardings per second with every core busy with this work and nothing else. */
  ceilingPerSecond: number;
  ceilingToBound: number;
  /** The share of that ceiling the drain reached. */
  drainToCeiling: number;
  /** The most the workers may spend per onboarding for `targetRatio` of the bound, the others' CPU as measured. */
  workerMsForTarget: number;
  /** All the CPU per onboarding, every process together, that `targetRatio` of the bound allows. */
  totalMsForTarget: number;
  targetRatio: number;
}

export function cpuBudget(run: RunResult, bound: number, targetRatio: number): CpuBudget {
  const cores = availableParallelism();
  const others = run.simCpuMsPerOnboarding + run.redisCpuMsPerOnboarding + run.harnessCpuMsPerOnboarding;
  const total = run.workerCpuMsPerOnboarding + others;
  const ceiling = (cores * 1000) / total;
  const round = (x: number, d = 2) => Number(x.toFixed(d));
  return {
    cores,
    totalMsPerOnboarding: round(total),
    ceilingPerSecond: round(ceiling, 1),
    ceilingToBound: round(ceiling / bound, 3),
    drainToCeiling: round(run.onboardingsPerSecond / ceiling, 3),
    workerMsForTarget: round((cores * 1000) / (targetRatio * bound) - others),
    totalMsForTarget: round((cores * 1000) / (targetRatio * bound)),
    targetRatio,
  };
}

export function describeBudget(run: RunResult, b: CpuBudget): string {
  return (
    `CPU per onboarding: workers ${run.workerCpuMsPerOnboarding} + simulator ${run.simCpuMsPerOnboarding} + Redis ${run.redisCpuMsPerOnboarding} + harness ${run.harnessCpuMsPerOnboarding} = ${b.totalMsPerOnboarding} ms. ` +
    `On ${b.cores} cores that caps the drain at ${b.ceilingPerSecond}/s = ${b.ceilingToBound} of the bound (the drain reached ${Math.round(b.drainToCeiling * 100)} % of that cap). ` +
    (b.workerMsForTarget > 0
      ? `${b.targetRatio} of the bound needs the workers at ${b.workerMsForTarget} ms per onboarding or less, the rest as measured`
      : `${b.targetRatio} of the bound cannot be reached on ${b.cores} cores even by workers that spend nothing: the simulator, Redis and the harness alone need more than its budget of ${b.totalMsForTarget} ms per onboarding`)
  );
}
