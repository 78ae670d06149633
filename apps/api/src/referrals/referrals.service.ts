import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  acceptsReferrals,
  contactTransitionProblem,
  dateInTimeZone,
  DECLINED_REASON,
  flagsSuppressedUntil,
  participantStatusesFor,
  RANDOMISED_ELSEWHERE_REASON,
  RANDOMISED_HERE_REASON,
  RecruitmentSpeed,
  recruitmentSpeed,
  ReferralContactState,
  referralsEndWithConsent,
  referralsEndWithStatus,
  Role,
  scopesHeld,
  ScreenFailReason,
  TrialStatus,
} from '@registry/domain';
import {
  AuditRepository,
  ConsentRepository,
  DeterminationRepository,
  FlagRepository,
  ParticipantRepository,
  participantChanged,
  ReferralCandidate,
  ReferralContactEntity,
  ReferralRepository,
  ReferralRequestRecord,
  SiteRepository,
  TrialEntity,
  TrialRepository,
  Transactions,
  Tx,
} from '@registry/persistence';
import { Clock, DomainError, ErrorKind, notFound, SiteCalendar } from '@registry/platform';
import { ReferralFunnel, ReferralFunnelReport } from '@registry/sponsor-reports';
import { maySeeSite, siteScopeOf } from '../auth/access-policy';
import type { Actor } from '../auth/actor';
import { SponsorQueryGate } from '../sponsor-counts/sponsor-query-gate';
import { followReferralStatus } from './referral-status';
import type { ContactTransitionDto, CreateReferralRequestDto } from './referral.dto';

export interface RecruitmentSpeedReport {
  overall: RecruitmentSpeed;
  sites: { siteCode: string; speed: RecruitmentSpeed }[];
}

/** A request with its contacts and, while open, the site's candidates. */
export interface ReferralRequestDetail {
  request: ReferralRequestRecord;
  contacts: ReferralContactEntity[];
  candidates: ReferralCandidate[];
}

/** How many candidates a request lists at most. */
const CANDIDATE_LIMIT = 200;

const invalid = (field: string, constraint: string, message: string) =>
  new DomainError(ErrorKind.InvalidInput, 'validation_failed', message, [{ field, constraint, message }]);

const conflict = (code: string, message: string, meta?: Record<string, unknown>) =>
  new DomainError(ErrorKind.Conflict, code, message, undefined, meta);

/**
 * Referrals: a sponsor asks a recruiting trial's sites for people; each site's coordinators contact their
 * own eligible participants and record how each contact goes (the domain's ReferralContactState); a
 * randomised participant is committed to the trial and leaves every other pool and flag list at once. The
 * sponsor sees the funnel as counts through disclosure control, and a per-trial token for each person its
 * sites prescreened who consented to sharing pseudonymised data.
 */
