// `rfm fit`'s model building: BG/NBD and Gamma-Gamma fitted to the calibration
// summaries, checked for a usable optimum, as one value model.

import { fitBgnbd } from './bgnbd.js';
import type { CalibrationSummary } from './calibration.js';
import { fitGammaGamma } from './gamma-gamma.js';
import type { ValueModel } from './value-model.js';

export type FittedModels = Omit<ValueModel, 'version' | 'fittedAt'>;

/** Parameters beyond these did not find an optimum: they ran off towards 0 or infinity. */
const SANE = { min: 1e-6, max: 1e6 };

export class FitError extends Error {}

export function fitValueModels(
  summaries: readonly CalibrationSummary[],
  calibration: { calibrationEnd: string; daysPerUnit: number },
): FittedModels {
  const repeat = summaries.filter((s) => s.x > 0 && s.mx > 0);
  if (summaries.length < 2 || repeat.length < 2) {
    throw new FitError(
      `the calibration period up to ${calibration.calibrationEnd} has ${summaries.length} customers, ` +
        `${repeat.length} with a repeat purchase: the models need repeat buyers; choose a later --calibration-end`,
    );
  }
  const bgnbd = fitBgnbd(summaries);
  const gammaGamma = fitGammaGamma(repeat);
  const bgnbdParams = { r: bgnbd.r, alpha: bgnbd.alpha, a: bgnbd.a, b: bgnbd.b };
  const ggParams = { p: gammaGamma.p, q: gammaGamma.q, v: gammaGamma.v };
  for (const [model, fit, params] of [
    ['BG/NBD', bgnbd, bgnbdParams],
    ['Gamma-Gamma', gammaGamma, ggParams],
  ] as const) {
    const off = Object.entries(params).filter(([, value]) => !(value > SANE.min && value < SANE.max));
    if (!fit.converged || off.length > 0) {
      throw new FitError(
        `the ${model} fit found no usable optimum (${off.map(([k, v]) => `${k} = ${v}`).join(', ') || 'did not converge'}): ` +
          'the calibration data cannot identify the model; use a longer calibration period',
      );
    }
  }
  if (!(gammaGamma.q > 1)) {
    throw new FitError(
      `the Gamma-Gamma fit gives q = ${gammaGamma.q}: spend has no finite mean (q must exceed 1), so no CLV can be predicted`,
    );
  }
  return {
    calibrationEnd: calibration.calibrationEnd,
    daysPerUnit: calibration.daysPerUnit,
    bgnbd: { ...bgnbdParams, logLikelihood: bgnbd.logLikelihood },
    gammaGamma: { ...ggParams, logLikelihood: gammaGamma.logLikelihood },
    customers: summaries.length,
    repeatCustomers: repeat.length,
  };
}
