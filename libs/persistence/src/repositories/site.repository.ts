import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { SiteEntity } from '../entities/site.entity';
import type { Tx } from './transactions';

/** Sites: where participants are enrolled, each with the time zone its calendar days are counted in. */
@Injectable()
export class SiteRepository {
  /** The IANA time zone of a site that must exist (a participant's, a coordinator's). */
  async timeZoneOf(tx: Tx, siteId: string): Promise<string> {
    const site = await tx.findOneByOrFail(SiteEntity, { id: siteId });
    return site.timeZone;
  }

  /** The ids among `siteIds` of sites that exist and are active (in no particular order). */
  async activeIdsAmong(tx: Tx, siteIds: readonly string[]): Promise<string[]> {
    const sites = await tx.findBy(SiteEntity, { id: In(siteIds), active: true });
    return sites.map((site) => site.id);
  }
}
