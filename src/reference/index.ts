// The batch reference: the domain recomputed from scratch, used as the test oracle.

export * from './cdnow.js';
export * from './churn.js';
export * from './classify.js';
export * from './customer-facts.js';
export * from './kpis.js';
export * from './snapshot.js';
export * from './thresholds.js';
