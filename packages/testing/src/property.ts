/**
 * Property tests run deterministically: every fast-check property in the test command uses one
 * fixed seed (override it with `BIOPATH_SEED=<int>`), so a CI run never lands or fails by chance.
 * `npm run fuzz` (tools/fuzz.mjs) runs the same properties with fresh random seeds and
 * `BIOPATH_FC_RUNS_FACTOR` times more runs, printing each seed it used. On failure fast-check prints
 * the seed and the shrink path; a counterexample found that way is added to its property's
 * `examples`, so every later run checks it.
 */
import fc from 'fast-check';

/** The seed every property uses unless `BIOPATH_SEED` says otherwise. */
export const DEFAULT_PROPERTY_SEED = 20_261_202;

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name}: ${JSON.stringify(raw)} is not an integer >= ${min}`);
  return v;
}

/** The seed in force for this process: `BIOPATH_SEED` or {@link DEFAULT_PROPERTY_SEED}. */
export function propertySeed(): number {
  return envInt('BIOPATH_SEED', DEFAULT_PROPERTY_SEED, -(2 ** 31));
}

/** Make every fast-check property of this process use {@link propertySeed}. Called by the vitest setup. */
export function configurePropertySeed(): void {
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: propertySeed() });
}

/**
 * Parameters for one `fc.assert`: `numRuns` scaled by `BIOPATH_FC_RUNS_FACTOR` (1 in the test
 * command, more under `npm run fuzz`) and the property's known counterexamples as `examples`.
 * The seed comes from the global configuration, never from here.
 */
export function propertyParams<Ts>(p: { numRuns: number; examples?: Ts[] }): fc.Parameters<Ts> {
  const factor = envInt('BIOPATH_FC_RUNS_FACTOR', 1, 1);
  return { numRuns: p.numRuns * factor, examples: p.examples ?? [] };
}
