export type FaultKind = 'throttle' | 'status' | 'timeout' | 'latency' | 'commitThenFail';

export interface FaultRule {
  method?: string;
  /** Regex over the path without the /v1.0 or /beta prefix and without the query string. */
  pathPattern?: string;
  kind: FaultKind;
  status?: number;
  retryAfterSeconds?: number;
  /** Fraction of matching requests hit (default 1). */
  probability?: number;
  /** Apply to the next N matching requests only (default: all). */
  count?: number;
  latencyMs?: number;
  /** commitThenFail (and timeout): drop the connection instead of answering. */
  dropConnection?: boolean;
}

interface ActiveRule {
  rule: FaultRule;
  re?: RegExp;
  remaining?: number;
}

const KINDS: readonly FaultKind[] = ['throttle', 'status', 'timeout', 'latency', 'commitThenFail'];

export function validateRules(rules: unknown): FaultRule[] {
  if (!Array.isArray(rules)) throw new Error('faults must be an array of rules');
  return rules.map((r, i) => {
    const rule = r as FaultRule;
    if (typeof rule !== 'object' || rule === null || !KINDS.includes(rule.kind)) {
      throw new Error(`rule ${i}: kind must be one of ${KINDS.join(', ')}`);
    }
    if (rule.pathPattern !== undefined) new RegExp(rule.pathPattern);
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new Error(`rule ${i}: probability must lie in [0, 1]`);
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 0)) throw new Error(`rule ${i}: count must be a whole number`);
    return rule;
  });
}

/**
 * Fault rules, first match wins. A rule without pathPattern applies to Graph routes only; one
 * with a pattern also to the token authority when the pattern matches its path. Never to /_sim.
 */
export class Faults {
  private active: ActiveRule[] = [];

  set(rules: FaultRule[]): void {
    this.active = rules.map((rule) => ({
      rule,
      re: rule.pathPattern !== undefined ? new RegExp(rule.pathPattern) : undefined,
      remaining: rule.count,
    }));
  }

  clear(): void {
    this.active = [];
  }

  list(): Array<FaultRule & { remaining?: number }> {
    return this.active.map((a) => ({ ...a.rule, ...(a.remaining !== undefined ? { remaining: a.remaining } : {}) }));
  }

  /** Picks (and consumes) the rule for this request, if any. */
  pick(method: string, path: string, graph: boolean): FaultRule | undefined {
    for (const a of this.active) {
      if (a.remaining === 0) continue;
      if (a.rule.method && a.rule.method.toUpperCase() !== method) continue;
      if (a.re ? !a.re.test(path) : !graph) continue;
      if (a.rule.probability !== undefined && Math.random() >= a.rule.probability) continue;
      if (a.remaining !== undefined) a.remaining--;
      return a.rule;
    }
    return undefined;
  }
}
