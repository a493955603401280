import { describe, expect, it } from 'vitest';
import { type DemoSnapshot, renderDemo } from '../../src/cli/demo-view.js';
import type { ChurnRiskChange, SegmentChange } from '../../src/domain/changes.js';
import { MODELS, SEGMENTS_OF } from '../../src/domain/segments.js';

const DAY = Date.UTC(1997, 2, 14, 12);

const change = (i: number): SegmentChange => ({
  eventId: `s${i}`,
  customerId: `0000${i}`,
  model: 'rfm8',
  previousSegment: i === 0 ? null : 'GENERAL_DEVELOP',
  segment: 'IMPORTANT_VALUE',
  cause: 'ORDER',
  eventTime: DAY,
  recencyDays: 0,
  frequency: 2,
  monetaryMinor: 4_200,
  recencyScore: 5,
  frequencyScore: 4,
  monetaryScore: 5,
  thresholdsVersion: '1997-03-14',
});

const risk = (i: number): ChurnRiskChange => ({
  eventId: `r${i}`,
  customerId: `0100${i}`,
  previousLevel: 'NONE',
  level: 'LOW',
  reasons: ['DOZING'],
  daysSinceLastPurchase: 30,
  pAlive: null,
  predictedClv: null,
  eventTime: DAY,
});

function snapshot(over: Partial<DemoSnapshot> = {}): DemoSnapshot {
  const segments = Object.fromEntries(
    MODELS.map((model) => [model, Object.fromEntries(SEGMENTS_OF[model].map((s, i) => [s, 1000 * (i + 1)]))]),
  ) as DemoSnapshot['report']['segments'];
  return {
    inTopic: 69_659,
    processed: 12_345,
    ordersPerSecond: 640,
    changesPerSecond: 4_100,
    changes: 88_000,
    report: {
      asOf: '1997-03-14',
      thresholdsVersion: '1997-03-14',
      customers: 12_000,
      population: 11_000,
      segments,
    },
    recentChanges: Array.from({ length: 20 }, (_, i) => change(i)),
    recentRisks: Array.from({ length: 20 }, (_, i) => risk(i)),
    firstChangeAfter: 18.14,
    importing: null,
    caughtUp: false,
    topics: { segmentChanges: 'demo.rfm.segment-changes', churnRisk: 'demo.rfm.churn-risk' },
    urls: [],
    namespace: 'demo',
    logFile: '/tmp/rfm-demo.log',
    ...over,
  };
}

describe('the demo view', () => {
  it('shows the rate, every segment of every model, the latest changes and churn-risk events', () => {
    const frame = renderDemo(snapshot(), 120, 60).join('\n');
    expect(frame).toContain('12,345 of 69,659 processed');
    expect(frame).toContain('640 orders/s');
    for (const model of MODELS) {
      for (const segment of SEGMENTS_OF[model]) expect(frame, `${model} ${segment}`).toContain(segment);
    }
    expect(frame).toMatch(/1997-03-14 {2}00001 {4}rfm8 {7}GENERAL_DEVELOP +-> IMPORTANT_VALUE +ORDER/);
    expect(frame).toMatch(/01000 +NONE +-> LOW +DOZING/);
    expect(frame).toContain('first segment change on screen 18.1 s after start');
  });

  it('fits the terminal: no line wider, no more lines than it has', () => {
    for (const [width, height] of [
      [80, 24],
      [100, 40],
      [200, 70],
    ] as const) {
      const frame = renderDemo(snapshot({ importing: '69,659 CDNOW orders sent in 2.0 s' }), width, height);
      expect(frame.length, `${width}x${height}`).toBeLessThanOrEqual(height);
      for (const line of frame) expect(line.length).toBeLessThanOrEqual(width);
      // The rate and the latest changes stay on screen however small it is.
      expect(frame.join('\n')).toContain('orders/s');
      expect(frame.join('\n')).toContain('latest segment changes');
      expect(frame.join('\n')).toContain('latest churn-risk events');
    }
  });

  it('lists only the services that answer', () => {
    const none = renderDemo(snapshot()).join('\n');
    expect(none).not.toContain('http');
    expect(none).toContain('logs       /tmp/rfm-demo.log');
    const some = renderDemo(snapshot({ urls: [{ name: 'Grafana', url: 'http://127.0.0.1:3000' }] })).join(
      '\n',
    );
    expect(some).toContain('Grafana    http://127.0.0.1:3000');
  });
});
