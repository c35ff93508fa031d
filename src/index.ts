/** softmix: fit softmax mixtures (mixed multinomial logit) by EM, on WebGPU or the cpu. */
export { fitSoftmaxMixture, type FitOptions, type FitResult, type StartRecord, type ExplicitInit } from './fit/fit.ts';
export { selectModel, type SelectOptions, type SelectProgress, type SelectionResult, type SelectionRow, type FoldScore } from './fit/select.ts';
export { thinCounts, foldCounts, sampleBinomial, type ThinnedCounts } from './model/thinning.ts';
export { simulate, type SimulateOptions, type SimulatedData } from './model/simulate.ts';
export { makeDataset, samplesToCounts, type DatasetInput, type Dataset } from './model/data.ts';
export { mixtureProbabilities, mixtureLogProbabilities, logLikelihood, type MixtureParams } from './model/mixture.ts';
export { SoftmixError, type SoftmixErrorCode } from './errors.ts';
export { Rng } from './math/rng.ts';
export type { BackendChoice } from './engines/create.ts';
export type { DeviceInfo } from './engines/engine.ts';
export { characteristicItems } from './model/characteristic.ts';
export { compareWithTruth, type TruthComparison } from './model/truth.ts';
export { matchComponents, totalVariation, informationCriteria } from './model/metrics.ts';
export { wasserstein1 } from './model/transport.ts';
export { parseNpy, type NpyArray } from './io/npy.ts';
export { writeNpy } from './io/npy-write.ts';
export { parseCsvMatrix, formatCsvMatrix } from './io/csv.ts';
export { parseBooks, type BooksData } from './datasets/books.ts';
