import { FixedClock, SiteCalendar } from '@registry/platform';
import { ParticipantAccess } from '../../apps/api/src/participants/participant-access';
import { SiteToday } from '../../apps/api/src/sites/site-today';
import { FakeAuditRepository } from './audit.repository.fake';
import { FakeParticipantRepository } from './participant.repository.fake';
import { FakeSiteRepository } from './site.repository.fake';

export const TOKYO = 'site-tokyo';
export const BOSTON = 'site-boston';

/**
 * What every participant-scoped service spec starts from: a Tokyo and a Boston site, a participant enrolled
 * in Tokyo, the audit trail, and the clock standing at `now` (by default 01:00 on 2 December in Tokyo, still
 * 1 December in UTC, so that "today at the site" and UTC's day differ).
 */
export function twoSites(now = '2026-12-01T16:00:00Z') {
  const participants = new FakeParticipantRepository();
  const sites = new FakeSiteRepository();
  sites.timeZones.set(TOKYO, 'Asia/Tokyo');
  sites.timeZones.set(BOSTON, 'America/New_York');
  const clock = new FixedClock(now);
  return {
    participants,
    sites,
    audit: new FakeAuditRepository(),
    clock,
    access: new ParticipantAccess(participants),
    siteToday: new SiteToday(sites, new SiteCalendar(clock)),
    participant: participants.add({ siteId: TOKYO }),
  };
}
