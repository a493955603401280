// Columns of numbers by slot, in fixed-size typed-array chunks of 4,096 slots:
// growing never copies what is there (so the peak memory is the memory), and a
// column holds at most one chunk more than its slots need. A column of amounts
// stays 32-bit until a value needs more, then moves to 64-bit floats; a column of
// days stays 16-bit until a value needs more, then moves to 32-bit integers.

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type IntArray = Int32Array | Uint16Array | Uint8Array;

/** Integers that fit the column's array type: days, counts, codes. */
export class IntColumn<T extends IntArray = Int32Array> {
  private readonly chunks: T[] = [];

  constructor(
    private readonly make: (length: number) => T,
    private readonly initial = 0,
  ) {}

  get(slot: number): number {
    return (this.chunks[slot >>> CHUNK_BITS] as T)[slot & MASK] as number;
  }

  set(slot: number, value: number): void {
    (this.chunks[slot >>> CHUNK_BITS] as T)[slot & MASK] = value;
  }

  /** Makes room for slots 0..size-1. */
  ensure(size: number): void {
    while (this.chunks.length * CHUNK < size) {
      const chunk = this.make(CHUNK);
      if (this.initial !== 0) chunk.fill(this.initial);
      this.chunks.push(chunk);
    }
  }
}

export const int32Column = (initial = 0) => new IntColumn((n) => new Int32Array(n), initial);
export const uint16Column = () => new IntColumn((n) => new Uint16Array(n));
export const uint8Column = () => new IntColumn((n) => new Uint8Array(n));

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Safe integers (minor units of money), 32-bit while every value fits, else 64-bit floats. */
export class AmountColumn {
  private ints: Int32Array[] | null = [];
  private floats: Float64Array[] | null = null;

  get(slot: number): number {
    const chunk = slot >>> CHUNK_BITS;
    return this.ints
      ? ((this.ints[chunk] as Int32Array)[slot & MASK] as number)
      : (((this.floats as Float64Array[])[chunk] as Float64Array)[slot & MASK] as number);
  }

  set(slot: number, value: number): void {
    const chunk = slot >>> CHUNK_BITS;
    if (this.ints && (value < INT32_MIN || value > INT32_MAX)) this.widen();
    if (this.ints) (this.ints[chunk] as Int32Array)[slot & MASK] = value;
    else ((this.floats as Float64Array[])[chunk] as Float64Array)[slot & MASK] = value;
  }

  ensure(size: number): void {
    const chunks = this.ints ?? (this.floats as Float64Array[]);
    while (chunks.length * CHUNK < size) {
      if (this.ints) this.ints.push(new Int32Array(CHUNK));
      else (this.floats as Float64Array[]).push(new Float64Array(CHUNK));
    }
  }

  private widen(): void {
    this.floats = (this.ints as Int32Array[]).map((chunk) => Float64Array.from(chunk));
    this.ints = null;
  }
}

const NARROW_MAX = 0xffff - 1;

/**
 * Integers from -1 up (days, -1 for none; counts): 16-bit while every value fits
 * (-1 to 65,534: days up to the year 2149), else 32-bit. -1 at a slot never set.
 */
export class DayColumn {
  /** Each value + 1, so that a new chunk's zeros are -1. */
  private narrow: Uint16Array[] | null = [];
  private wide: Int32Array[] | null = null;

  get(slot: number): number {
    const chunk = slot >>> CHUNK_BITS;
    return this.narrow
      ? ((this.narrow[chunk] as Uint16Array)[slot & MASK] as number) - 1
      : (((this.wide as Int32Array[])[chunk] as Int32Array)[slot & MASK] as number);
  }

  set(slot: number, value: number): void {
    const chunk = slot >>> CHUNK_BITS;
    if (this.narrow && (value < -1 || value > NARROW_MAX)) this.widen();
    if (this.narrow) (this.narrow[chunk] as Uint16Array)[slot & MASK] = value + 1;
    else ((this.wide as Int32Array[])[chunk] as Int32Array)[slot & MASK] = value;
  }

  ensure(size: number): void {
    if (this.narrow) {
      while (this.narrow.length * CHUNK < size) this.narrow.push(new Uint16Array(CHUNK));
    } else {
      const wide = this.wide as Int32Array[];
      while (wide.length * CHUNK < size) wide.push(new Int32Array(CHUNK).fill(-1));
    }
  }

  private widen(): void {
    this.wide = (this.narrow as Uint16Array[]).map((chunk) => Int32Array.from(chunk, (value) => value - 1));
    this.narrow = null;
  }
}

/** A fixed number of bytes per slot (a customer's segment codes). */
export class BytesColumn {
  private readonly chunks: Uint8Array[] = [];

  constructor(private readonly width: number) {}

  /** The slot's bytes, as a view. */
  view(slot: number): Uint8Array {
    const at = (slot & MASK) * this.width;
    return (this.chunks[slot >>> CHUNK_BITS] as Uint8Array).subarray(at, at + this.width);
  }

  /** The slot's `i`-th byte. */
  get(slot: number, i: number): number {
    return (this.chunks[slot >>> CHUNK_BITS] as Uint8Array)[(slot & MASK) * this.width + i] as number;
  }

  ensure(size: number): void {
    while (this.chunks.length * CHUNK < size) this.chunks.push(new Uint8Array(CHUNK * this.width));
  }
}