@Injectable()
export class ReferralsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly referrals: ReferralRepository,
    private readonly trials: TrialRepository,
    private readonly participants: ParticipantRepository,
    private readonly flags: FlagRepository,
    private readonly sites: SiteRepository,
    private readonly audit: AuditRepository,
    private readonly calendar: SiteCalendar,
    private readonly clock: Clock,
    private readonly gate: SponsorQueryGate,
    private readonly funnelReport: ReferralFunnelReport,
    private readonly consents: ConsentRepository,
    private readonly determinations: DeterminationRepository,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  /** A sponsor asks for referrals to its recruiting trial: one request per site named, each audited. */
  async request(
    actor: Actor,
    trialId: string,
    input: CreateReferralRequestDto,
  ): Promise<ReferralRequestRecord[]> {
    const siteIds = input.sites.map((site) => site.siteId);
    if (new Set(siteIds).size !== siteIds.length)
      throw invalid('sites', 'unique', 'sites names a site more than once');
    return this.transactions.run(async (tx) => {
      const trial = await this.ownTrial(tx, actor, trialId);
      if (!acceptsReferrals(trial.status))
        throw conflict(
          'referral.trial_not_recruiting',
          `Referrals are asked for recruiting trials only; this trial is ${trial.status}`,
          {
            status: trial.status,
          },
        );
      const taking = new Set((trial.sites ?? []).map((site) => site.id));
      const ids: string[] = [];
      for (const [index, site] of input.sites.entries()) {
        if (!taking.has(site.siteId))
          throw invalid(
            `sites[${index}].siteId`,
            'takesPart',
            `sites[${index}].siteId is not a site taking part in the trial`,
          );
        const today = this.calendar.today(await this.sites.timeZoneOf(tx, site.siteId));
        if (input.dueOn < today)
          throw invalid('dueOn', 'notInPast', `dueOn is before today (${today}) at a site asked`);
        const stored = await this.referrals.insertRequest(tx, {
          trialId,
          siteId: site.siteId,
          requestedCount: site.count,
          dueOn: input.dueOn,
          requestedBy: actor.userId,
        });
        if (stored === 'open_exists')
          throw conflict(
            'referral.request_open',
            `sites[${index}] already has an open referral request for this trial`,
            {
              siteId: site.siteId,
            },
          );
        await this.audit.record(tx, {
          action: 'referral.requested',
          entityType: 'referral_request',
          entityId: stored.id,
          siteId: site.siteId,
          changes: [
            { field: 'trialId', old: null, new: trialId },
            { field: 'requestedCount', old: null, new: site.count },
            { field: 'dueOn', old: null, new: input.dueOn },
          ],
        });
        ids.push(stored.id);
      }
      const all = await this.referrals.listRequests(tx, { siteIds: 'all', trialId });
      return all.filter((request) => ids.includes(request.id));
    });
  }

  /** Requests at the caller's sites (admins: all), newest first. */
  list(actor: Actor): Promise<ReferralRequestRecord[]> {
    const scope = siteScopeOf(actor);
    return this.transactions.read((tx) =>
      this.referrals.listRequests(tx, { siteIds: scope.all ? 'all' : scope.siteIds }),
    );
  }

  /** One request of the caller's sites with its contacts and, while open, its candidates. */
  async get(actor: Actor, requestId: string): Promise<ReferralRequestDetail> {
    return this.transactions.read(async (tx) => {
      const [request] = await this.referrals.listRequests(tx, { siteIds: 'all', requestId });
      if (!request || !maySeeSite(actor, request.siteId)) throw notFound('Referral request');
      const today = this.calendar.today(await this.sites.timeZoneOf(tx, request.siteId));
      const candidates =
        request.closedAt === null ? await this.referrals.candidates(tx, request, today, CANDIDATE_LIMIT) : [];
      return { request, contacts: await this.referrals.contactsOf(tx, request.id), candidates };
    });
  }

  /** A coordinator of the request's site starts contacting one of its candidates. */
  async startContact(actor: Actor, requestId: string, participantId: string): Promise<ReferralContactEntity> {
    return this.transactions.run(async (tx) => {
      const request = await this.referrals.findRequestForUpdate(tx, requestId);
      if (!request || !maySeeSite(actor, request.siteId)) throw notFound('Referral request');
      if (request.closedAt !== null)
        throw conflict('referral.request_closed', `This referral request is closed: ${request.closeReason}`);
      const trial = await this.trials.findForUpdate(tx, request.trialId);
      if (!trial || !acceptsReferrals(trial.status))
        throw conflict(
          'referral.trial_not_recruiting',
          `The trial is ${trial?.status ?? 'gone'}: no new contacts`,
        );
      const today = this.calendar.today(await this.sites.timeZoneOf(tx, request.siteId));
      await this.refuseWhereReferralsEnded(tx, participantId, today);
      const [candidate] = await this.referrals.candidates(tx, request, today, 1, participantId);
      if (!candidate)
        throw conflict(
          'referral.not_a_candidate',
          'The participant is not a candidate of this request: not eligible for the trial at this site (with recontact consent), already in an open referral or a trial, or declined it recently',
        );
      const stored = await this.referrals.insertContact(tx, {
        requestId,
        trialId: request.trialId,
        participantId,
        eligibleSince: await this.referrals.firstEligibleFlag(tx, participantId, request.trialId),
        createdBy: actor.userId,
      });
      if (stored === 'in_open_referral')
        throw conflict('referral.in_open_referral', 'The participant is already in an open referral');
      await this.audit.record(tx, {
        action: 'referral.contact_started',
        entityType: 'referral_contact',
        entityId: stored.id,
        siteId: request.siteId,
        changes: [
          { field: 'participantId', old: null, new: participantId },
          { field: 'state', old: null, new: stored.state },
        ],
      });
      return stored;
    });
  }

  /**
   * Locks the participant's row (as a withdrawal of consent or from the registry does, which closes open
   * referrals) and refuses a new referral when their status or consent already ends referrals: their open
   * flags close only when the re-screen after the withdrawal has run, and a contact started in between would
   * otherwise stay open.
   */
  private async refuseWhereReferralsEnded(tx: Tx, participantId: string, today: string): Promise<void> {
    const participant = await this.participants.findById(tx, participantId, true);
    if (!participant) throw notFound('Participant');
    const ended =
      referralsEndWithStatus(participant.status) ??
      referralsEndWithConsent(scopesHeld(await this.consents.grantsOf(tx, participantId), today));
    if (ended) throw conflict('referral.participant_unavailable', `No referral can start: ${ended}`);
  }

  /**
   * A coordinator of the contact's site records what happened. Refused with 409 naming the allowed moves
   * when the state machine has no such transition. The participant's registry status follows
   * (`participantStatusesFor`, each step audited and re-screened through the outbox); a decline holds the
   * trial's flags back for REFERRAL_DECLINE_SUPPRESSION_DAYS and closes the open ones; randomisation commits
   * the participant to the trial and closes every open flag of theirs.
   */
  async transition(
    actor: Actor,
    contactId: string,
    input: ContactTransitionDto,
  ): Promise<ReferralContactEntity> {
    return this.transactions.run(async (tx) => {
      const contact = await this.referrals.findContactForUpdate(tx, contactId);
      if (!contact || !maySeeSite(actor, contact.siteId)) throw notFound('Referral contact');
      if (contact.closedAt !== null)
        throw conflict('referral.contact_closed', `This referral was closed: ${contact.closeReason}`);
      const reason: ScreenFailReason | null = input.screenFailReason ?? null;
      const problem = contactTransitionProblem(contact.state, input.to, reason);
      if (problem?.kind === 'not_allowed')
        throw conflict(
          'referral.transition_not_allowed',
          `A referral cannot go from ${contact.state} to ${input.to}; allowed: ${problem.allowed.length ? problem.allowed.join(', ') : 'none (final state)'}`,
          { from: contact.state, to: input.to, allowed: problem.allowed },
        );
      if (problem?.kind === 'screen_fail_reason_required')
        throw invalid('screenFailReason', 'required', 'screenFailReason is required for screen_failed');
      if (problem?.kind === 'screen_fail_reason_unexpected')
        throw invalid(
          'screenFailReason',
          'onlyForScreenFailed',
          'screenFailReason is for screen_failed only',
        );
      if (contact.trialStatus === TrialStatus.Closed)
        throw conflict('referral.trial_closed', 'The trial is closed');

      const today = this.calendar.today(await this.sites.timeZoneOf(tx, contact.siteId));
      const fields = {
        state: input.to,
        screenFailReason: reason,
        note: input.note ?? null,
        interestedAt: contact.interestedAt,
        bookedAt: contact.bookedAt,
        randomisedOn: contact.randomisedOn,
        flagsSuppressedUntil: contact.flagsSuppressedUntil,
      };
      if (input.to === ReferralContactState.Interested) fields.interestedAt = this.clock.now();
      if (input.to === ReferralContactState.PrescreenBooked) fields.bookedAt = this.clock.now();
      if (input.to === ReferralContactState.Randomised) fields.randomisedOn = today;
      if (input.to === ReferralContactState.Declined)
        fields.flagsSuppressedUntil = flagsSuppressedUntil(
          today,
          this.config.REFERRAL_DECLINE_SUPPRESSION_DAYS,
        );
      await this.referrals.updateContact(tx, contact.id, fields);

      let flagsClosed = 0;
      if (input.to === ReferralContactState.Declined) {
        flagsClosed = await this.flags.closeOpenOfParticipantForTrial(
          tx,
          contact.participantId,
          contact.trialId,
          DECLINED_REASON,
        );
        // The hold ends on a day time alone brings: the daily re-screen judges them again that day, and raises
        // their flag if they are still eligible.
        await this.determinations.judgeAgainBy(
          tx,
          contact.participantId,
          contact.trialId,
          fields.flagsSuppressedUntil!,
        );
      }
      if (input.to === ReferralContactState.Randomised) {
        await this.referrals.insertCommitment(tx, {
          participantId: contact.participantId,
          trialId: contact.trialId,
          referralContactId: contact.id,
          committedOn: today,
        });
        flagsClosed = await this.flags.closeOpenOfParticipant(
          tx,
          contact.participantId,
          contact.trialId,
          RANDOMISED_HERE_REASON,
          RANDOMISED_ELSEWHERE_REASON,
        );
      }
      const changes = [
        { field: 'state', old: contact.state, new: input.to },
        ...(reason ? [{ field: 'screenFailReason', old: null, new: reason }] : []),
        ...(fields.flagsSuppressedUntil !== contact.flagsSuppressedUntil
          ? [
              {
                field: 'flagsSuppressedUntil',
                old: contact.flagsSuppressedUntil,
                new: fields.flagsSuppressedUntil,
              },
            ]
          : []),
        ...(flagsClosed ? [{ field: 'openFlagsClosed', old: null, new: flagsClosed }] : []),
      ];
      const entry = {
        action: 'referral.contact_transitioned',
        entityType: 'referral_contact',
        entityId: contact.id,
        siteId: contact.siteId,
        changes,
        reason: input.note ?? null,
      };
      // A commitment changes what screening judges ("not in another trial"): re-screened after commit.
      if (input.to === ReferralContactState.Randomised)
        await this.audit.recordChange(
          tx,
          entry,
          participantChanged(contact.participantId, 'referral.randomised'),
        );
      else await this.audit.record(tx, entry);
      await this.followStatus(tx, contact, input.to, today);
      return Object.assign(contact, fields);
    });
  }

  /**
   * The trial's referral funnel, per site and overall, every count through disclosure control, counting only
   * participants who share data with sponsors on the site's day; and their tokens from prescreen booking on.
   */
  async funnel(actor: Actor, trialId: string): Promise<ReferralFunnel> {
    const trial = await this.transactions.read((tx) => this.visibleTrial(tx, actor, trialId));
    if (!trial) {
      await this.transactions.run((tx) =>
        this.audit.record(tx, {
          action: 'sponsor_query.refused',
          entityType: 'sponsor_organisation',
          entityId: actor.sponsorOrganisationId ?? actor.userId,
          changes: [
            { field: 'kind', old: null, new: 'referral_funnel' },
            { field: 'trialId', old: null, new: trialId },
            { field: 'reason', old: null, new: 'not_found' },
          ],
        }),
      );
      throw notFound('Trial');
    }
    await this.gate.admitQuery(
      actor,
      'referral_funnel',
      createHash('sha256').update(`referral_funnel\n${trial.id}`).digest('hex'),
      trial.id,
    );
    return this.transactions.run(async (tx) => {
      const funnel = await this.funnelReport.count(tx, trial);
      await this.audit.record(tx, {
        action: 'sponsor_query.referral_funnel',
        entityType: 'trial',
        entityId: trial.id,
        changes: [{ field: 'tokensGiven', old: null, new: funnel.tokens.length }],
      });
      return funnel;
    });
  }

  /** The registry's recruitment speed per site and overall: days from first eligible flag to randomised. */
  async recruitmentSpeed(): Promise<RecruitmentSpeedReport> {
    const rows = await this.transactions.read((tx) => this.referrals.randomisedReferrals(tx));
    const spans = rows.map((row) => ({
      siteCode: row.siteCode,
      flaggedOn: dateInTimeZone(row.eligibleSince, row.siteTimeZone),
      randomisedOn: row.randomisedOn,
    }));
    const codes = [...new Set(spans.map((span) => span.siteCode))].sort();
    return {
      overall: recruitmentSpeed(spans),
      sites: codes.map((siteCode) => ({
        siteCode,
        speed: recruitmentSpeed(spans.filter((span) => span.siteCode === siteCode)),
      })),
    };
  }

  /** Moves the participant's registry status along with the referral, each step audited and re-screened. */
  private async followStatus(
    tx: Tx,
    contact: ReferralContactEntity & { siteId: string },
    to: ReferralContactState,
    today: string,
  ): Promise<void> {
    const participant = await this.participants.findById(tx, contact.participantId, true);
    if (!participant) return;
    await followReferralStatus(
      tx,
      { participants: this.participants, audit: this.audit },
      participant,
      (current) => participantStatusesFor(to, current),
      today,
      `referral ${to}`,
    );
  }

  /** The trial if the caller may see it (a sponsor its organisation's, an admin any), else null. */
  private async visibleTrial(tx: Tx, actor: Actor, trialId: string): Promise<TrialEntity | null> {
    const trials = await this.trials.list(
      tx,
      actor.role === Role.Sponsor
        ? { kind: 'sponsor', organisationId: actor.sponsorOrganisationId! }
        : { kind: 'all' },
    );
    return trials.find((candidate) => candidate.id === trialId) ?? null;
  }

  /** The trial, locked, if it is the sponsor's own; otherwise not found. */
  private async ownTrial(tx: Tx, actor: Actor, trialId: string): Promise<TrialEntity> {
    const trial = await this.trials.findForUpdate(tx, trialId);
    if (!trial || trial.sponsorOrganisationId !== actor.sponsorOrganisationId) throw notFound('Trial');
    return trial;
  }
}
