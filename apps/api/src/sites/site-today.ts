import { Injectable } from '@nestjs/common';
import type { CalendarDate } from '@registry/domain';
import { SiteRepository, Tx } from '@registry/persistence';
import { SiteCalendar } from '@registry/platform';

/**
 * Today on the calendar at a site, by the injected clock: visits, consents and status changes happen on
 * local days, and a consent withdrawn today in Tokyo is in force there while it is still yesterday in UTC.
 * Every "not in the future" check of a request's date asks this.
 */
@Injectable()
export class SiteToday {
  constructor(
    private readonly sites: SiteRepository,
    private readonly calendar: SiteCalendar,
  ) {}

  async at(tx: Tx, siteId: string): Promise<CalendarDate> {
    return this.calendar.today(await this.sites.timeZoneOf(tx, siteId));
  }
}
