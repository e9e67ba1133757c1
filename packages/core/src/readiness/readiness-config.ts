/**
 * The worker's tenant-readiness settings (issue 9), parsed in config/config.ts from BRAKE_*,
 * DRY_RUN and READINESS_RECHECK_SECONDS. Optional on WorkerConfig so configs that tests build
 * by hand keep compiling; absent means: no brake, no dry run, re-check every minute.
 */
export interface ReadinessConfig {
  brake: {
    /** More than this many TAPs in the window trips the brake; 0 = no limit. */
    maxTaps: number;
    windowMs: number;
    /** More than this share of TAP creates failing in the window trips it; 0 = off. */
    maxFailurePercent: number;
    /** The failure share is judged only over at least this many outcomes. */
    minBatch: number;
  };
  /** Every Graph write is logged and skipped; no passcode is ever created. */
  dryRun: boolean;
  /** How often the worker re-runs the tenant checks. */
  recheckMs: number;
}

export const READINESS_WHEN_UNSET: ReadinessConfig = Object.freeze({
  brake: Object.freeze({ maxTaps: 0, windowMs: 60 * 60_000, maxFailurePercent: 0, minBatch: 10 }),
  dryRun: false,
  recheckMs: 60_000,
}) as ReadinessConfig;

export function readinessOf(config: { readiness?: ReadinessConfig }): ReadinessConfig {
  return config.readiness ?? READINESS_WHEN_UNSET;
}
