/** The name of the constraint a failed statement violated, from TypeORM's or the driver's error. */
export function violatedConstraint(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const { constraint, driverError, cause } = e as {
      constraint?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof constraint === 'string') return constraint;
    e = driverError ?? cause;
  }
  return undefined;
}
