/** One run of EM against an engine: what fit/ and the benches use. */
export { runEm } from './run-em.ts';
export type { EmOptions, EmResult, EmResume, IterationInfo, StopReason } from './types.ts';
export { addWork, appendRun, NO_WORK, type EmWork } from './work.ts';
export { convergenceTarget, rateBound, type ConvergenceCertificate } from './convergence.ts';
export { logOf, type Params, type State } from './state.ts';
export { DEFAULT_NEWTON, newtonMStep, type NewtonOptions, type StepDirection } from './mstep.ts';
export { observedDerivatives, type NewtonPoint, type ObservedNewton } from './observed-newton.ts';
export { LOCAL_NEWTON_MAX_DIM } from './steppers/newton-raphson.ts';
export { DENSE_NEWTON_MAX_L, designCholesky, usesCg, type NewtonSolver } from './newton-cg.ts';
