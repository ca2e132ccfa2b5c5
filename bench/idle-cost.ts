import { idleCost, IDLE_ASSUMPTIONS } from '../infra/lib/idle-cost';
import { synthesizeTemplate } from '../infra/lib/synth-template';
import { figure, type Figure } from './report';

/**
 * DESIGN §8 idle cost: the stack synthesized in-process (as `cdk synth` would, without bundling) for each
 * profile, its idle resources priced from the list-price table in `infra/lib/idle-cost.ts` with the always-free
 * tiers applied (and without them in the note).
 */
export function idleCostFigures(log: (line: string) => void = () => undefined): Figure[] {
  const variants: [string, Record<string, unknown>][] = [
    ['minimal profile', { profile: 'minimal' }],
    ['standard, natGateways=0', { natGateways: 0, computeSubnets: 'public' }],
    ['standard (default)', {}],
  ];
  const priced = variants.map(([name, context]) => {
    const template = synthesizeTemplate(context);
    return { name, free: idleCost(template, { freeTier: true }), list: idleCost(template) };
  });
  const baseline = priced[2].free.total;
  return priced.map(({ name, free, list }) => {
    const lines = free.items.map((i) => `${i.item} ×${i.count}: $${i.monthly.toFixed(2)} (${i.note})`);
    for (const l of lines) log(`  ${name}: ${l}`);
    const isMinimal = name === 'minimal profile';
    return figure({
      group: 'idle cost per month',
      figure: name,
      unit: 'USD',
      slipway: free.total,
      baseline,
      baselineLabel: 'standard profile, default',
      target: isMinimal ? '≤ $5' : '-',
      ...(isMinimal && { pass: free.total <= 5 }),
      note: `${lines.join('; ')}. Without the always-free tiers: $${list.total.toFixed(2)}. ${free.alarmMetrics} alarm metrics. Assumed idle usage: ${JSON.stringify(IDLE_ASSUMPTIONS)}.`,
    });
  });
}
