import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets without revealing, through timing, how much of them matches.
 *
 * Both sides are hashed first: timingSafeEqual throws on buffers of different lengths, and an early
 * length check would leak the length of the expected value. Equal SHA-256 digests of different
 * strings would need a collision, so the answer is exact in practice.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  // Stored values can be null at runtime despite the types; a missing secret never matches.
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  return timingSafeEqual(digest(a), digest(b));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
