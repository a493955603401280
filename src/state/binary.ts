// Compact binary records for Redis values: unsigned varints (LEB128, any safe
// integer), zig-zag for signed ones, a nullable form, and fixed-length ASCII.
// Arithmetic rather than bit operators, so values past 2^31 survive.

export class BinaryWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(capacity = 64) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** A non-negative safe integer. */
  uint(value: number): this {
    this.reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) + 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
    return this;
  }

  /** Any safe integer, zig-zag encoded. */
  int(value: number): this {
    return this.uint(value < 0 ? -2 * value - 1 : 2 * value);
  }

  /** A non-negative safe integer or null. */
  nullable(value: number | null): this {
    return this.uint(value === null ? 0 : value + 1);
  }

  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  ascii(text: string): this {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
    return this;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

export class BinaryReader {
  private at: number;

  constructor(
    private readonly buffer: Buffer,
    offset = 0,
  ) {
    this.at = offset;
  }

  get done(): boolean {
    return this.at >= this.buffer.length;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.buffer[this.at++];
      if (b === undefined) throw new RangeError('truncated record');
      if (b < 0x80) return value + b * scale;
      value += (b - 0x80) * scale;
      scale *= 0x80;
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  nullable(): number | null {
    const v = this.uint();
    return v === 0 ? null : v - 1;
  }

  byte(): number {
    const b = this.buffer[this.at++];
    if (b === undefined) throw new RangeError('truncated record');
    return b;
  }

  ascii(length: number): string {
    const text = this.buffer.toString('latin1', this.at, this.at + length);
    this.at += length;
    return text;
  }
}
