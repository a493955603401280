// Consumer lag as kafka-lag-exporter measures it: per partition, the log end
// offset minus the group's committed offset (or minus the log start, before the
// group has committed anything: the processor reads from the beginning).
import type { Admin } from 'kafkajs';

export async function consumerLag(
  admin: Admin,
  groupId: string,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, number>> {
  const [offsets, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const committedOf = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  const lags = new Map<number, number>();
  for (const { partition, high, low } of offsets) {
    if (!partitions.includes(partition)) continue;
    const from = Math.max(committedOf.get(partition) ?? -1, Number(low));
    lags.set(partition, Math.max(0, Number(high) - from));
  }
  return lags;
}
