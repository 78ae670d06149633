import {
  addDays,
  approachability,
  ConsentScope,
  CriteriaDocument,
  dateInTimeZone,
  DECLINED_REASON,
  DEFAULT_DECLINE_SUPPRESSION_DAYS,
  evaluateCriteria,
  flagsSuppressedUntil,
  ParticipantProfile,
  ParticipantStatus,
  RANDOMISED_ELSEWHERE_REASON,
  RANDOMISED_HERE_REASON,
  ReferralContactState as C,
  ScreenFailReason,
} from '@registry/domain';
import { loadProfiles } from '@registry/persistence';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The states the demo's referrals are spread over, in turn, so that a funnel of a few dozen people shows
 * every stage: two randomised per cycle, so that the recruitment-speed report has quartiles to show.
 */
const PLAN: readonly C[] = [
  C.Randomised,
  C.ScreenFailed,
  C.PrescreenBooked,
  C.Interested,
  C.Declined,
  C.NotReached,
  C.ToContact,
  C.Randomised,
];
const SCREEN_FAIL_REASONS: readonly ScreenFailReason[] = [
  'amyloid_not_eligible',
  'mri_exclusion',
  'medical_history',
];
/** At most this many contacts per trial and site: the rest of the eligible stay candidates to contact. */
const CONTACTS_PER_REQUEST = 6;
const DAY = 86_400_000;

interface DemoTrial {
  id: string;
  criteriaVersion: number;
  document: CriteriaDocument;
}

interface DemoSite {
  id: string;
  timeZone: string;
}

/**
 * Referrals of the demo sponsor's trials at every site, in every state, made of the people screening will
 * find eligible (judged here by the domain's evaluator on each site's day, approachable, sharing with
 * sponsors): each flagged eligible some weeks ago, then contacted, and moved on as a coordinator would have
 * (the randomised are in their trial, the declined have the trial's flags held back). Written in one
 * transaction, with an audit row per referral; idempotent (nothing is written once the sponsor has any
 * referral request). Returns how many referrals were written.
 */
export async function ensureDemoReferrals(
  dataSource: DataSource,
  sponsorId: string,
  now: Date,
): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const [exists] = await manager.query<{ id: string }[]>(
      `SELECT r.id FROM referral_request r JOIN trial t ON t.id = r.trial_id WHERE t.sponsor_organisation_id = $1 LIMIT 1`,
      [sponsorId],
    );
    if (exists) return 0;
    const [sponsorUser] = await manager.query<{ id: string }[]>(
      `SELECT id FROM app_user WHERE sponsor_organisation_id = $1 ORDER BY created_at LIMIT 1`,
      [sponsorId],
    );
    if (!sponsorUser) return 0;
    const trials = await manager.query<DemoTrial[]>(
      `SELECT t.id, t.criteria_version AS "criteriaVersion", v.document
         FROM trial t JOIN trial_criteria_version v ON v.trial_id = t.id AND v.version = t.criteria_version
        WHERE t.sponsor_organisation_id = $1 AND t.status = 'recruiting' ORDER BY t.title`,
      [sponsorId],
    );
    const sites = await manager.query<DemoSite[]>(
      `SELECT DISTINCT s.id, s.time_zone AS "timeZone", s.code FROM site s JOIN trial_site ts ON ts.site_id = s.id
        WHERE ts.trial_id = ANY($1::uuid[]) ORDER BY s.code`,
      [trials.map((trial) => trial.id)],
    );
    const used = new Set<string>();
    let written = 0;
    for (const site of sites) {
      const today = dateInTimeZone(now, site.timeZone);
      const profiles = await enrolledProfiles(manager, site.id, today);
      for (const trial of trials) {
        const eligible = profiles.filter(
          (profile) => !used.has(profile.participantId) && referrable(profile, trial, today),
        );
        if (eligible.length === 0) continue;
        const [request] = await manager.query<{ id: string }[]>(
          `INSERT INTO referral_request (trial_id, site_id, requested_count, due_on, requested_by, created_at)
           VALUES ($1, $2, 10, $3, $4, $5) RETURNING id`,
          [trial.id, site.id, addDays(today, 60), sponsorUser.id, new Date(now.getTime() - 70 * DAY)],
        );
        for (const profile of eligible.slice(0, CONTACTS_PER_REQUEST)) {
          used.add(profile.participantId);
          await writeReferral(manager, { trial, site, requestId: request.id, profile, k: written++, now });
        }
      }
    }
    return written;
  });
}

/** The site's enrolled participants, as screening would load them on the site's day. */
async function enrolledProfiles(
  manager: EntityManager,
  siteId: string,
  today: string,
): Promise<ParticipantProfile[]> {
  const ids = await manager.query<{ id: string }[]>(
    `SELECT id FROM participant WHERE site_id = $1 AND status = 'enrolled' ORDER BY id`,
    [siteId],
  );
  const loaded = await loadProfiles(
    manager,
    ids.map((row) => row.id),
    today,
  );
  return ids.map((row) => loaded.get(row.id)?.profile).filter((p): p is ParticipantProfile => !!p);
}

