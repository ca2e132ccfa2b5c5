// The orb resolver port: the config engine's lookup of registry orbs' sources. The interfaces are defined with
// the config engine (the domain imports no ports); adapters implement them from here.
export type { OrbReference, OrbResolver } from '../config/orb-reference';
