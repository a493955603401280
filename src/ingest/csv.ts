// Delimited text as numbered lines of fields: CSV with double quotes, any
// one-character delimiter, or runs of whitespace (the CDNOW files).

export interface Line {
  /** 1-based line of the file, counting blank lines and the header. */
  lineNumber: number;
  text: string;
}

/** Split on runs of spaces and tabs instead of one character. */
export const WHITESPACE = 'whitespace';
export type Delimiter = string;

const DELIMITER_NAMES: Record<string, Delimiter> = {
  comma: ',',
  tab: '\t',
  '\\t': '\t',
  semicolon: ';',
  pipe: '|',
  space: WHITESPACE,
  whitespace: WHITESPACE,
};

/** A delimiter from its command-line spelling: one character, or comma, tab, semicolon, pipe, whitespace. */
export function parseDelimiter(spelling: string): Delimiter | undefined {
  const named = DELIMITER_NAMES[spelling.toLowerCase()];
  if (named) return named;
  if (spelling === ' ') return WHITESPACE;
  return spelling.length === 1 && spelling !== '"' ? spelling : undefined;
}

/** The non-blank lines of a file with their line numbers; CRLF and a byte-order mark are tolerated. */
export function numberedLines(text: string): Line[] {
  const lines: Line[] = [];
  const all = text.replace(/^\uFEFF/, '').split('\n');
  for (const [i, raw] of all.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') lines.push({ lineNumber: i + 1, text: line });
  }
  return lines;
}

/**
 * The fields of one line. With a character delimiter, a field may be quoted
 * ("a, b" and "say ""hi""") and unquoted fields are trimmed; a quoted field
 * cannot span lines.
 */
export function splitFields(line: string, delimiter: Delimiter): string[] {
  if (delimiter === WHITESPACE) return line.trim().split(/\s+/);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || (line[i] === '\t' && delimiter !== '\t')) i++;
    if (line[i] === '"') {
      let field = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i];
        i++;
      }
      fields.push(field);
      const next = line.indexOf(delimiter, i);
      if (next === -1) return fields;
      i = next + 1;
    } else {
      const next = line.indexOf(delimiter, i);
      fields.push((next === -1 ? line.slice(i) : line.slice(i, next)).trim());
      if (next === -1) return fields;
      i = next + 1;
    }
  }
}
