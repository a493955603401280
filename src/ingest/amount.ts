// Money as written in files ('29.33') to integer minor units (2933), exactly:
// by the digits of the text, never through a binary float.

/** Digits after the decimal point of a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorUnitDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * The amount in minor units of a decimal text in major units, rounding digits
 * beyond `digits` half away from zero ('0.295' → 30). Undefined when the text
 * is not a plain decimal number or the result is not a safe integer.
 */
export function parseMinorUnits(text: string, digits: number): number | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  let minor = BigInt(`${whole || '0'}${kept}`);
  if ((fraction[digits] ?? '0') >= '5') minor += 1n;
  const value = Number(sign === '-' ? -minor : minor);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A whole number written as digits, optionally signed; undefined otherwise. */
export function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}
