// A deterministic bounded minimizer for the model fits: Nelder-Mead on an
// unconstrained transform of the parameters, restarted until a restart stops helping.

export interface MinimizeOptions {
  /** Lower bound of each parameter; `-Infinity` for none. @default no bounds */
  lower?: readonly number[];
  /** Upper bound of each parameter; `Infinity` for none. @default no bounds */
  upper?: readonly number[];
  /** Nelder-Mead iterations allowed over all restarts. @default 20_000 */
  maxIterations?: number;
  /**
   * A run stops when the objective values of the simplex differ by at most
   * `tolerance * max(1, |best|)` (and the simplex is smaller than `stepTolerance`);
   * the search ends when a restart improves the best value by no more than that.
   * @default 1e-12
   */
  tolerance?: number;
  /** Largest simplex edge, in the transformed space, at which a run may stop. @default 1e-9 */
  stepTolerance?: number;
  /**
   * Each starting simplex moves one parameter at a time by `initialStep * max(1, |x|)`
   * (or back, to stay within the bounds). @default 0.5
   */
  initialStep?: number;
  /** Restarts after the first run before giving up on settling. @default 25 */
  maxRestarts?: number;
}

export interface MinimizeResult {
  params: number[];
  value: number;
  iterations: number;
  /** False when the iteration cap or the restart cap was hit first. */
  converged: boolean;
}

/**
 * Minimizes `objective` from `start`, keeping every evaluated point within
 * [lower, upper]. NaN objective values count as +Infinity, so a region where the
 * objective is undefined is simply avoided. `start` must lie strictly inside the
 * bounds and have a finite objective value.
 */
