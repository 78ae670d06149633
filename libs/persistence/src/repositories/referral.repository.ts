import { Injectable } from '@nestjs/common';
import type {
  CalendarDate,
  ConsentGrant,
  ConsentScope,
  ParticipantStatus,
  ReferralContactState,
  ScreenFailReason,
} from '@registry/domain';
import { ReferralContactEntity, ReferralRequestEntity } from '../entities/referral.entity';
import type { Tx } from './transactions';

export interface NewReferralRequest {
  trialId: string;
  siteId: string;
  requestedCount: number;
  dueOn: CalendarDate;
  requestedBy: string;
}

/** A request as coordinators and admins list it: with its trial, its site and where its contacts stand. */
export interface ReferralRequestRecord {
  id: string;
  trialId: string;
  trialTitle: string;
  siteId: string;
  siteCode: string;
  requestedCount: number;
  dueOn: CalendarDate;
  createdAt: Date;
  closedAt: Date | null;
  closeReason: string | null;
  /** Contacts by state. */
  contacts: Partial<Record<ReferralContactState, number>>;
}

/** A participant a site may contact for a request: eligible (an open eligible flag) and free to be referred. */
export interface ReferralCandidate {
  participantId: string;
  flagId: string;
  /** When their open eligible flag was raised: the list is ordered by it, longest eligible first. */
  eligibleSince: Date;
}

/** A contact with what its transitions need: its request's site and the trial's status. */
export interface ReferralContactRecord extends ReferralContactEntity {
  siteId: string;
  trialStatus: string;
}

/** A referral as the sponsor's funnel and tokens read it: no identity but the id the token is made from. */
export interface SponsorReferralRow {
  participantId: string;
  siteCode: string;
  state: ReferralContactState;
  wasInterested: boolean;
  wasBooked: boolean;
  screenFailReason: ScreenFailReason | null;
  /** The participant's consents, to judge on the site's day whether they share data with sponsors. */
  consents: ConsentGrant[];
  participantStatus: ParticipantStatus;
  siteTimeZone: string;
}

/** A randomised referral, for the recruitment-speed figure: site, first eligible flag, randomisation day. */
export interface RandomisedReferralRow {
  siteId: string;
  siteCode: string;
  siteTimeZone: string;
  eligibleSince: Date;
  randomisedOn: CalendarDate;
}

type ConsentJson = [CalendarDate, ConsentScope[], [ConsentScope, CalendarDate][]];

function grantsOf(consents: ConsentJson[] | null): ConsentGrant[] {
  return (consents ?? []).map(([signedOn, scopes, withdrawals]) => ({
    signedOn,
    scopes,
    withdrawnScopes: withdrawals.map(([scope, withdrawnOn]) => ({ scope, withdrawnOn })),
  }));
}

/**
 * Referral requests, the contacts made for them and the trial commitments of randomised participants. Open
 * requests are unique per trial and site, open contacts per participant (the database refuses a second).
 */
