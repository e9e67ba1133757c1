import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { waitUntil } from './poll';

/**
 * The chaos suite's own redis-server: a free loopback port and a data dir of its own, so it
 * can be stopped and started again without touching anyone else's Redis. Configured the way
 * hirepass needs Redis in production (README "Reliability"): AOF with fsync every second,
 * no RDB snapshots, and noeviction (an evicted job or record would be a lost hire).
 */
export class OwnRedis {
  readonly url: string;
  #child: ChildProcess | null = null;
  #exited: Promise<number | null> | null = null;
  restarts = 0;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly bin: string,
    readonly persistence: 'aof' | 'none',
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** `persistence: 'none'` is the misconfiguration the suite must catch (nothing survives a restart). */
  static async start(dir: string, persistence: 'aof' | 'none' = 'aof'): Promise<OwnRedis> {
    const bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
    if (!bin) throw new Error('redis-server is not on the PATH: the chaos suite starts (and restarts) its own');
    mkdirSync(dir, { recursive: true });
    const redis = new OwnRedis(await freePort(), dir, bin, persistence);
    await redis.#launch();
    return redis;
  }

  async #launch(): Promise<void> {
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', this.persistence === 'aof' ? 'yes' : 'no', '--appendfsync', 'everysec', '--save', '',
      '--maxmemory-policy', 'noeviction', '--logfile', 'redis.log', '--daemonize', 'no',
    ];
    const child = spawn(this.bin, args, { stdio: 'ignore' });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitUntil(`redis-server on port ${this.port}`, () => this.answers(), { timeoutMs: 15_000, intervalMs: 50 });
  }

  async answers(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      // LOADING (AOF replay after a restart) is an error reply: not ready yet.
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }

  /**
   * Waits until the AOF is settled: no rewrite running or scheduled and no background fsync
   * pending. With `appendfsync everysec`, Redis normally writes the AOF before it replies, but
   * while a background fsync (or the base-file rewrite right after start) is in progress it may
   * postpone that write for up to 2 s and still reply, so a SIGKILL in that window can lose an
   * acknowledged command. A test of "a 202 survives a crash" kills only after this.
   */
  async aofSettled(timeoutMs = 10_000): Promise<void> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      await waitUntil('the AOF to settle', async () => {
        const info = await client.info('persistence');
        const field = (name: string) => new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1];
        return field('aof_rewrite_in_progress') === '0' && field('aof_rewrite_scheduled') === '0' && field('aof_pending_bio_fsync') === '0';
      }, { timeoutMs, intervalMs: 50 });
      // One more round trip: the event loop has flushed the AOF buffer before answering it.
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  /**
   * SIGTERM: Redis fsyncs the AOF and exits, the way an orderly restart (a deploy, a host
   * reboot) does. SIGKILL: the process dies at once; what was written to the AOF file survives
   * (the OS has it), what `everysec` postponed does not (see aofSettled).
   */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.#exited;
    this.#child = null;
  }

  /** Stops, lets `whileDown` run (e.g. webhooks that must get 503), then starts again on the same port and dir. */
  async restart(whileDown: () => Promise<void> = async () => {}, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await whileDown();
    await this.#launch();
    this.restarts++;
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
