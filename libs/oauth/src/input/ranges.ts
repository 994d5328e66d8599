/**
 * Numbers and instants the database can hold. A value past these is refused as invalid input
 * rather than left for PostgreSQL to reject (which would look like an outage).
 */

/** The largest value of a PostgreSQL bigint (the identity columns list cursors walk). */
export const MAX_BIGINT = 9_223_372_036_854_775_807n;

const POSITIVE_DECIMAL = /^[1-9][0-9]{0,18}$/;

/** Whether `text` is a positive decimal integer a bigint column holds. */
export function isPositiveBigintText(text: string): boolean {
  return POSITIVE_DECIMAL.test(text) && BigInt(text) <= MAX_BIGINT;
}

/**
 * Whether an instant is one a request may name: years 1 to 9999, the range of the four-digit
 * years RFC 3339 writes (PostgreSQL has no year 0, and the JavaScript Date reaches further).
 */
export function isStorableInstant(time: Date): boolean {
  const year = time.getUTCFullYear();
  return !Number.isNaN(time.getTime()) && year >= 1 && year <= 9999;
}
