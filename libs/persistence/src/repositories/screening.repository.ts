import { Injectable } from '@nestjs/common';
import type { CalendarDate, CriteriaDocument } from '@registry/domain';
import {
  chooseCohortParticipants,
  cohortPartitionBounds,
  CohortSlice,
  loadCohortScreeningInputs,
  loadScreeningInputs,
  ProfileRequest,
  ScreeningInput,
} from '../screening/load-profiles';
import type { Tx } from './transactions';

/** A recruiting trial as screening judges it: its current criteria version and the sites it recruits at. */
export interface ScreenableTrial {
  id: string;
  criteriaVersion: number;
  criteria: CriteriaDocument;
  siteIds: Set<string>;
}

/** A participant to screen, with the time zone of their site (whose calendar day they are judged on). */
export interface LocatedParticipant {
  id: string;
  time_zone: string;
}

/** A participant of a cohort slice, chosen but not read. */
export interface ChosenParticipant {
  participantId: string;
  siteId: string;
}

/** What to read for screening against some trials. */
export interface ScreeningReadOptions {
  /** Load only these assessment types (those the trials at hand read); default: every type. */
  assessmentTypes?: readonly string[];
}

/**
 * What screening reads: the recruiting trials, where each participant is (optionally taking their row
 * locks), and the participants' screening inputs (profiles with their stored determinations and open flags,
 * see `load-profiles.ts`, where the batch document is decoded), by id or a cohort slice at a time.
 */
@Injectable()
export class ScreeningRepository {
  /** The recruiting trials (only those of `trialIds` when given), in id order, with their sites. */
  async recruitingTrials(tx: Tx, trialIds?: readonly string[]): Promise<ScreenableTrial[]> {
    const rows = await tx.query<
      { id: string; criteria_version: number; document: CriteriaDocument; site_ids: string[] }[]
    >(
      `SELECT t.id, t.criteria_version, v.document, coalesce(array_agg(ts.site_id) FILTER (WHERE ts.site_id IS NOT NULL), '{}') AS site_ids
         FROM trial t
         JOIN trial_criteria_version v ON v.trial_id = t.id AND v.version = t.criteria_version
         LEFT JOIN trial_site ts ON ts.trial_id = t.id
        WHERE t.status = 'recruiting' AND ($1::uuid[] IS NULL OR t.id = ANY($1::uuid[]))
        GROUP BY t.id, t.criteria_version, v.document
        ORDER BY t.id`,
      [trialIds ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      criteriaVersion: row.criteria_version,
      criteria: row.document,
      siteIds: new Set(row.site_ids),
    }));
  }

  /**
   * Where each participant is (age and recency are judged on the calendar day at their site), in id order,
   * optionally taking their row locks. A row lock rather than an advisory lock per person: a batch of
   * thousands would fill the shared lock table. NO KEY UPDATE lets visits (whose foreign keys take KEY
   * SHARE) be recorded meanwhile; a fixed order means overlapping batches cannot deadlock.
   */
  locate(tx: Tx, sortedIds: readonly string[], lock: boolean): Promise<LocatedParticipant[]> {
    return tx.query<LocatedParticipant[]>(
      `SELECT p.id, s.time_zone FROM participant p JOIN site s ON s.id = p.site_id
        WHERE p.id = ANY($1::text[]) ORDER BY p.id ${lock ? 'FOR NO KEY UPDATE OF p' : ''}`,
      [sortedIds],
    );
  }

  /**
   * The participants asked for, each on their own day, in the order asked, with their stored determinations
   * and open flags for the trials (indexed like `trialIds`).
   */
  loadInputs(
    tx: Tx,
    requests: ProfileRequest[],
    trialIds: readonly string[],
    options: ScreeningReadOptions = {},
  ): Promise<ScreeningInput[]> {
    return loadScreeningInputs(tx, requests, trialIds, options);
  }

  /**
   * The next participants of a cohort slice read whole, chosen by the statement that reads them, each on
   * the day `asOfAtSite` gives for their site (see `loadCohortScreeningInputs`).
   */
  loadCohortInputs(
    tx: Tx,
    slice: CohortSlice,
    asOfAtSite: (siteId: string) => CalendarDate,
    trialIds: readonly string[],
    options: ScreeningReadOptions = {},
  ): Promise<ScreeningInput[]> {
    return loadCohortScreeningInputs(tx, slice, asOfAtSite, trialIds, options);
  }

  /** The next participants of a cohort slice, only chosen (a batch that will be read again under lock). */
  chooseCohort(tx: Tx, slice: CohortSlice): Promise<ChosenParticipant[]> {
    return chooseCohortParticipants(tx, slice);
  }

  /**
   * Where to split a cohort walk's participants into `parts` ranges of about the same size: the last
   * participant id of each range, lowest first (see `cohortPartitionBounds`).
   */
  partitionBounds(tx: Tx, walked: Pick<CohortSlice, 'siteIds' | 'due'>, parts: number): Promise<string[]> {
    return cohortPartitionBounds(tx, walked, parts);
  }

  /** The time zone of each of the sites, by site id. */
  async siteTimeZones(tx: Tx, siteIds: readonly string[]): Promise<Map<string, string>> {
    const sites = await tx.query<{ id: string; time_zone: string }[]>(
      `SELECT id, time_zone FROM site WHERE id = ANY($1::uuid[])`,
      [siteIds],
    );
    return new Map(sites.map((site) => [site.id, site.time_zone]));
  }
}
