export { standardErrors, waldIntervals, parameterNames, MAX_PARAMETERS, INFORMATION_FLOOR_ULPS } from './standard-errors.ts';
export type { StandardErrors, StandardErrorsUnavailable, ConfidenceIntervals, ErrorsOf, UndeterminedComponent, InferenceInput } from './standard-errors.ts';
export { informationAt, scoreOuterProducts, type InformationAt } from './information.ts';
export { covariances, type Covariances, type CovarianceInput } from './covariance.ts';
