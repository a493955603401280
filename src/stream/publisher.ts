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
    // A produce request's batch for one partition must stay under the broker's
    // message size limit (1 MB by default): send at most about 512 KB at a time,
    // each chunk encoded when its turn comes, so that a part's outputs are not
    // all held encoded at once.
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
    for (const output of changes) {
      const message = this.message(output);
      const size = (message.value as Buffer).length + MESSAGE_OVERHEAD_BYTES;
      if (bytes + size > CHUNK_BYTES) await send();
      (output.kind === 'segment' ? chunk.segments : chunk.risks).push(message);
      bytes += size;
    }
    await send();
  }

  /** The output's record: its Avro value keyed by customer id, with its CloudEvents headers. */
  private message(output: OutputChange): Message {
    const { change } = output;
    const segment = output.kind === 'segment';
    return {
      key: change.customerId,
      value: segment
        ? this.codec.encodeSegmentChange(output.change)
        : this.codec.encodeChurnRisk(output.change),
      headers: cloudEventHeaders({
        id: change.eventId,
        type: segment ? SEGMENT_CHANGED_TYPE : CHURN_RISK_CHANGED_TYPE,
        source: this.source,
        subject: change.customerId,
        time: change.eventTime,
      }),
    };
  }
}