@Injectable()
export class ReferralRepository {
  /** Stores a request, or 'open_exists' when the site already has an open request for the trial. */
  async insertRequest(tx: Tx, request: NewReferralRequest): Promise<ReferralRequestEntity | 'open_exists'> {
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO referral_request (trial_id, site_id, requested_count, due_on, requested_by)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
      [request.trialId, request.siteId, request.requestedCount, request.dueOn, request.requestedBy],
    );
    if (!row) return 'open_exists';
    return (await tx.findOneBy(ReferralRequestEntity, { id: row.id }))!;
  }

  /** Requests at `siteIds` (or every site), of one trial or all, newest first, with their contacts by state. */
  async listRequests(
    tx: Tx,
    filter: { siteIds: readonly string[] | 'all'; trialId?: string; requestId?: string },
  ): Promise<ReferralRequestRecord[]> {
    const rows = await tx.query<
      {
        id: string;
        trial_id: string;
        trial_title: string;
        site_id: string;
        site_code: string;
        requested_count: number;
        due_on: string;
        created_at: Date;
        closed_at: Date | null;
        close_reason: string | null;
        contacts: Record<string, number> | null;
      }[]
    >(
      `SELECT r.id, r.trial_id, t.title AS trial_title, r.site_id, s.code AS site_code, r.requested_count,
              r.due_on::text AS due_on, r.created_at, r.closed_at, r.close_reason,
              (SELECT json_object_agg(c.state, c.n) FROM (SELECT state, count(*)::int AS n FROM referral_contact
                 WHERE request_id = r.id GROUP BY state) c) AS contacts
         FROM referral_request r JOIN trial t ON t.id = r.trial_id JOIN site s ON s.id = r.site_id
        WHERE ($1::boolean OR r.site_id = ANY($2::uuid[]))
          AND ($3::uuid IS NULL OR r.trial_id = $3) AND ($4::uuid IS NULL OR r.id = $4)
        ORDER BY r.created_at DESC, r.id`,
      [
        filter.siteIds === 'all',
        filter.siteIds === 'all' ? [] : filter.siteIds,
        filter.trialId ?? null,
        filter.requestId ?? null,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      trialId: row.trial_id,
      trialTitle: row.trial_title,
      siteId: row.site_id,
      siteCode: row.site_code,
      requestedCount: row.requested_count,
      dueOn: row.due_on,
      createdAt: row.created_at,
      closedAt: row.closed_at,
      closeReason: row.close_reason,
      contacts: row.contacts ?? {},
    }));
  }

  /** One request, locked until the transaction ends, or null. */
  findRequestForUpdate(tx: Tx, requestId: string): Promise<ReferralRequestEntity | null> {
    return tx.findOne(ReferralRequestEntity, {
      where: { id: requestId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /**
   * The site's participants with an open eligible flag for the trial (so screening found them eligible and
   * approachable: recontact consent held, a status that may be flagged) who are in no open referral, have no
   * trial commitment and no decline holding this trial's flags back on `today`; longest eligible first.
   */
  async candidates(
    tx: Tx,
    request: { trialId: string; siteId: string },
    today: CalendarDate,
    limit: number,
    participantId: string | null = null,
  ): Promise<ReferralCandidate[]> {
    const rows = await tx.query<{ participant_id: string; flag_id: string; raised_at: Date }[]>(
      `SELECT f.participant_id, f.id AS flag_id, f.raised_at
         FROM eligibility_flag f JOIN participant p ON p.id = f.participant_id
        WHERE f.trial_id = $1 AND f.kind = 'eligible' AND f.closed_at IS NULL AND p.site_id = $2
          AND NOT EXISTS (SELECT 1 FROM referral_contact c WHERE c.participant_id = f.participant_id
                           AND c.closed_at IS NULL AND c.state IN ('to_contact', 'interested', 'prescreen_booked'))
          AND NOT EXISTS (SELECT 1 FROM trial_commitment m WHERE m.participant_id = f.participant_id)
          AND NOT EXISTS (SELECT 1 FROM referral_contact d WHERE d.participant_id = f.participant_id
                           AND d.trial_id = f.trial_id AND d.flags_suppressed_until > $3::date)
          AND ($5::text IS NULL OR f.participant_id = $5)
        ORDER BY f.raised_at, f.participant_id LIMIT $4`,
      [request.trialId, request.siteId, today, limit, participantId],
    );
    return rows.map((row) => ({
      participantId: row.participant_id,
      flagId: row.flag_id,
      eligibleSince: row.raised_at,
    }));
  }

  /** The first time the participant was flagged eligible for the trial (any episode), or null. */
  async firstEligibleFlag(tx: Tx, participantId: string, trialId: string): Promise<Date | null> {
    const [row] = await tx.query<{ first: Date | null }[]>(
      `SELECT min(raised_at) AS first FROM eligibility_flag
        WHERE participant_id = $1 AND trial_id = $2 AND kind = 'eligible'`,
      [participantId, trialId],
    );
    return row?.first ?? null;
  }

  /**
   * Stores a contact in `to_contact`, or 'in_open_referral' when the participant already has an open referral
   * (`referral_contact_open_key`: the trials exclude each other).
   */
  async insertContact(
    tx: Tx,
    contact: {
      requestId: string;
      trialId: string;
      participantId: string;
      eligibleSince: Date | null;
      createdBy: string;
    },
  ): Promise<ReferralContactEntity | 'in_open_referral'> {
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO referral_contact (request_id, trial_id, participant_id, state, eligible_since, created_by)
       VALUES ($1, $2, $3, 'to_contact', $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
      [contact.requestId, contact.trialId, contact.participantId, contact.eligibleSince, contact.createdBy],
    );
    if (!row) return 'in_open_referral';
    return (await tx.findOneBy(ReferralContactEntity, { id: row.id }))!;
  }

  /** The contacts of one request, oldest first. */
  contactsOf(tx: Tx, requestId: string): Promise<ReferralContactEntity[]> {
    return tx.find(ReferralContactEntity, { where: { requestId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One contact with its request's site and its trial's status, locked until the transaction ends. */
  async findContactForUpdate(tx: Tx, contactId: string): Promise<ReferralContactRecord | null> {
    const contact = await tx.findOne(ReferralContactEntity, {
      where: { id: contactId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!contact) return null;
    const [context] = await tx.query<{ site_id: string; status: string }[]>(
      `SELECT r.site_id, t.status FROM referral_request r JOIN trial t ON t.id = r.trial_id WHERE r.id = $1`,
      [contact.requestId],
    );
    return Object.assign(contact, { siteId: context.site_id, trialStatus: context.status });
  }

  /** Saves a contact's new state and what comes with it. */
  async updateContact(
    tx: Tx,
    contactId: string,
    fields: Pick<
      ReferralContactEntity,
      | 'state'
      | 'screenFailReason'
      | 'note'
      | 'interestedAt'
      | 'bookedAt'
      | 'randomisedOn'
      | 'flagsSuppressedUntil'
    >,
  ): Promise<void> {
    await tx.update(ReferralContactEntity, { id: contactId }, fields);
  }

  /** Records that the participant was randomised into the trial (screening reads it as a commitment). */
  async insertCommitment(
    tx: Tx,
    commitment: {
      participantId: string;
      trialId: string;
      referralContactId: string;
      committedOn: CalendarDate;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO trial_commitment (participant_id, trial_id, referral_contact_id, committed_on) VALUES ($1, $2, $3, $4)`,
      [commitment.participantId, commitment.trialId, commitment.referralContactId, commitment.committedOn],
    );
  }

  /** Closes the trial's open requests and open contacts for `reason`; returns how many of each. */
  async closeOpenOfTrial(
    tx: Tx,
    trialId: string,
    reason: string,
  ): Promise<{ requests: number; contacts: number; participantIds: string[] }> {
    const [closed, contacts] = await tx.query<[{ participant_id: string }[], number]>(
      `UPDATE referral_contact SET closed_at = now(), close_reason = $2, updated_at = now()
        WHERE trial_id = $1 AND closed_at IS NULL AND state IN ('to_contact', 'interested', 'prescreen_booked')
        RETURNING participant_id`,
      [trialId, reason],
    );
    const [, requests] = await tx.query<[unknown, number]>(
      `UPDATE referral_request SET closed_at = now(), close_reason = $2 WHERE trial_id = $1 AND closed_at IS NULL`,
      [trialId, reason],
    );
    return { requests, contacts, participantIds: closed.map((row) => row.participant_id) };
  }

  /** Closes the participant's open referrals for `reason`; returns how many were open. */
  async closeOpenOfParticipant(tx: Tx, participantId: string, reason: string): Promise<number> {
    const [, closed] = await tx.query<[unknown, number]>(
      `UPDATE referral_contact SET closed_at = now(), close_reason = $2, updated_at = now()
        WHERE participant_id = $1 AND closed_at IS NULL AND state IN ('to_contact', 'interested', 'prescreen_booked')`,
      [participantId, reason],
    );
    return closed;
  }

  /** The sites (id and code) asked for referrals for the trial, ever. */
  async requestedSites(
    tx: Tx,
    trialId: string,
  ): Promise<{ siteId: string; siteCode: string; requested: number }[]> {
    const rows = await tx.query<{ site_id: string; code: string; requested: number }[]>(
      `SELECT r.site_id, s.code, sum(r.requested_count)::int AS requested
         FROM referral_request r JOIN site s ON s.id = r.site_id WHERE r.trial_id = $1
        GROUP BY r.site_id, s.code ORDER BY s.code`,
      [trialId],
    );
    return rows.map((row) => ({ siteId: row.site_id, siteCode: row.code, requested: row.requested }));
  }

  /** Every contact of the trial as the sponsor's funnel counts it, with the consents that decide if it may. */
  async sponsorReferralRows(tx: Tx, trialId: string): Promise<SponsorReferralRow[]> {
    const rows = await tx.query<
      {
        participant_id: string;
        code: string;
        time_zone: string;
        state: ReferralContactState;
        interested: boolean;
        booked: boolean;
        screen_fail_reason: ScreenFailReason | null;
        consents: ConsentJson[] | null;
        status: ParticipantStatus;
      }[]
    >(
      `SELECT c.participant_id, p.status, s.code, s.time_zone, c.state, c.interested_at IS NOT NULL AS interested,
              c.booked_at IS NOT NULL AS booked, c.screen_fail_reason, f.consents
         FROM referral_contact c JOIN referral_request r ON r.id = c.request_id JOIN site s ON s.id = r.site_id
         JOIN participant p ON p.id = c.participant_id
         LEFT JOIN participant_screening_facts f ON f.participant_id = c.participant_id
        WHERE c.trial_id = $1 ORDER BY c.id`,
      [trialId],
    );
    return rows.map((row) => ({
      participantId: row.participant_id,
      siteCode: row.code,
      siteTimeZone: row.time_zone,
      state: row.state,
      wasInterested: row.interested,
      wasBooked: row.booked,
      screenFailReason: row.screen_fail_reason,
      consents: grantsOf(row.consents),
      participantStatus: row.status,
    }));
  }

  /** Every randomised referral (of every trial), with its site and when the person was first flagged. */
  async randomisedReferrals(tx: Tx): Promise<RandomisedReferralRow[]> {
    const rows = await tx.query<
      { site_id: string; code: string; time_zone: string; eligible_since: Date; randomised_on: string }[]
    >(
      `SELECT r.site_id, s.code, s.time_zone, c.eligible_since, c.randomised_on::text AS randomised_on
         FROM referral_contact c JOIN referral_request r ON r.id = c.request_id JOIN site s ON s.id = r.site_id
        WHERE c.state = 'randomised' AND c.eligible_since IS NOT NULL ORDER BY s.code`,
    );
    return rows.map((row) => ({
      siteId: row.site_id,
      siteCode: row.code,
      siteTimeZone: row.time_zone,
      eligibleSince: row.eligible_since,
      randomisedOn: row.randomised_on,
    }));
  }
}
