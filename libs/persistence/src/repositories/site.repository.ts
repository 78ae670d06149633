import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { SiteEntity } from '../entities/site.entity';
import { uniqueViolation } from '../errors';
import type { Tx } from './transactions';

export interface NewSite {
  code: string;
  name: string;
  country: string;
  timeZone: string;
}

/** The next registry id's parts at a site: its code and the sequence number just claimed. */
export interface ClaimedSequence {
  siteCode: string;
  sequence: number;
}

/** Sites: where participants are enrolled, each with the time zone its calendar days are counted in. */
@Injectable()
export class SiteRepository {
  /** The IANA time zone of a site that must exist (a participant's, a coordinator's). */
  async timeZoneOf(tx: Tx, siteId: string): Promise<string> {
    const site = await tx.findOneByOrFail(SiteEntity, { id: siteId });
    return site.timeZone;
  }

  /** Every site, active or not, by code. */
  listAll(tx: Tx): Promise<SiteEntity[]> {
    return tx.getRepository(SiteEntity).find({ where: {}, order: { code: 'ASC' } });
  }

  /** The sites among `siteIds` (none for an empty list), by code. */
  listByIds(tx: Tx, siteIds: string[]): Promise<SiteEntity[]> {
    return tx.getRepository(SiteEntity).find({ where: { id: In(siteIds) }, order: { code: 'ASC' } });
  }

  /** The sites taking participants, by code. */
  listActive(tx: Tx): Promise<SiteEntity[]> {
    return tx.getRepository(SiteEntity).find({ where: { active: true }, order: { code: 'ASC' } });
  }

  /** Stores a new, active site; 'code_taken' when another site has its code. */
  async insert(tx: Tx, site: NewSite): Promise<SiteEntity | 'code_taken'> {
    try {
      // A savepoint, so that a refused code leaves the caller's transaction usable.
      return await tx.transaction((inner) => inner.save(inner.create(SiteEntity, { ...site, active: true })));
    } catch (error) {
      if (uniqueViolation(error) === 'site_code_key') return 'code_taken';
      throw error;
    }
  }

  /** One site, locked until the transaction ends so that its changes are serialised; null when unknown. */
  findForUpdate(tx: Tx, siteId: string): Promise<SiteEntity | null> {
    return tx.findOne(SiteEntity, { where: { id: siteId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Writes the changed fields of a site read in this transaction. */
  save(tx: Tx, site: SiteEntity): Promise<SiteEntity> {
    return tx.save(site);
  }

  /**
   * Claims the next registry sequence number of an active site; null when the site is inactive (or unknown).
   * The row lock the UPDATE takes serialises enrolments at the site until the transaction ends, so two never
   * claim the same number.
   */
  async claimRegistrySequence(tx: Tx, siteId: string): Promise<ClaimedSequence | null> {
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [[site]] = await tx.query<[{ code: string; last_registry_sequence: number }[], number]>(
      `UPDATE site SET last_registry_sequence = last_registry_sequence + 1 WHERE id = $1 AND active
         RETURNING code, last_registry_sequence`,
      [siteId],
    );
    return site ? { siteCode: site.code, sequence: site.last_registry_sequence } : null;
  }

  /** The ids among `siteIds` of sites that exist and are active (in no particular order). */
  async activeIdsAmong(tx: Tx, siteIds: readonly string[]): Promise<string[]> {
    const sites = await tx.findBy(SiteEntity, { id: In(siteIds), active: true });
    return sites.map((site) => site.id);
  }
}
