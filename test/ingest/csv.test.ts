import { describe, expect, it } from 'vitest';
import { numberedLines, parseDelimiter, splitFields, WHITESPACE } from '../../src/ingest/csv.js';

describe('numberedLines', () => {
  it('numbers lines from 1 as the file has them, skipping blank ones, with CRLF and a BOM', () => {
    expect(numberedLines('\uFEFFa,b\r\n1,2\r\n\r\n  \n3,4\r\n')).toEqual([
      { lineNumber: 1, text: 'a,b' },
      { lineNumber: 2, text: '1,2' },
      { lineNumber: 5, text: '3,4' },
    ]);
  });
});

describe('splitFields', () => {
  it('splits on runs of whitespace, ignoring leading ones', () => {
    expect(splitFields(' 00001 19970101  1   11.77', WHITESPACE)).toEqual([
      '00001',
      '19970101',
      '1',
      '11.77',
    ]);
    expect(splitFields('a\t b', WHITESPACE)).toEqual(['a', 'b']);
  });

  it('reads quoted CSV fields with delimiters and doubled quotes inside', () => {
    expect(splitFields('1,"Smith, J","say ""hi""",', ',')).toEqual(['1', 'Smith, J', 'say "hi"', '']);
    expect(splitFields(' a , b ,c', ',')).toEqual(['a', 'b', 'c']);
    expect(splitFields('"x";y', ';')).toEqual(['x', 'y']);
    expect(splitFields('a\t\tb', '\t')).toEqual(['a', '', 'b']);
  });
});

describe('parseDelimiter', () => {
  it('takes one character or a name', () => {
    expect(parseDelimiter(',')).toBe(',');
    expect(parseDelimiter('tab')).toBe('\t');
    expect(parseDelimiter('\\t')).toBe('\t');
    expect(parseDelimiter('whitespace')).toBe(WHITESPACE);
    expect(parseDelimiter(' ')).toBe(WHITESPACE);
    expect(parseDelimiter(';')).toBe(';');
    expect(parseDelimiter('"')).toBeUndefined();
    expect(parseDelimiter('::')).toBeUndefined();
  });
});
