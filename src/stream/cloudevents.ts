// CloudEvents binary mode over Kafka: the event's attributes as ce_* headers,
// the Avro record as the value.
import type { IHeaders } from 'kafkajs';

export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  subject: string;
  /** Epoch milliseconds. */
  time: number;
  dataschema?: string;
}

export function cloudEventHeaders(event: CloudEventAttributes): IHeaders {
  const headers: IHeaders = {
    ce_specversion: '1.0',
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_subject: event.subject,
    ce_time: isoTime(event.time),
    'content-type': 'application/avro',
  };
  if (event.dataschema) headers.ce_dataschema = event.dataschema;
  return headers;
}

/** Many events share a time (a tick's start of day): each is formatted once, within a bound. */
const isoTimes = new Map<number, string>();

function isoTime(time: number): string {
  let text = isoTimes.get(time);
  if (text === undefined) {
    text = new Date(time).toISOString();
    if (isoTimes.size >= 100_000) isoTimes.clear();
    isoTimes.set(time, text);
  }
  return text;
}
