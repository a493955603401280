// The ceiling the outputs set, run as a process of its own: kafkajs publishing
// the very records (b), the processor, published (key, Avro value, CloudEvents
// headers), with the processor's producer settings and its way of sending
// (sendBatch of at most about 512 KB, acks from all in-sync replicas, one
// request after another), and nothing else: no decoding, state or evaluation.
// A processor that publishes k outputs an event can go no faster than this
// rate / k, whatever else it does.
// Usage: node dist/bench/raw-publish.js <brokers> <group> <from topics> <to topics> <records>
//   <from topics>, <to topics>: comma-separated, paired in order; up to <records>
//   records are read from the first ones, held, then published to the second.
// Prints one JSON line: { joinedAt, lastAt, records } (epoch ms): publishing
// started and ended (the names measureProcess reads).
import { Kafka, logLevel, type Message, Partitioners } from 'kafkajs';

const [brokers = '', groupId = '', fromText = '', toText = '', limitText = '0'] = process.argv.slice(2);
const from = fromText.split(',');
const to = toText.split(',');
const limit = Number(limitText);
/** As src/stream/publisher.ts: a produce request's batch stays under the broker's 1 MB. */
const CHUNK_BYTES = 512 * 1024;
const MESSAGE_OVERHEAD_BYTES = 300;

const kafka = new Kafka({
  clientId: 'rfm-bench-publish',
  brokers: brokers.split(','),
  logLevel: logLevel.ERROR,
});

// Read what (b) published, as it was published.
const held = new Map<string, Message[]>(to.map((topic) => [topic, []]));
let records = 0;
const consumer = kafka.consumer({
  groupId,
  maxBytesPerPartition: 4 * 1024 * 1024,
});
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});
await consumer.connect();
for (const topic of from) await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    const into = held.get(to[from.indexOf(batch.topic)] as string) as Message[];
    for (const message of batch.messages) {
      if (records >= limit) break;
      into.push({ key: message.key, value: message.value, headers: message.headers });
      records += 1;
    }
    if (records >= limit) finish();
  },
});
await finished;
await consumer.disconnect();

// Publish them as the processor does: src/stream/processor-runner.ts's producer, src/stream/publisher.ts's sending.
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();
const startedAt = Date.now();
for (const [topic, messages] of held) {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value as Buffer).length + MESSAGE_OVERHEAD_BYTES;
    if (bytes + size > CHUNK_BYTES) {
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: chunk }] });
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: chunk }] });
}
const endedAt = Date.now();
await producer.disconnect();
process.stdout.write(`${JSON.stringify({ joinedAt: startedAt, lastAt: endedAt, records })}\n`);