/** Eligible for the trial, approachable, and counted in what the sponsor sees. */
function referrable(profile: ParticipantProfile, trial: DemoTrial, today: string): boolean {
  return (
    approachability(profile) === 'approachable' &&
    profile.consentScopes.includes(ConsentScope.SponsorDataSharing) &&
    evaluateCriteria(trial.document.criteria, profile, { asOf: today, trialId: trial.id }).result ===
      'eligible'
  );
}

/** One referral as the coordinator would have moved it to its state, with its flag, status and audit row. */
async function writeReferral(
  manager: EntityManager,
  referral: {
    trial: DemoTrial;
    site: DemoSite;
    requestId: string;
    profile: ParticipantProfile;
    k: number;
    now: Date;
  },
): Promise<void> {
  const { trial, site, requestId, profile, k, now } = referral;
  const state = PLAN[k % PLAN.length];
  const participantId = profile.participantId;
  // Flagged 40 to 89 days ago; contacted two days later; randomised 20 to 34 days after the flag.
  const flaggedAt = new Date(now.getTime() - (40 + ((k * 7) % 50)) * DAY);
  const at = (days: number) => new Date(flaggedAt.getTime() + days * DAY);
  const dayAt = (days: number) => dateInTimeZone(at(days), site.timeZone);
  const wasInterested = [C.Interested, C.PrescreenBooked, C.ScreenFailed, C.Randomised].includes(state);
  const wasBooked = [C.PrescreenBooked, C.ScreenFailed, C.Randomised].includes(state);
  const randomisedOn = state === C.Randomised ? dayAt(20 + ((k * 3) % 15)) : null;
  const declinedOn = state === C.Declined ? dayAt(4) : null;

  await manager.query(
    `INSERT INTO eligibility_flag (participant_id, trial_id, kind, episode, criteria_version, raised_at)
     VALUES ($1, $2, 'eligible', 1, $3, $4) ON CONFLICT DO NOTHING`,
    [participantId, trial.id, trial.criteriaVersion, flaggedAt],
  );
  const [contact] = await manager.query<{ id: string }[]>(
    `INSERT INTO referral_contact (request_id, trial_id, participant_id, state, screen_fail_reason, eligible_since,
       interested_at, booked_at, randomised_on, flags_suppressed_until, created_by, created_at, updated_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, u.id, $11, $11 FROM app_user u
      WHERE u.role IN ('coordinator', 'admin')
      -- The site's own coordinator where it has one (two demo sites have none: the admin stands in).
      ORDER BY EXISTS (SELECT 1 FROM user_site us WHERE us.user_id = u.id AND us.site_id = $12) DESC,
               u.role = 'coordinator' DESC, u.created_at LIMIT 1 RETURNING id`,
    [
      requestId,
      trial.id,
      participantId,
      state,
      state === C.ScreenFailed ? SCREEN_FAIL_REASONS[k % SCREEN_FAIL_REASONS.length] : null,
      flaggedAt,
      wasInterested ? at(5) : null,
      wasBooked ? at(12) : null,
      randomisedOn,
      declinedOn ? flagsSuppressedUntil(declinedOn, DEFAULT_DECLINE_SUPPRESSION_DAYS) : null,
      at(2),
      site.id,
    ],
  );
  if (!contact) throw new Error('the demo has no coordinator to have made its referrals');

  const status =
    state === C.Randomised
      ? ParticipantStatus.InTrial
      : state === C.Interested || state === C.PrescreenBooked
        ? ParticipantStatus.Referred
        : null;
  if (status)
    await manager.query(`UPDATE participant SET status = $2, status_effective_date = $3 WHERE id = $1`, [
      participantId,
      status,
      randomisedOn ?? dayAt(5),
    ]);
  if (state === C.Randomised) {
    await manager.query(
      `INSERT INTO trial_commitment (participant_id, trial_id, referral_contact_id, committed_on) VALUES ($1, $2, $3, $4)`,
      [participantId, trial.id, contact.id, randomisedOn],
    );
    await manager.query(
      `UPDATE eligibility_flag SET closed_at = $4, close_reason = CASE WHEN trial_id = $2 THEN $3 ELSE $5 END
        WHERE participant_id = $1 AND closed_at IS NULL`,
      [participantId, trial.id, RANDOMISED_HERE_REASON, at(20), RANDOMISED_ELSEWHERE_REASON],
    );
  }
  if (state === C.Declined)
    await manager.query(
      `UPDATE eligibility_flag SET closed_at = $3, close_reason = $4 WHERE participant_id = $1 AND trial_id = $2 AND closed_at IS NULL`,
      [participantId, trial.id, at(4), DECLINED_REASON],
    );
  await manager.query(
    `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, site_id, changes, reason)
     VALUES (NULL, 'system', 'referral.contact_transitioned', 'referral_contact', $1, $2, $3::jsonb, 'demo data')`,
    [contact.id, site.id, JSON.stringify([{ field: 'state', old: null, new: state }])],
  );
}
