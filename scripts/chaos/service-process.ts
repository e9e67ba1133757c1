import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const TSX_LOADER = import.meta.resolve('tsx');

/** The variables a child inherits from this process; everything hirepass reads is passed explicitly. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'TZ', 'SystemRoot'];

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * One hirepass service as its own Node process (`node --import tsx <entry>`), the way
 * production runs it: stdout and stderr go to a log file under the run's directory, which the
 * suite later searches for secrets. The working directory is the run's directory, so a `.env`
 * in the repository never leaks into a run.
 */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ServiceExit>;
  readonly startedAt = Date.now();
  #out: WriteStream;
  #lineWaiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  #buffer = '';

  constructor(
    readonly name: string,
    entry: string,
    env: Record<string, string>,
    readonly logFile: string,
    cwd: string,
  ) {
    const inherited = Object.fromEntries(PASSED_THROUGH.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
    this.#out = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, ['--import', TSX_LOADER, path.resolve(REPO_ROOT, entry)], {
      cwd,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      this.#out.write(chunk);
      this.#buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#lineWaiters = this.#lineWaiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#out.end();
        resolve({ code, signal, at: Date.now() });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first output line that passes `test`; rejects if the process exits first or time runs out. */
  waitForLine(what: string, test: (line: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${what}" within ${timeoutMs} ms (see ${this.logFile})`)), timeoutMs);
      this.#lineWaiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void this.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${e.code}, signal ${e.signal}) before "${what}" (see ${this.logFile})`));
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<ServiceExit> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
