// `rfm topics`: creates the topics that are missing and registers the schemas.
import type { Command } from 'commander';
import { createLogger } from '../ops/logger.js';
import { connect, createKafka } from '../stream/kafka.js';
import { createSchemaRegistry, registerSchemas, subjectsOf } from '../stream/schemas.js';
import { ensureTopics } from '../stream/topics.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--partitions <n>', path: 'topics.partitions', description: 'partitions of each new topic' },
  {
    flags: '--replication-factor <n>',
    path: 'topics.replicationFactor',
    description: 'replicas of each new topic',
  },
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  {
    flags: '--segment-changes-topic <name>',
    path: 'topics.segmentChanges',
    description: 'segment-change topic',
  },
  { flags: '--churn-risk-topic <name>', path: 'topics.churnRisk', description: 'churn-risk topic' },
  { flags: '--dlq-topic <name>', path: 'topics.dlq', description: 'dead-letter topic' },
];

export function registerTopics(program: Command): void {
  const command = program
    .command('topics')
    .description(
      'Create the orders, output and DLQ topics that do not exist yet, and register the Avro schemas ' +
        'under <topic>-value. Existing topics are left as they are; safe to run again.',
    );
  addConfigFlags(command, FLAGS).action(async (_options: unknown, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const logger = createLogger(config);
    const admin = await connect(createKafka(config, logger).admin(), config);
    let result: Awaited<ReturnType<typeof ensureTopics>>;
    try {
      result = await ensureTopics(admin, config);
    } finally {
      await admin.disconnect();
    }
    const ids = await registerSchemas(createSchemaRegistry(config), config);

    const subjects = subjectsOf(config.topics);
    const names = [...result.created, ...result.existing].map((t) => t.topic);
    const width = Math.max(...names.map((n) => n.length), ...Object.values(subjects).map((s) => s.length));
    for (const { topic, numPartitions, replicationFactor } of result.created) {
      console.log(
        `created  ${topic.padEnd(width)}  ${numPartitions} partitions, replication ${replicationFactor}`,
      );
    }
    for (const { topic, numPartitions, actualPartitions } of result.existing) {
      const differs = actualPartitions === numPartitions ? '' : ` (configured: ${numPartitions})`;
      console.log(`exists   ${topic.padEnd(width)}  ${actualPartitions} partitions${differs}`);
    }
    for (const name of ['orderEvent', 'segmentChange', 'churnRisk'] as const) {
      console.log(`schema   ${subjects[name].padEnd(width)}  id ${ids[name]}`);
    }
  });
}
