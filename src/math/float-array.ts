/**
 * A row-major matrix of reals on the host at one of two precisions. The features travel as
 * this: a fit on the WebGPU engine, which reads X in float32 anyway, keeps its centred copy
 * at 4 bytes per entry (4.1 GB rather than 8.2 GB at p = 2.5·10⁵, L = 4096).
 */
export type FloatArray = Float32Array | Float64Array;
