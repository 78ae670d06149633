import { Injectable } from '@nestjs/common';
import { CalendarDate, calendarDaysAt, dateInTimeZone } from '@registry/domain';
import { Clock } from './clock';

/** "Today at the site": the calendar day in a site's time zone, by the injected clock. */
@Injectable()
export class SiteCalendar {
  constructor(private readonly clock: Clock) {}

  today(timeZone: string): CalendarDate {
    return dateInTimeZone(this.clock.now(), timeZone);
  }

  /** Today at each of many sites at one instant (`now`, by default the clock's), worked out once per zone. */
  todayAt(now: Date = this.clock.now()): (timeZone: string) => CalendarDate {
    return calendarDaysAt(now);
  }
}
