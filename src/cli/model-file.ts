/**
 * The files the model commands read (score, predict, simulate --model): a fitted model's
 * JSON and the features of the items it is applied to, each checked against the other with
 * messages that name the flags.
 */
import { FittedModel } from '../fit/fitted-model.ts';
import { readMatrix, type Matrix } from '../io/files.ts';
import { SoftmixError } from '../errors.ts';
import { readJsonFile } from './paths.ts';

/** A model from `softmix fit`'s JSON or a saved softmix-model (FittedModel.fromJSON checks it). */
export function readModelFile(flag: string, path: string): FittedModel {
  return FittedModel.fromJSON(readJsonFile(flag, path), `${flag} ${path}`);
}

/** Features p×L for `model`: a matrix with the model's L columns. */
export function readFeaturesFor(model: FittedModel, path: string, modelFlag: string): Matrix {
  const x = readMatrix(path);
  if (x.cols !== model.L) {
    throw new SoftmixError('shape', `--features ${path} has ${x.cols} column${x.cols === 1 ? '' : 's'} but the model (${modelFlag}) has L = ${model.L}`);
  }
  return x;
}
