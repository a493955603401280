// Publishes segment and churn-risk changes: Avro values keyed by customer id,
// CloudEvents headers, acknowledged by all in-sync replicas before the offsets
// move on.
import type { Message, Producer } from 'kafkajs';
import type { OutputChange } from '../domain/changes.js';
import { cloudEventHeaders } from './cloudevents.js';
import type { AvroCodec } from './codec.js';

export const SEGMENT_CHANGED_TYPE = 'io.rfmstream.segment.changed';
export const CHURN_RISK_CHANGED_TYPE = 'io.rfmstream.churn-risk.changed';

/** Bytes of records sent in one produce request at most. */
const CHUNK_BYTES = 512 * 1024;
/** The key, the CloudEvents headers and the record framing of one output, about. */
const MESSAGE_OVERHEAD_BYTES = 300;

export interface OutputTopics {
  segmentChanges: string;
  churnRisk: string;
}

export class OutputPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    private readonly topics: OutputTopics,
    private readonly source: string,
  ) {}

  async publish(changes: OutputChange[]): Promise<void> {
    const segments: Message[] = [];
    const risks: Message[] = [];
    for (const output of changes) {
      const { change } = output;
      const headers = (type: string) =>
        cloudEventHeaders({
          id: change.eventId,
          type,
          source: this.source,
          subject: change.customerId,
          time: change.eventTime,
        });
      if (output.kind === 'segment') {
        segments.push({
          key: change.customerId,
          value: this.codec.encodeSegmentChange(output.change),
          headers: headers(SEGMENT_CHANGED_TYPE),
        });
      } else {
        risks.push({
          key: change.customerId,
          value: this.codec.encodeChurnRisk(output.change),
          headers: headers(CHURN_RISK_CHANGED_TYPE),
        });
      }
    }
    // A produce request's batch for one partition must stay under the broker's
    // message size limit (1 MB by default): send at most about 512 KB at a time.
    let chunk: { segments: Message[]; risks: Message[] } = { segments: [], risks: [] };
    let bytes = 0;
    const send = async () => {
      const topicMessages = [
        { topic: this.topics.segmentChanges, messages: chunk.segments },
        { topic: this.topics.churnRisk, messages: chunk.risks },
      ].filter((t) => t.messages.length > 0);
      if (topicMessages.length > 0) await this.producer.sendBatch({ acks: -1, topicMessages });
      chunk = { segments: [], risks: [] };
      bytes = 0;
    };
    for (const [list, into] of [
      [segments, 'segments'],
      [risks, 'risks'],
    ] as const) {
      for (const message of list) {
        const size = (message.value as Buffer).length + MESSAGE_OVERHEAD_BYTES;
        if (bytes + size > CHUNK_BYTES) await send();
        chunk[into].push(message);
        bytes += size;
      }
    }
    await send();
  }
}
