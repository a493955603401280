// The benchmark's baseline, run as a process of its own: kafkajs reading a topic
// with a handler that does nothing, with the processor's consumer settings.
// That is as fast as one Node process can take records off the topic at all.
// Usage: node dist/bench/raw-consume.js <brokers> <topic> <group> <records>
// Prints one JSON line: { joinedAt, firstAt, lastAt, records } (epoch ms).
import { Kafka, logLevel } from 'kafkajs';

const [brokers = '', topic = '', groupId = '', expectedText = '0'] = process.argv.slice(2);
const expected = Number(expectedText);

const kafka = new Kafka({ clientId: 'rfm-bench-raw', brokers: brokers.split(','), logLevel: logLevel.ERROR });
// The processor's consumer settings (src/stream/processor-runner.ts), so only the handler differs.
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 45_000,
  rebalanceTimeout: 60_000,
  maxWaitTimeInMs: 200,
  maxBytesPerPartition: 4 * 1024 * 1024,
});
let joinedAt = 0;
let firstAt = 0;
let lastAt = 0;
let records = 0;
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});
consumer.on(consumer.events.GROUP_JOIN, () => {
  joinedAt ||= Date.now();
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 1,
  eachBatch: async ({ batch }) => {
    if (records === 0) firstAt = Date.now();
    records += batch.messages.length;
    lastAt = Date.now();
    if (records >= expected) finish();
  },
});
await finished;
process.stdout.write(`${JSON.stringify({ joinedAt, firstAt, lastAt, records })}\n`);
await consumer.disconnect();
