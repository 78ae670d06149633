import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { SiteCalendar } from './site-calendar';

/** Makes `Clock` (the system's, unless a test passes its own) and `SiteCalendar` injectable everywhere. */
@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ClockModule,
      providers: [{ provide: Clock, useValue: clock }, SiteCalendar],
      exports: [Clock, SiteCalendar],
    };
  }
}
