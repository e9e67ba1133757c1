import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const dt = p.timeDeltas; let total = 0;
const totalDur = dt.reduce((a, b) => a + b, 0); const skip = process.env.LAST_MS ? totalDur - Number(process.env.LAST_MS) * 1000 : Number(process.env.SKIP_MS ?? 0) * 1000; const until = Number(process.env.UNTIL_MS ?? 1e12) * 1000; let clock = 0;
for (let i = 0; i < p.samples.length; i++) { const d = dt[i] ?? 0; clock += d; if (clock < skip || clock > until) continue; total += d; self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + d); }
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '')}:${n.callFrame.lineNumber}`;
const selfBy = new Map(); const pkgSelf = new Map(); const incl = new Map();
for (const [id, t] of self) {
  const n = byId.get(id); const k = key(n);
  selfBy.set(k, (selfBy.get(k) ?? 0) + t);
  const u = n.callFrame.url; const pkg = u.includes('node_modules/') ? u.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : u.startsWith('node:') ? u : u.includes('/work/main/') ? u.replace(/.*\/work\/main\//, '') : (n.callFrame.functionName || '(native)');
  pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + t);
  // inclusive: walk up, count each distinct key once
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const kk = key(byId.get(cur)); if (!seen.has(kk)) { seen.add(kk); incl.set(kk, (incl.get(kk) ?? 0) + t); } cur = parent.get(cur); }
}
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log('total ms', (total / 1000).toFixed(0));
console.log('--- self by package\n' + top(pkgSelf, 30));
console.log('--- self by fn\n' + top(selfBy, 40));
console.log('--- inclusive\n' + top(incl, Number(process.argv[3] ?? 80)));
