import { describe, expect, it } from 'vitest';
import { type BenchResult, formatTable, targetsOf } from '../../src/bench/report.js';

const measuredBeforeTheFailure: BenchResult = {
  command: 'npm run bench --',
  runId: 'bench-x',
  startedAt: '2026-11-24T00:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGb: 24, node: 'v20.20.2', redis: '7.0.15' },
  options: {},
  produce: { orders: 1000, customers: 100, seconds: 1, rate: 1000, maxOrdersPerCustomer: 40 },
  raw: { rate: 100_000, seconds: 0.01 },
  failure: 'bin/rfm.js run --exit-when-idle: exited with 1 before processing every record: out of memory',
};

describe('the bench report of a run that failed part way', () => {
  it('says why it stopped, and keeps what was measured before', () => {
    const table = formatTable({ ...measuredBeforeTheFailure, targets: targetsOf(measuredBeforeTheFailure) });
    expect(table).toMatch(/FAILED, the rest not measured\s+bin\/rfm\.js run .*: out of memory/);
    expect(table).toMatch(/\(a\) raw kafkajs consume\s+100,000 events\/s/);
    expect(table).not.toContain('(b) processor');
  });

  it('judges only the targets whose figures were measured', () => {
    expect(targetsOf(measuredBeforeTheFailure)).toEqual([]);
    const withProcessor: BenchResult = {
      ...measuredBeforeTheFailure,
      processor: {
        rate: 3000,
        seconds: 0.3,
        ratioToRaw: 0.03,
        batches: 2,
        batchP50Ms: 10,
        batchP99Ms: 20,
        peakRssMb: 100,
        redisCommandsPerEvent: 3,
        redisCommandsPerCpuSecond: 150_000,
        redisTopCommands: {},
        redisRoundTripsPerBatch: 12,
        changesOut: 2700,
        ticks: 10,
        tickSeconds: 0.1,
      },
    };
    expect(targetsOf(withProcessor).map((t) => [t.name, t.met])).toEqual([
      ['processor / raw (b/a)', false],
      ['Redis round trips per batch', true],
    ]);
  });
});
