import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One of the costs a CPU profile names: a function (with the nearest Slipway function that called it) and its self time. */
export interface ProfileCost {
  what: string;
  ms: number;
  /** Share of the time the process was busy (not idle). */
  share: number;
}

const inspectorPost = <T>(session: Session, method: string, params?: object) =>
  new Promise<T>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));

/**
 * Runs `fn` under a CPU profile of this process (the bench, with the in-process local runtime: its handlers,
 * pollers and emulators; agents are other processes) and resolves the top `count` costs by self time.
 */
export async function profileCosts(fn: () => Promise<unknown>, count = 3): Promise<ProfileCost[]> {
  const session = new Session();
  session.connect();
  try {
    await inspectorPost(session, 'Profiler.enable');
    await inspectorPost(session, 'Profiler.setSamplingInterval', { interval: 500 });
    await inspectorPost(session, 'Profiler.start');
    let failure: unknown;
    await fn().catch((e: unknown) => (failure = e));
    const { profile } = await inspectorPost<{ profile: CpuProfile }>(session, 'Profiler.stop');
    if (failure) throw failure;
    return topCosts(profile, count);
  } finally {
    session.disconnect();
  }
}

/** Code of this repository (the CLI bundle, or sources through tsx), not a dependency's or Node's own. */
const ours = (url: string) => url.includes('/.cache/slipway/') || (url !== '' && !url.startsWith('node:') && !url.includes('/node_modules/'));

/** A function's name, with the package it comes from when that is a dependency (`get [dynalite]`). */
function nameOf(f: ProfileNode['callFrame']): string {
  const pkg = ours(f.url) ? undefined : /.*\/node_modules\/((@[^/]+\/)?[^/]+)/.exec(f.url)?.[1];
  return `${f.functionName || '(anonymous)'}${pkg ? ` [${pkg}]` : ''}`;
}

/** The top `count` functions by self time, each named with the nearest function of ours above it. */
export function topCosts(profile: CpuProfile, count: number): ProfileCost[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const leaf = nodes.get(id)!.callFrame;
    // The profiler's own work at its stop is not the process's.
    if (leaf.functionName === '(idle)' || leaf.functionName === '(program)' || leaf.url === 'node:inspector') return;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    let caller: string | undefined;
    for (let up = parent.get(id); up !== undefined && !caller; up = parent.get(up)) {
      const f = nodes.get(up)!.callFrame;
      if (ours(f.url) && f.functionName) caller = f.functionName;
    }
    // The profiler's own stop (it serialises the profile on this thread) is not the process's either.
    if (caller === 'inspectorPost' || caller === 'profileCosts') {
      busy -= dt;
      return;
    }
    const name = `${nameOf(leaf)}${ours(leaf.url) && leaf.functionName ? '' : caller ? ` in ${caller}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([what, us]) => ({ what, ms: Math.round(us / 1000), share: busy ? us / busy : 0 }));
}
