import { Injectable } from '@nestjs/common';

/**
 * The registry's notion of "now" for secret grace periods and initial access token expiry.
 * Injected so that tests can move time instead of waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
