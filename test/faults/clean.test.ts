// The clean run: the dataset through one `rfm run` with no fault. Its state must
// equal the batch reference; its state and outputs are what every fault
// scenario is then held to, key for key and id for id.
import { describe, expect, it } from 'vitest';
import { baseline } from './support/scenario.js';

describe('no fault', () => {
  it('processes the dataset into the reference state, publishing each change once', async () => {
    const clean = await baseline();
    expect(clean.state.size).toBeGreaterThan(0);
    expect(clean.outputs.segmentChanges.size).toBeGreaterThan(0);
    expect(clean.outputs.churnRisk.size).toBeGreaterThan(0);
  });
});
