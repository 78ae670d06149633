import type { CalendarDate } from '@registry/domain';
import { SiteEntity } from '@registry/persistence';
import type { SiteCalendar } from '@registry/platform';
import type { EntityManager } from 'typeorm';

/**
 * Today on the calendar at a site, by the injected clock: visits, consents and status changes happen on
 * local days, and a consent withdrawn today in Tokyo is in force there while it is still yesterday in UTC.
 * Every "not in the future" check of a request's date asks this.
 */
export async function siteToday(
  manager: EntityManager,
  calendar: SiteCalendar,
  siteId: string,
): Promise<CalendarDate> {
  const site = await manager.findOneByOrFail(SiteEntity, { id: siteId });
  return calendar.today(site.timeZone);
}
