// The bounded Nelder-Mead: finds minima, never leaves the bounds, is repeatable,
// and says when it ran out of iterations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minimize } from '../../../src/domain/clv/optimize.js';

const rosenbrock = ([x, y]: readonly number[]) =>
  100 * ((y as number) - (x as number) ** 2) ** 2 + (1 - (x as number)) ** 2;

describe('minimize', () => {
  it('finds the minimum of the Rosenbrock valley without bounds', () => {
    const result = minimize(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.params[0]).toBeCloseTo(1, 6);
    expect(result.params[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
  });

  it('finds an interior minimum of a bounded problem', () => {
    const result = minimize(([p, q]) => ((p as number) - 2) ** 2 + Math.log(q as number) ** 2, [5, 10], {
      lower: [0, 0],
      upper: [Number.POSITIVE_INFINITY, 100],
    });
    expect(result.converged).toBe(true);
    expect(result.params[0]).toBeCloseTo(2, 6);
    expect(result.params[1]).toBeCloseTo(1, 6);
  });

  it('evaluates only points within the bounds and ends next to the bound that cuts the minimum off', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (lower, width, startAt) => {
          const upper = lower + width;
          const target = upper + 1; // the unconstrained minimum lies beyond the upper bound
          let outside = 0;
          const result = minimize(
            ([p, q]) => {
              if ((p as number) < lower || (p as number) > upper || (q as number) < 0) outside++;
              return ((p as number) - target) ** 2 + ((q as number) - 1) ** 2;
            },
            [lower + startAt * width, 3],
            { lower: [lower, 0], upper: [upper, Number.POSITIVE_INFINITY] },
          );
          expect(outside).toBe(0);
          expect(result.params[0]).toBeLessThanOrEqual(upper);
          expect(result.params[0]).toBeCloseTo(upper, 3);
          expect(result.params[1]).toBeCloseTo(1, 5);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is deterministic', () => {
    expect(minimize(rosenbrock, [-1.2, 1])).toEqual(minimize(rosenbrock, [-1.2, 1]));
  });

  it('reports no convergence when the iteration cap comes first', () => {
    const result = minimize(rosenbrock, [-1.2, 1], { maxIterations: 10 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(10);
    expect(result.value).toBeLessThan(rosenbrock([-1.2, 1]));
  });

  it('steers around points where the objective is undefined', () => {
    // NaN for p > 3 (as a likelihood can be where a parameter is out of its domain).
    const result = minimize(([p]) => ((p as number) > 3 ? Number.NaN : ((p as number) - 4) ** 2), [1]);
    expect(result.params[0]).toBeLessThanOrEqual(3);
    expect(result.params[0]).toBeCloseTo(3, 5);
  });

  it('refuses a start outside the bounds, on a bound, or where the objective is not finite', () => {
    expect(() => minimize(rosenbrock, [0, 0], { lower: [1, 0], upper: [2, 1] })).toThrow(/start 0/);
    expect(() => minimize(rosenbrock, [1, 0], { lower: [1, -1], upper: [2, 1] })).toThrow(RangeError);
    expect(() => minimize(rosenbrock, [1, 0], { lower: [0] })).toThrow(/bounds must have 2 entries/);
    expect(() => minimize(() => Number.NaN, [1])).toThrow(/not finite/);
  });
});
