// Publishes segment changes: Avro values keyed by customer id, CloudEvents
// headers, acknowledged by all in-sync replicas before the offsets move on.
import type { Producer } from 'kafkajs';
import type { SegmentChange } from '../domain/changes.js';
import { cloudEventHeaders } from './cloudevents.js';
import type { AvroCodec } from './codec.js';

export const SEGMENT_CHANGED_TYPE = 'io.rfmstream.segment.changed';

export class OutputPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly source: string,
  ) {}

  async publishSegmentChanges(changes: SegmentChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: changes.map((change) => ({
        key: change.customerId,
        value: this.codec.encodeSegmentChange(change),
        headers: cloudEventHeaders({
          id: change.eventId,
          type: SEGMENT_CHANGED_TYPE,
          source: this.source,
          subject: change.customerId,
          time: change.eventTime,
        }),
      })),
    });
  }
}
