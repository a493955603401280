import { it } from 'vitest';
import { fitBgnbd, conditionalExpectedTransactions, expectedTransactions } from '../../../src/domain/clv/bgnbd.js';
import { fitGammaGamma, conditionalExpectedSpend } from '../../../src/domain/clv/gamma-gamma.js';
import { readPublishedSummary } from './cdnow.js';
it('scratch', () => {
  const s = readPublishedSummary('cdnow_customers_summary.csv');
  const p = fitBgnbd(s);
  console.log(conditionalExpectedTransactions(p, 39, 2, 30.43, 38.86), [0.1429, 1, 3, 31.8571, 32, 78].map((t) => expectedTransactions(p, t)));
  const w = readPublishedSummary('cdnow_customers_summary_with_transactions.csv');
  const gg = fitGammaGamma(w.map((c) => ({ x: c.x, mx: c.zbar })));
  console.log(w.slice(0, 10).map((c) => conditionalExpectedSpend(gg, c.x, c.zbar)));
}, 60000);
