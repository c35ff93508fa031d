/** softmix: fit softmax mixtures (mixed multinomial logit) by EM, on WebGPU or the cpu. */
export { fitSoftmaxMixture, type FitOptions, type FitResult, type StartRecord, type ExplicitInit } from './fit.ts';
export { simulate, type SimulateOptions, type SimulatedData } from './simulate.ts';
export { makeDataset, samplesToCounts, type DatasetInput, type Dataset } from './data.ts';
export { mixtureProbabilities, mixtureLogProbabilities, logLikelihood, type MixtureParams } from './model.ts';
export { SoftmixError, type SoftmixErrorCode } from './errors.ts';
export { Rng } from './rng.ts';
export type { BackendChoice } from './engine.ts';
export type { DeviceInfo } from './backend/backend.ts';
export { characteristicItems } from './characteristic.ts';
export { compareWithTruth, type TruthComparison } from './report.ts';
export { matchComponents, wasserstein1, totalVariation, informationCriteria } from './metrics.ts';
export { parseNpy, writeNpy, type NpyArray } from './io/npy.ts';
export { parseCsvMatrix, formatCsvMatrix } from './io/csv.ts';
export { parseBooks, type BooksData } from './datasets/books.ts';
