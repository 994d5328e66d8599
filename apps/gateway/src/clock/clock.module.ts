import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** One clock for the gateway (sessions, max_age, rate-limit windows); tests override `Clock`. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}
