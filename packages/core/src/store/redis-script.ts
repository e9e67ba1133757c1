import type { Redis } from 'ioredis';

/** A Lua script bound to one connection: keys first, then arguments. */
export type RedisScript<R = unknown> = (...keysThenArgs: string[]) => Promise<R>;

/**
 * `lua` as an ioredis command on `redis`, sent as EVALSHA (EVAL once, on NOSCRIPT): the script
 * text crosses the wire once per connection, and Redis does not hash it again on every call.
 * Defined once per connection and name, so stores built again on the same connection share it.
 */
export function redisScript<R = unknown>(redis: Redis, name: string, numberOfKeys: number, lua: string): RedisScript<R> {
  const host = redis as unknown as Record<string, RedisScript<R> | undefined>;
  if (!host[name]) redis.defineCommand(name, { numberOfKeys, lua });
  return host[name]!.bind(redis);
}
