// `rfm import`: historical orders from a file into the orders topic, through the
// schema registry, with progress and an account of every row.
import { Partitioners } from 'kafkajs';
import type { Config } from '../config/config.js';
import type { Logger } from '../ops/logger.js';
import { AvroCodec } from '../stream/codec.js';
import { connect, createKafka } from '../stream/kafka.js';
import type { OrderEvent } from '../stream/records.js';
import { createSchemaRegistry, registerSchemas } from '../stream/schemas.js';
import { requireTopic } from '../stream/topics.js';
import { sendOrders } from './producer.js';
import { createProgress } from './progress.js';
import { type SkipReason, skipReasons } from './rows.js';
import { type ReadRequest, readOrders } from './source.js';

export interface ImportRequest extends ReadRequest {
  /** Records per produce request. */
  batchSize: number;
  /** Draw a progress bar (stdout is a terminal) rather than log progress lines. */
  interactive: boolean;
}

export interface ImportSummary {
  file: string;
  topic: string;
  /** Data rows of the file. */
  rows: number;
  sent: number;
  skipped: SkipReason[];
  /** Valid events not sent because of the limit. */
  beyondLimit: number;
  distinctCustomers: number;
  firstEventTime: number | null;
  lastEventTime: number | null;
  readMs: number;
  sendMs: number;
  /** Events sent per second of sending. */
  ratePerSecond: number;
}

export async function importOrders(
  request: ImportRequest,
  config: Readonly<Config>,
  logger: Logger,
): Promise<ImportSummary> {
  const topic = config.topics.orders;
  const readStart = performance.now();
  const orders = await readOrders(request);
  const readMs = performance.now() - readStart;
  logger.info(
    { file: request.file, rows: orders.rows, events: orders.events.length, skipped: orders.skipped.length },
    'read order file',
  );

  const kafka = createKafka(config, logger);
  const admin = await connect(kafka.admin(), config);
  try {
    await requireTopic(admin, topic);
  } finally {
    await admin.disconnect();
  }
  // Registering is idempotent, and lets an import run against topics made by other tooling.
  const registry = createSchemaRegistry(config);
  const codec = new AvroCodec(registry, await registerSchemas(registry, config));

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // Java-compatible murmur2, so other clients put a customer on the same partition.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await connect(producer, config);
  const progress = createProgress({
    total: orders.events.length,
    unit: 'events',
    interactive: request.interactive,
    logger,
  });
  const sendStart = performance.now();
  let sent: number;
  try {
    sent = await sendOrders(producer, codec, topic, orders.events, {
      batchSize: request.batchSize,
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
    await producer.disconnect();
  }
  const sendMs = performance.now() - sendStart;

  const span = eventSpan(orders.events);
  return {
    file: request.file,
    topic,
    rows: orders.rows,
    sent,
    skipped: skipReasons(orders.skipped),
    beyondLimit: orders.beyondLimit,
    ...span,
    readMs,
    sendMs,
    ratePerSecond: sendMs > 0 ? Math.round((sent * 1000) / sendMs) : 0,
  };
}

function eventSpan(
  events: readonly OrderEvent[],
): Pick<ImportSummary, 'distinctCustomers' | 'firstEventTime' | 'lastEventTime'> {
  const customers = new Set<string>();
  let firstEventTime: number | null = null;
  let lastEventTime: number | null = null;
  for (const { customerId, eventTime } of events) {
    customers.add(customerId);
    if (firstEventTime === null || eventTime < firstEventTime) firstEventTime = eventTime;
    if (lastEventTime === null || eventTime > lastEventTime) lastEventTime = eventTime;
  }
  return { distinctCustomers: customers.size, firstEventTime, lastEventTime };
}
