/**
 * Where a process's CPU went, from a V8 CPU profile (`--cpu-prof`), by owner: each sample goes to
 * the nearest frame on its stack (from the leaf up) that is a package's (node_modules/<name>) or
 * a directory of ours (packages/<p>/src/<dir>, services/<s>/src/<dir>); garbage collection
 * apart; the rest is Node's own.
 *
 *   BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" BENCH_HIRES=1500 BENCH_LATENCY_MS=0 npx tsx bench/burst.bench.ts
 *   npx tsx bench/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [--skip-seconds 4] [--top 25]
 *
 * Why not the profile's own self times: V8 samples wall time. On two cores shared with Redis and
 * the simulator, a socket write wakes the peer, which often takes the core right there, so the
 * samples taken in a write are mostly the process waiting, not CPU it spent (the burst bench
 * prints the kernel's true share from /proc: 12–14 % for worker and API, where the samples in
 * writes alone come to 15–20 %). They are counted apart here, with idle time, and the shares are
 * of the rest. `--skip-seconds` leaves out the start (module loading, the readiness checks).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Native leaves that are not CPU the process spent, or not attributable to code. */
const WAITING = new Set(['(idle)', '(program)']);
const WRITE = /^write(Utf8String|Latin1String|AsciiString|Ucs2String|Buffer|String|v)$/;

function ownerOf(url: string): string | null {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(?:packages|services)\/([^/]+)\/src\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]!.replace(/\.ts$/, '')}`;
  return null;
}

export function summarise(profile: Profile, skipSeconds = 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owners = new Map<number, string>();
  const ownerOfNode = (id: number): string => {
    const known = owners.get(id);
    if (known) return known;
    let owner = 'node (internals)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const found = ownerOf(byId.get(at)!.callFrame.url);
      if (found) {
        owner = found;
        break;
      }
    }
    owners.set(id, owner);
    return owner;
  };

  const onCpu = new Map<string, number>();
  let waiting = 0;
  let writes = 0;
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    elapsed += dt;
    if (elapsed < skipSeconds * 1e6) return;
    const fn = byId.get(id)!.callFrame.functionName;
    if (WAITING.has(fn)) waiting += dt;
    else if (WRITE.test(fn) && !byId.get(id)!.callFrame.url) writes += dt;
    else {
      const owner = fn === '(garbage collector)' ? 'garbage collection' : ownerOfNode(id);
      onCpu.set(owner, (onCpu.get(owner) ?? 0) + dt);
    }
  });
  const total = [...onCpu.values()].reduce((a, b) => a + b, 0);
  return {
    sampledMs: Math.round((total + waiting + writes) / 1000),
    idleMs: Math.round(waiting / 1000),
    writesMs: Math.round(writes / 1000),
    attributedMs: Math.round(total / 1000),
    owners: [...onCpu.entries()].sort((a, b) => b[1] - a[1]).map(([owner, us]) => ({ owner, percent: Number(((100 * us) / total).toFixed(1)) })),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    if (at < 0) return fallback;
    const [, value] = args.splice(at, 2);
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} wants a number, got ${value}`);
    return n;
  };
  const skip = option('--skip-seconds', 0);
  const top = option('--top', 25);
  if (args.length === 0) throw new Error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile>... [--skip-seconds N] [--top N]');
  for (const file of args) {
    const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, skip);
    console.log(`${file}: ${s.sampledMs} ms sampled; apart: ${s.idleMs} ms idle, ${s.writesMs} ms in socket and file writes (mostly waiting on shared cores); shares of the other ${s.attributedMs} ms:`);
    for (const o of s.owners.slice(0, top)) console.log(`  ${o.percent.toFixed(1).padStart(5)} %  ${o.owner}`);
  }
}

main();
