/**
 * The method-of-moments warm start's public surface: `momEstimate` and its result types,
 * and the subspace pieces the fit's starts use. The routes and what each file holds are
 * in README.md; the route's building blocks (tensor decomposition, quadrature, …) are
 * imported from their own files.
 */
export { momEstimate } from './estimate.ts';
export type { MomRoute, MomDiagnostics, MomSuccess, MomFailure, MomResult, MomOptions } from './types.ts';
export { latentMoments, latentSubspace, subspaceFromSecondMoment, momentSupportRadius, plausibleAtomNorm, LANCZOS_MIN_L, type Subspace, type SecondMomentMethod } from './moments.ts';
export { subspaceStart, subspaceStarts } from './subspace.ts';
