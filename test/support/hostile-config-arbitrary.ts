import fc from 'fast-check';
import { anchoredSteps, commandCycle, doublingCommands, parameterChain, wideMatrix } from './hostile-configs';

/** Expansion bombs of every kind in hostile-configs.ts, each sized past the default compile limits. */
export const expansionBomb: fc.Arbitrary<string> = fc.oneof(
  fc.record({ levels: fc.integer({ min: 14, max: 40 }), fan: fc.integer({ min: 2, max: 5 }) }).map(({ levels, fan }) => doublingCommands(levels, fan)),
  fc.record({ params: fc.integer({ min: 3, max: 10 }), values: fc.integer({ min: 20, max: 100 }) }).map(({ params, values }) => wideMatrix(params, values)),
  fc.integer({ min: 1, max: 40 }).map(commandCycle),
  fc.integer({ min: 26, max: 80 }).map((levels) => parameterChain(levels)),
  fc.record({ levels: fc.integer({ min: 5, max: 9 }), width: fc.integer({ min: 6, max: 12 }) }).map(({ levels, width }) => anchoredSteps(levels, width)),
);
