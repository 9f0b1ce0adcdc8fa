import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppVariant, type RunningApp, startApp } from './apps.js';
import { sourceLocation } from './build-servers.js';
import type { BenchContext } from './context.js';

/** The Khaznati side of a row, run once more under `node --cpu-prof` when a goal is missed. */
export interface ProfileWorkload {
  name: string;
  variant: AppVariant;
  run(app: RunningApp): Promise<void>;
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
  /** Microseconds on the monotonic clock, which process.hrtime reads too. */
  startTime: number;
}

/** Microseconds on the same monotonic clock as the profile's timestamps. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

const TOP_FRAMES = 10;
const TOP_AREAS = 8;

/** Where a frame's code lives: a package, a source folder of ours, Node itself, or V8. */
function areaOf(url: string, functionName: string, location: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'Node.js internals';
  if (url.startsWith('wasm:')) return "WebAssembly (PGlite's Postgres)";
  const name = location;
  if (name.startsWith('src/')) return name.split('/').slice(0, 2).join('/');
  const [scope = '', pkg = ''] = name.split('/');
  return scope.startsWith('@') ? `${scope}/${pkg}` : scope;
}

/** Self time per function and per area, from the samples of a V8 CPU profile. */
export function summariseProfile(
  profile: CpuProfile,
  window: { from: number; to: number },
): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let clock = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    clock += micros;
    // Start-up (creating the database, building assets) is not the work being profiled.
    if (!node || clock < window.from || clock > window.to) return;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      return;
    }
    const where =
      url && !url.startsWith('wasm:') ? sourceLocation(url, lineNumber, columnNumber) : '';
    const frame = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    frames.set(frame, (frames.get(frame) ?? 0) + micros);
    const area = areaOf(url, functionName, where);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    total += micros;
  });

  const share = (micros: number) => `${((100 * micros) / total).toFixed(1)}%`;
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [
    `The app process was busy for ${(total / 1e6).toFixed(1)} s (and idle for ` +
      `${(idle / 1e6).toFixed(1)} s). Busy time by area (self time):`,
    '',
    ...top(areas, TOP_AREAS).map(([area, micros]) => `- ${area}: ${share(micros)}`),
    '',
    'Top functions (self time):',
    '',
    ...top(frames, TOP_FRAMES).map(([frame, micros]) => `- ${share(micros)} \`${frame}\``),
  ];
}

/** Runs the workload against a fresh app under the profiler and summarises the profile. */
export async function profileWorkload(
  ctx: BenchContext,
  workload: ProfileWorkload,
): Promise<string[]> {
  const dir = await ctx.cleanup.tempDir('profile', ctx.tempRoot);
  const app = await startApp(ctx, workload.variant, { cpuProfileDir: dir });
  const window = { from: monotonicMicros(), to: 0 };
  try {
    await workload.run(app);
  } finally {
    window.to = monotonicMicros();
    await app.stop();
  }
  const [file] = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (!file) return ['No profile was written.'];
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  return summariseProfile(profile, window);
}
