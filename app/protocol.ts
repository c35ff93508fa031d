/** What the page and its fit worker say to each other, and the report a run ends with. */
import type { BackendChoice } from '../src/engines/create.ts';
import type { XStorage } from '../src/engines/engine.ts';
import type { DesignCovarianceWhere } from '../src/fit/design-covariance.ts';
import type { FitResult } from '../src/fit/fit.ts';
import type { TruthJson } from '../src/model/truth.ts';
import type { InitKind } from '../src/fit/initialize.ts';
import type { SearchKind } from '../src/fit/search.ts';
import type { StepDirection } from '../src/em/mstep.ts';
import type { SelectionResult, SelectionRow } from '../src/fit/select.ts';

export type DatasetKind = 'books' | 'sim' | 'files';

export interface SimSettings {
  p: number;
  L: number;
  K: number;
  N: number;
  thetaNorm: number;
  seed: number;
}

export interface FitSettings {
  K: number;
  /** the first start: method of moments, subspace, or seeded random */
  init: InitKind;
  restarts: number;
  /** how widely to search for the best maximum (src/fit/search.ts) */
  search: SearchKind;
  /** rounds of component replacement after convergence (0: off; src/fit/replace.ts) */
  replaceRounds: number;
  /** the M-step direction: exact Newton (a pL²K Hessian pass) or the design covariance as preconditioner */
  stepDirection: StepDirection;
  backend: BackendChoice;
  /** X on the GPU: f32, or f16 (half the memory; FitOptions.xStorage) */
  xStorage: XStorage;
  /** where S is formed: host (float64) or engine (one pass; FitOptions.designCovariance) */
  designCovariance: DesignCovarianceWhere;
  ridge: number;
  tol: number;
  maxIter: number;
  seed: number;
  /** standard errors and 95% Wald intervals at the end (src/inference/) */
  se: boolean;
}

export type DataSpec =
  | { kind: 'books' }
  | { kind: 'sim'; sim: SimSettings }
  | { kind: 'files'; features: File; counts: File; labels?: File; truth?: File };

/**
 * 'run' fits fit.K; 'select' chooses K (src/fit/select.ts): K = 1..Kmax (at most p), fit.ridge,
 * one split of the counts, then the chosen K refitted on all counts and reported like a run
 */
export type Job = { type: 'run'; data: DataSpec; fit: FitSettings } | { type: 'select'; data: DataSpec; fit: FitSettings; Kmax: number };

/** a K sweep's outcome, without the refit (which comes as the fit) */
export type SelectionSummary = Omit<SelectionResult, 'refit'>;

export type ToWorker = Job | { type: 'cancel' };

export interface ProgressPoint {
  start: number;
  phase: 'screen' | 'final' | 'replace' | 'grow';
  /** phase 'grow': the stage's number of components */
  components?: number;
  iteration: number;
  logLikPerSample: number;
}

export interface ErrorInfo {
  name: string;
  /** SoftmixError's stable code when there is one ('cancelled' for a cancelled fit) */
  code?: string;
  message: string;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'loaded'; description: string; p: number; L: number; N: number }
  | { type: 'progress'; points: ProgressPoint[] }
  | { type: 'done'; fit: FitResult; report: PageReport }
  /** a 'select' job: a candidate scored; then the sweep, and the refit of the chosen K with its report */
  | { type: 'select-row'; row: SelectionRow; candidate: number; candidates: number }
  | { type: 'select-done'; selection: SelectionSummary; fit: FitResult; report: PageReport }
  | { type: 'error'; error: ErrorInfo };

export interface ReportItem {
  index: number;
  /** the word (books), the given item name, or "#index" */
  label: string;
  /** n_j in the fitted counts */
  count: number;
  /** n_j r_jk log(lift) */
  score: number;
  /** σ_j(θ_k) / π_j */
  lift: number;
}

export interface ReportComponent {
  /** 1-based, in the fit's order (weights descending) */
  component: number;
  weight: number;
  /** |θ_k| */
  norm: number;
  /** standard errors (observed information) when the fit has them; null where the component is not determined */
  errors?: { weight: number | null; weightCi: [number, number] | null; norm: number | null; atom: (number | null)[] };
  items: ReportItem[];
}

/** window.softmixResult.report: what a person or a program reads off a run. */
export interface PageReport {
  dataset: DatasetKind;
  description: string;
  K: number;
  p: number;
  L: number;
  N: number;
  backend: 'cpu' | 'webgpu';
  device: string;
  iterations: number;
  converged: boolean;
  stopReason: string;
  /** what certified convergence: 'newton' (the Newton decrement) or 'rate', the bound left in nats and the target (tol·N) */
  convergence: { test: string; remaining: number; target: number } | null;
  /** components running off to a face of the hull (no finite atom), carried on: the items they sit on, labelled */
  runaway: { component: number; scoreSpread: number; mass: number; items: string[] }[];
  /** component replacement, when it ran: trials, how many were kept, what they gained in ℓ_λ */
  replacement?: { trials: number; kept: number; gain: number; stopReason: string };
  /** what the search did and why (src/fit/search.ts): 'narrow', 'grown' or 'wide', the reason in words, the work it took */
  search: { chosen: 'narrow' | 'grown' | 'wide'; reason: string; eSteps: number; stages?: { K: number; logLikPerSample: number }[] };
  components: ReportComponent[];
  /** whether the components carry errors, and why not when they do not */
  standardErrors: { available: boolean; reason?: string; level?: number } | null;
  /** ℓ/N on the fitted counts; on the held-out counts (books); at the true parameters (simulations) */
  logLikPerSample: { train: number; heldout?: number; truth?: number };
  /** against the truth, when it is known (compareWithTruth) */
  error?: { thetaError: number; alphaError: number; w1: number; permutation: number[] };
  truth?: TruthJson;
  /** milliseconds per phase */
  timings: { loadMs: number; setupMs: number; initMs: number; emMs: number; seMs: number; finishMs: number; reportMs: number; totalMs: number; perIterationMs: number };
  warnings: string[];
}
