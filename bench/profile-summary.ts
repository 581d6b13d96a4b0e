import type { Window } from './scenarios.js';

/** The parts of a V8 .cpuprofile the summary reads. Times are µs on the monotonic clock. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Node = CpuProfile['nodes'][number];

/** What a frame belongs to: an npm package, a service directory, Node's core, or the engine. */
function componentOf(node: Node): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'engine (program)';
  if (functionName === '(idle)') return 'idle';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  const inService = /\/dist\/([^/]+)/.exec(url);
  if (inService) return `service ${inService[1]!.replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node core';
  return 'native (JSON, crypto, …)';
}

function labelOf(node: Node): string {
  const { url, functionName, lineNumber } = node.callFrame;
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

const share = (count: number, total: number) => `${((count / total) * 100).toFixed(1)} %`;

function top(counts: Map<string, number>, total: number, limit: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, count]) => `${name} ${share(count, total)}`);
}

/** Per window: self time by component, the hottest functions, and the service's functions by inclusive time. */
export function summariseProfile(profile: CpuProfile, windows: readonly Window[]): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const times: number[] = [];
  let clock = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((clock += delta));

  const sections: string[] = [];
  for (const window of windows) {
    const components = new Map<string, number>();
    const functions = new Map<string, number>();
    const serviceInclusive = new Map<string, number>();
    let busy = 0;
    profile.samples.forEach((id, index) => {
      const at = times[index]!;
      if (at < window.startUs || at > window.endUs) return;
      const node = byId.get(id)!;
      const component = componentOf(node);
      if (component === 'idle') return;
      busy++;
      components.set(component, (components.get(component) ?? 0) + 1);
      const label = labelOf(node);
      functions.set(label, (functions.get(label) ?? 0) + 1);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)!;
        if (!componentOf(frame).startsWith('service ')) continue;
        const name = labelOf(frame);
        if (seen.has(name)) continue;
        seen.add(name);
        serviceInclusive.set(name, (serviceInclusive.get(name) ?? 0) + 1);
      }
    });
    const all = profile.samples.filter((_, index) => times[index]! >= window.startUs && times[index]! <= window.endUs).length;
    if (busy === 0) continue;
    sections.push(
      [
        `### ${window.name}: CPU busy ${share(busy, all)} of ${formatCount(all)} samples`,
        '',
        `- Self time by component: ${top(components, busy, 14).join(', ')}`,
        `- Hottest functions (self): ${top(functions, busy, 12).join('; ')}`,
        `- Service functions (inclusive, synchronous stretches only: work after an await is not under its caller): ${top(serviceInclusive, busy, 12).join('; ')}`,
        '',
      ].join('\n'),
    );
  }
  return sections.join('\n');
}

const formatCount = (value: number) => value.toLocaleString('en-US');

// As a command: `npx tsx bench/profile-summary.ts <file.cpuprofile> [lastSeconds]` summarises the
// whole profile, or only its last seconds (a route-cpu-ab.ts run: the bursts come after the seeding).
if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const { readFileSync } = await import('node:fs');
  const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile;
  const lastSeconds = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const startUs = lastSeconds === undefined ? profile.startTime : profile.endTime - lastSeconds * 1e6;
  const name = lastSeconds === undefined ? 'whole profile' : `last ${lastSeconds} s`;
  console.log(summariseProfile(profile, [{ name, startUs, endUs: profile.endTime }]));
}
