import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into a frozen, typed object. On failure it throws a
 * ConfigError whose message is one line naming the variable and what it must be,
 * never its value (some are secrets).
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.output<S>> {
  // Empty strings count as unset, the way shells and .env files usually mean them.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const missing = issue.code === 'invalid_type' && cleaned[name] === undefined;
    throw new ConfigError(missing ? `${name} is required but not set` : `${name} ${issue.message}`);
  }
  return deepFreeze(result.data) as Readonly<z.output<S>>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
