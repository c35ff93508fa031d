/**
 * softmix for Node: everything the main entry has, and what only Node can do — reading
 * .npy/.csv files, and WebGPU through Dawn (the `webgpu` package, an optional install).
 * package.json's "node" condition resolves `softmix` here.
 */
export * from '../index.ts';
export { readMatrix, readVector, type Matrix } from '../io/files.ts';
export { dawnGpu, dawnEnvironment, type DawnOptions } from './dawn.ts';
