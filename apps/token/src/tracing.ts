/**
 * main.ts imports this first: with tracing configured, the OpenTelemetry SDK must be running
 * before Nest and Express load `http` (docs/operations.md, Tracing).
 */
import { Services } from '@latchkey/contracts';
import { startTracing } from '@latchkey/tracing';

startTracing(Services.Token);