export function minimize(
  objective: (params: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const dimension = start.length;
  const lower = options.lower ?? start.map(() => Number.NEGATIVE_INFINITY);
  const upper = options.upper ?? start.map(() => Number.POSITIVE_INFINITY);
  if (lower.length !== dimension || upper.length !== dimension) {
    throw new RangeError(`bounds must have ${dimension} entries, one per parameter`);
  }
  const maxIterations = options.maxIterations ?? 20_000;
  const tolerance = options.tolerance ?? 1e-12;
  const stepTolerance = options.stepTolerance ?? 1e-9;
  const initialStep = options.initialStep ?? 0.5;
  const maxRestarts = options.maxRestarts ?? 25;

  const transforms = start.map((x0, i) => boundTransform(lower[i] as number, upper[i] as number, x0, i));
  const toParams = (y: readonly number[]) => y.map((yi, i) => (transforms[i] as BoundTransform).toParam(yi));
  const evaluate = (y: readonly number[]) => {
    const value = objective(toParams(y));
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };

  let best = start.map((x0, i) => (transforms[i] as BoundTransform).fromParam(x0));
  let bestValue = evaluate(best);
  if (!Number.isFinite(bestValue)) {
    throw new RangeError(`the objective is not finite at the start point [${start.join(', ')}]`);
  }
  let iterations = 0;
  for (let restart = 0; restart <= maxRestarts; restart++) {
    const simplex = startingSimplex(best, transforms, lower, upper, initialStep);
    const run = nelderMead(evaluate, simplex, {
      maxIterations: maxIterations - iterations,
      tolerance,
      stepTolerance,
    });
    iterations += run.iterations;
    const improvement = bestValue - run.value;
    if (run.value <= bestValue) {
      best = run.point;
      bestValue = run.value;
    }
    if (!run.converged) break;
    // A run can stall with a collapsed simplex, on a ridge or where the transform
    // flattens the objective (a parameter driven towards a bound); a fresh simplex
    // from the same point either confirms the minimum or moves on.
    if (restart > 0 && improvement <= tolerance * Math.max(1, Math.abs(bestValue))) {
      return { params: toParams(best), value: bestValue, iterations, converged: true };
    }
  }
  return { params: toParams(best), value: bestValue, iterations, converged: false };
}

interface BoundTransform {
  toParam(y: number): number;
  fromParam(x: number): number;
}

// Maps the real line onto the allowed interval, so the simplex never has to be
// clipped: exp for one finite bound, a logistic for two.
function boundTransform(lo: number, hi: number, x0: number, index: number): BoundTransform {
  if (!(lo < hi)) throw new RangeError(`parameter ${index}: lower bound ${lo} is not below upper ${hi}`);
  if (!(x0 > lo && x0 < hi)) {
    throw new RangeError(`parameter ${index}: start ${x0} is not strictly inside (${lo}, ${hi})`);
  }
  const clamp = (x: number) => Math.min(hi, Math.max(lo, x));
  const loFinite = Number.isFinite(lo);
  const hiFinite = Number.isFinite(hi);
  if (loFinite && hiFinite) {
    const width = hi - lo;
    return {
      toParam: (y) => clamp(lo + width / (1 + Math.exp(-y))),
      fromParam: (x) => Math.log((x - lo) / (hi - x)),
    };
  }
  if (loFinite) return { toParam: (y) => clamp(lo + Math.exp(y)), fromParam: (x) => Math.log(x - lo) };
  if (hiFinite) return { toParam: (y) => clamp(hi - Math.exp(y)), fromParam: (x) => Math.log(hi - x) };
  return { toParam: (y) => y, fromParam: (x) => x };
}

// The simplex is built in parameter space, not the transformed one: a parameter
// that has run to 1e-20 or onto a bound sits where the transform is flat, and a
// step there must bring it back to its own scale to see the objective move.
function startingSimplex(
  y: readonly number[],
  transforms: readonly BoundTransform[],
  lower: readonly number[],
  upper: readonly number[],
  initialStep: number,
): number[][] {
  const simplex = [y.slice()];
  y.forEach((yi, i) => {
    const transform = transforms[i] as BoundTransform;
    const lo = lower[i] as number;
    const hi = upper[i] as number;
    const x = transform.toParam(yi);
    const step = initialStep * Math.max(1, Math.abs(x));
    let moved = x + step;
    if (!(moved < hi)) moved = x - step;
    if (!(moved > lo)) moved = x + step / 2 < hi ? (x + hi) / 2 : (lo + x) / 2;
    const vertex = y.slice();
    vertex[i] = transform.fromParam(moved);
    simplex.push(vertex);
  });
  return simplex;
}

interface RunOptions {
  maxIterations: number;
  tolerance: number;
  stepTolerance: number;
}

interface RunResult {
  point: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

// Standard coefficients (reflection 1, expansion 2, contraction 1/2, shrink 1/2),
// as in Lagarias et al. 1998; with at most four parameters the adaptive variant
// buys nothing.
const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

function nelderMead(
  f: (y: readonly number[]) => number,
  simplex: number[][],
  options: RunOptions,
): RunResult {
  const n = simplex.length - 1;
  const points = simplex;
  const values = points.map(f);
  const combine = (from: readonly number[], to: readonly number[], weight: number) =>
    from.map((v, j) => v + weight * ((to[j] as number) - v));

  let iterations = 0;
  for (;;) {
    // Compared, not subtracted: two +Infinity values must tie, not give NaN.
    const order = values.map((_, i) => i).sort((i, j) => compare(values[i] as number, values[j] as number));
    const sortedPoints = order.map((i) => points[i] as number[]);
    const sortedValues = order.map((i) => values[i] as number);
    points.splice(0, points.length, ...sortedPoints);
    values.splice(0, values.length, ...sortedValues);
    const bestValue = values[0] as number;
    const worstValue = values[n] as number;
    const best = points[0] as number[];

    const spread = worstValue - bestValue;
    let size = 0;
    for (let i = 1; i <= n; i++) {
      const vertex = points[i] as number[];
      for (let j = 0; j < n; j++)
        size = Math.max(size, Math.abs((vertex[j] as number) - (best[j] as number)));
    }
    if (spread <= options.tolerance * Math.max(1, Math.abs(bestValue)) && size <= options.stepTolerance) {
      return { point: best.slice(), value: bestValue, iterations, converged: true };
    }
    if (iterations >= options.maxIterations) {
      return { point: best.slice(), value: bestValue, iterations, converged: false };
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const vertex = points[i] as number[];
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (vertex[j] as number) / n;
    }
    const worst = points[n] as number[];
    const reflected = combine(centroid, worst, -REFLECT);
    const reflectedValue = f(reflected);
    if (reflectedValue < bestValue) {
      const expanded = combine(centroid, worst, -REFLECT * EXPAND);
      const expandedValue = f(expanded);
      if (expandedValue < reflectedValue) replaceWorst(expanded, expandedValue);
      else replaceWorst(reflected, reflectedValue);
      continue;
    }
    if (reflectedValue < (values[n - 1] as number)) {
      replaceWorst(reflected, reflectedValue);
      continue;
    }
    if (reflectedValue < worstValue) {
      const outside = combine(centroid, reflected, CONTRACT);
      const outsideValue = f(outside);
      if (outsideValue <= reflectedValue) {
        replaceWorst(outside, outsideValue);
        continue;
      }
    } else {
      const inside = combine(centroid, worst, CONTRACT);
      const insideValue = f(inside);
      if (insideValue < worstValue) {
        replaceWorst(inside, insideValue);
        continue;
      }
    }
    for (let i = 1; i <= n; i++) {
      points[i] = combine(best, points[i] as number[], SHRINK);
      values[i] = f(points[i] as number[]);
    }
  }

  function replaceWorst(point: number[], value: number): void {
    points[n] = point;
    values[n] = value;
  }
}

function compare(u: number, v: number): number {
  if (u < v) return -1;
  return u > v ? 1 : 0;
}
