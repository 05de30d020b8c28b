// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and the share of time
// spent under a few entry points of the service. Usable alone: `npx tsx bench/profile.ts FILE.cpuprofile [top]`.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string, line: number): string {
  if (!url) return '';
  let path = url;
  try {
    if (url.startsWith('file://')) path = relative(process.cwd(), fileURLToPath(url));
  } catch {
    /* keep the url */
  }
  path = path.replace(/^.*node_modules\//, '~/');
  return `${path}:${line + 1}`;
}

/** Lines "self% total% function (file:line)" for the `top` functions by self time. */
export function summariseProfile(file: string, top = 20): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = p.timeDeltas.reduce((a, b) => a + b, 0) || 1;

  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} (${where(n.callFrame.url, n.callFrame.lineNumber)})`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    // inclusive time: count each function once per sample even if it recurses
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const pct = (us: number) => ((us / total) * 100).toFixed(1).padStart(5) + '%';
  // Self time by package (node_modules/<name>) or source file, and the VM's own entries (GC, idle, program).
  const byModule = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const url = n.callFrame.url;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const mod = m ? m[1]! : url.startsWith('node:') ? 'node:*' : url ? where(url, -1).replace(/:0$/, '') : n.callFrame.functionName || '(native)';
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  const lines = [`profile ${(total / 1e6).toFixed(1)} s`, 'self time by module:'];
  for (const [k, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`${pct(us)}  ${k}`);
  lines.push('functions, self / total:');
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)} ${pct(inclusive.get(k) ?? 0)}  ${k}`);
  return lines;
}

/** Inclusive share of the functions whose key contains one of `needles`. */
export function inclusiveShares(file: string, needles: string[]): Record<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = p.timeDeltas.reduce((a, b) => a + b, 0) || 1;
  const out: Record<string, number> = Object.fromEntries(needles.map((n) => [n, 0]));
  p.samples.forEach((id, i) => {
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const k = `${n.callFrame.functionName} ${n.callFrame.url}`;
      for (const needle of needles) if (k.includes(needle)) hit.add(needle);
    }
    for (const h of hit) out[h] = (out[h] ?? 0) + (p.timeDeltas[i] ?? 0) / total;
  });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top, ...extra] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile.ts FILE.cpuprofile [top]');
    process.exit(2);
  }
  for (const l of summariseProfile(file, Number(top ?? 30))) console.log(l);
  if (extra.length) console.log(inclusiveShares(file, extra));
}
