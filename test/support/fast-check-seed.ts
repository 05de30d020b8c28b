// Fuzz and property tests run with a fixed seed, so a CI run can be repeated exactly; FW_FUZZ_SEED=random (or a
// number) explores other inputs locally. The seed of a failure is printed by fast-check.
import fc from 'fast-check';

const seed = process.env.FW_FUZZ_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed === undefined ? 20261123 : Number(seed) });
