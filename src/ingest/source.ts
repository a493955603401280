// Reading an order file, CDNOW preset or mapped columns, into the events to
// send: parsed, put in event-time order when asked, and cut to a limit.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RfmError } from '../errors.js';
import { CDNOW_PRESETS, type CdnowPreset, parseCdnow } from './cdnow.js';
import { type MappingOptions, parseMappedOrders } from './mapping.js';
import { type ParsedOrders, sortByEventTime } from './rows.js';

export type OrderFormat = { preset: CdnowPreset } | { mapping: MappingOptions };

export interface ReadRequest {
  file: string;
  format: OrderFormat;
  /**
   * Send in event-time order. A live stream is time ordered, and the CDNOW
   * files are sorted by customer, so presets always sort.
   */
  sort: boolean;
  /** Keep the first `limit` events (after sorting: the earliest). */
  limit?: number;
}

export interface ReadOrders extends ParsedOrders {
  /** Valid events left out by the limit. */
  beyondLimit: number;
}

/** The project's copy of the CDNOW files, found from the package root as src/ and dist/ both sit two levels below it. */
export function presetFile(preset: CdnowPreset): string {
  return fileURLToPath(new URL(`../../deploy/data/cdnow/${CDNOW_PRESETS[preset].file}`, import.meta.url));
}

/** @throws RfmError INPUT_FILE when the file cannot be read. */
export async function readOrders(request: ReadRequest): Promise<ReadOrders> {
  let text: string;
  try {
    text = await readFile(request.file, 'utf8');
  } catch (error) {
    throw new RfmError('INPUT_FILE', `cannot read ${request.file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = parseOrders(text, request.format);
  const ordered = request.sort || 'preset' in request.format ? sortByEventTime(parsed.events) : parsed.events;
  const events = request.limit === undefined ? ordered : ordered.slice(0, request.limit);
  return { ...parsed, events, beyondLimit: ordered.length - events.length };
}

export function parseOrders(text: string, format: OrderFormat): ParsedOrders {
  return 'preset' in format ? parseCdnow(text, format.preset) : parseMappedOrders(text, format.mapping);
}
