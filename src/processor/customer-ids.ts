// The customer ids of a partition's members, each given a dense slot (0, 1, 2,
// ...) for the member index's columns, kept off the V8 heap: the ids' UTF-8
// bytes back to back in fixed-size chunks, and an open-addressing hash table of
// slots. About 15 bytes a customer besides the id's bytes, where a string in an
// array and a Map entry take about 90, all of it on the heap the garbage
// collector walks.
import { AmountColumn, uint8Column, uint16Column } from './columns.js';

/** 64 KB: a partition's last chunk leaves little unused, and holds any admitted id (at most 256 characters). */
const CHUNK_BYTES = 1 << 16;
/** At most 70 % of the table's cells are taken: a lookup probes about two cells. */
const MAX_LOAD = 0.7;

export class CustomerIds {
  private readonly chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = CHUNK_BYTES;
  /** Where each slot's id starts: chunk * CHUNK_BYTES + offset. */
  private readonly start = new AmountColumn();
  private readonly bytes = uint16Column();
  /**
   * The top byte of each id's hash (the table's cells come from its low bits): a
   * lookup compares the bytes of one id in 256 that lands on its cell.
   */
  private readonly fingerprints = uint8Column();
  /** Slot + 1 at each cell, 0 for an empty cell; its length a power of two. */
  private table = new Int32Array(1024);
  size = 0;

  /** The slot of `id`, or undefined for an id not added. */
  slotOf(id: string): number | undefined {
    const hash = hashOf(id);
    const fingerprint = hash >>> 24;
    const mask = this.table.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const entry = this.table[cell] as number;
      if (entry === 0) return undefined;
      const slot = entry - 1;
      if (this.fingerprints.get(slot) === fingerprint && this.equals(slot, id)) return slot;
    }
  }

  /** Adds an id not added before; returns its slot, the next one. */
  add(id: string): number {
    const length = Buffer.byteLength(id, 'utf8');
    // Admitted ids have at most 256 characters (src/domain/admission.ts).
    if (length > 0xffff) throw new RangeError(`customer id of ${length} bytes`);
    if (this.used + length > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK_BYTES));
      this.used = 0;
    }
    const slot = this.size;
    this.start.ensure(slot + 1);
    this.bytes.ensure(slot + 1);
    this.fingerprints.ensure(slot + 1);
    const chunk = this.chunks.length - 1;
    (this.chunks[chunk] as Buffer).write(id, this.used, 'utf8');
    this.start.set(slot, chunk * CHUNK_BYTES + this.used);
    this.bytes.set(slot, length);
    this.used += length;
    const hash = hashOf(id);
    this.fingerprints.set(slot, hash >>> 24);
    this.size += 1;
    if (this.size > this.table.length * MAX_LOAD) this.grow();
    else this.place(slot, hash);
    return slot;
  }

  /** The id at `slot`. */
  idOf(slot: number): string {
    const start = this.start.get(slot);
    const offset = start % CHUNK_BYTES;
    const chunk = this.chunks[(start - offset) / CHUNK_BYTES] as Buffer;
    return chunk.toString('utf8', offset, offset + this.bytes.get(slot));
  }

  private equals(slot: number, id: string): boolean {
    const length = this.bytes.get(slot);
    // Most ids are ASCII: compared byte by byte, no string made.
    if (length !== id.length) return length >= id.length && this.idOf(slot) === id;
    const start = this.start.get(slot);
    const offset = start % CHUNK_BYTES;
    const chunk = this.chunks[(start - offset) / CHUNK_BYTES] as Buffer;
    for (let i = 0; i < length; i++) {
      const code = id.charCodeAt(i);
      if (code >= 0x80) return this.idOf(slot) === id;
      if (chunk[offset + i] !== code) return false;
    }
    return true;
  }

  private place(slot: number, hash: number): void {
    const mask = this.table.length - 1;
    let cell = hash & mask;
    while (this.table[cell] !== 0) cell = (cell + 1) & mask;
    this.table[cell] = slot + 1;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2);
    for (let slot = 0; slot < this.size; slot++) this.place(slot, this.hashOfSlot(slot));
  }

  /** `hashOf` the id at `slot`, from its bytes when they are ASCII (no string made). */
  private hashOfSlot(slot: number): number {
    const length = this.bytes.get(slot);
    const start = this.start.get(slot);
    const offset = start % CHUNK_BYTES;
    const chunk = this.chunks[(start - offset) / CHUNK_BYTES] as Buffer;
    let hash = FNV_OFFSET;
    for (let i = offset; i < offset + length; i++) {
      const byte = chunk[i] as number;
      if (byte >= 0x80) return hashOf(this.idOf(slot));
      hash = Math.imul(hash ^ byte, FNV_PRIME);
    }
    return mix(hash);
  }
}

/** FNV-1a over the id's UTF-16 code units, mixed so the low bits the table uses spread. */
function hashOf(id: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), FNV_PRIME);
  return mix(hash);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(fnv: number): number {
  const hash = Math.imul(fnv ^ (fnv >>> 16), 0x85ebca6b);
  return hash ^ (hash >>> 13);
}
