import {
  AMYLOID_MODALITY_OF_ASSESSMENT,
  AssessmentType,
  checkAssessment,
  CONSENT_SCOPES,
  formatRegistryId,
  generateParticipant,
  planVisits,
  replacesLatest,
  ProtocolVisitDefinition,
  SeededRandom,
  SyntheticParticipant,
  VisitMode,
} from '@registry/domain';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { identityFingerprint } from '../participants/identity-fingerprint';

const FAMILY_NAMES = [
  'Sato',
  'Suzuki',
  'Takahashi',
  'Tanaka',
  'Ito',
  'Smith',
  'Johnson',
  'Brown',
  'Taylor',
  'Wilson',
  'Garcia',
  'Lee',
];
const GIVEN_NAMES = [
  'Yuki',
  'Haruto',
  'Aoi',
  'Sora',
  'Emma',
  'Olivia',
  'James',
  'Noah',
  'Mia',
  'Liam',
  'Hana',
  'Ren',
];

export interface SeedOptions {
  participants: number;
  seed: number;
  siteIds: string[];
  today: string;
  historyYears: number;
  fingerprintKey: string;
  batchSize?: number;
  onProgress?: (written: number) => void;
}

/** The tables a seed fills, whose planner statistics it keeps current. */
const SEEDED_TABLES = `participant, participant_consent, consent_withdrawal, visit, scheduled_visit, assessment,
  participant_latest_assessment, participant_screening_facts`;

/**
 * How often a long seed refreshes planner statistics. With autovacuum off (as on the development machines)
 * or behind, the planner goes on costing the growing tables by their statistics from the start, for the
 * triggers' and the amyloid update's joins by participant id. ANALYZE samples, so it costs about the same at
 * any size. The 1,000,000 seed took 60 minutes with it (2 x AMD EPYC, PostgreSQL on defaults), against 85
 * without it the day before (PostgreSQL then tuned for the load); it still slows from 21,000 participants a
 * minute to 14,000 as the tables grow (WAL writes with full-page images of the random-key indexes).
 */
const STATISTICS_EVERY_PARTICIPANTS = 100_000;

/**
 * Writes a synthetic cohort in bulk: each batch of participants, with their identity, consent, schedule,
 * visits and assessments (validated and derived by the same domain rules as the API), and an audit row per
 * participant, goes in one transaction of multi-row inserts (unnest of arrays), not one request per row.
 */
export async function writeSyntheticCohort(
  dataSource: DataSource,
  options: SeedOptions,
): Promise<{ participants: number; visits: number; assessments: number }> {
  const random = new SeededRandom(options.seed);
  const [protocol] = await dataSource.query<{ id: string }[]>(
    `SELECT id FROM protocol WHERE code = 'TRC-DEFAULT' AND version = 1`,
  );
  const protocolVisits = await dataSource.query<
    {
      id: string;
      code: string;
      name: string;
      day_offset: number;
      window_before_days: number;
      window_after_days: number;
      mode: VisitMode;
      assessments: AssessmentType[];
    }[]
  >(
    `SELECT id, code, name, day_offset, window_before_days, window_after_days, mode, assessments FROM protocol_visit WHERE protocol_id = $1 ORDER BY day_offset`,
    [protocol.id],
  );
  const definitions: ProtocolVisitDefinition[] = protocolVisits.map((v) => ({
    code: v.code,
    name: v.name,
    dayOffset: v.day_offset,
    windowBeforeDays: v.window_before_days,
    windowAfterDays: v.window_after_days,
    mode: v.mode,
    assessments: v.assessments,
  }));
  const plan = (baseline: string) => planVisits(baseline, definitions);
  const [document] = await dataSource.query<{ id: string }[]>(
    `INSERT INTO consent_document (title, version, language, effective_date, scopes) VALUES ('Synthetic cohort consent', '1.0', 'en', '2015-01-01', $1)
     ON CONFLICT (title, version, language) DO UPDATE SET title = EXCLUDED.title RETURNING id`,
    [CONSENT_SCOPES],
  );

  const totals = { participants: 0, visits: 0, assessments: 0 };
  const batchSize = options.batchSize ?? 1000;
  // Two batches in flight, each in its own transaction on its own connection: a batch's statements run in one
  // PostgreSQL backend, which was the bottleneck (one core busy, the other idle), while generating the next
  // batch takes this process little time. Batches only meet on the audit chain's lock, taken by their last
  // statement. Progress is reported in batch order: `latest` is the batch last started and `before` the one
  // started before it, and each reports its progress after the one started before it has.
  let before: Promise<void> = Promise.resolve();
  let latest: Promise<void> = Promise.resolve();
  try {
    for (let offset = 0; offset < options.participants; offset += batchSize) {
      await before;
      if (offset > 0 && offset % STATISTICS_EVERY_PARTICIPANTS < batchSize) {
        await latest;
        await dataSource.query(`ANALYZE ${SEEDED_TABLES}`);
      }
      const count = Math.min(batchSize, options.participants - offset);
      const people = Array.from({ length: count }, () => ({
        site: random.pick(options.siteIds),
        person: generateParticipant(random, options.today, plan, options.historyYears),
        familyName: random.pick(FAMILY_NAMES),
        givenName: `${random.pick(GIVEN_NAMES)}-${random.int(1, 999999)}`,
      }));
      const registryIds = await reserveRegistryIds(dataSource, people);
      const reportedBefore = latest;
      const batch = dataSource
        .transaction((manager) =>
          writeBatch(manager, people, registryIds, {
            protocolId: protocol.id,
            protocolVisits,
            documentId: document.id,
            plan,
            fingerprintKey: options.fingerprintKey,
          }),
        )
        .then(async (written) => {
          await reportedBefore;
          totals.participants += count;
          totals.visits += written.visits;
          totals.assessments += written.assessments;
          options.onProgress?.(totals.participants);
        });
      // Observed by `await before` or below; never an unhandled rejection meanwhile.
      batch.catch(() => undefined);
      before = latest;
      latest = batch;
    }
    await latest;
  } catch (error) {
    await Promise.allSettled([before, latest]);
    throw error;
  }
  // Planner statistics for the tables just filled: until autovacuum gets to them, a bulk-loaded table looks
  // empty to the planner, and screening batches then scan the whole latest-assessment table (the figures are
  // in docs/PERFORMANCE.md, "Seeding"). VACUUM too: the triggers write each participant's facts row twice
  // (consents, then assessments) and the amyloid status updates each participant row, so about half of those
  // tables is dead rows until vacuumed.
  await dataSource.query(`VACUUM ANALYZE ${SEEDED_TABLES}`);
  return totals;
}

interface BatchContext {
  protocolId: string;
  protocolVisits: { id: string; code: string }[];
  documentId: string;
  plan: (baseline: string) => ReturnType<typeof planVisits>;
  fingerprintKey: string;
}

interface SyntheticPerson {
  site: string;
  person: SyntheticParticipant;
  familyName: string;
  givenName: string;
}

/**
 * A registry id for each person, in order, from a block of sequence numbers reserved per site. Reserved in a
 * transaction of its own, so that batches written concurrently do not queue on the site rows for the whole of
 * a batch; a batch that then fails leaves a gap in the site's numbering, as a failed enrolment does.
 */
async function reserveRegistryIds(dataSource: DataSource, people: SyntheticPerson[]): Promise<string[]> {
  const perSite = new Map<string, number>();
  for (const { site } of people) perSite.set(site, (perSite.get(site) ?? 0) + 1);
  const nextId = new Map<string, () => string>();
  for (const [siteId, n] of perSite) {
    // UPDATE ... RETURNING comes back from TypeORM as [rows, affected count].
    const [[site]] = await dataSource.query<[{ code: string; last: number }[], number]>(
      `UPDATE site SET last_registry_sequence = last_registry_sequence + $2 WHERE id = $1 RETURNING code, last_registry_sequence AS last`,
      [siteId, n],
    );
    let sequence = site.last - n;
    nextId.set(siteId, () => formatRegistryId(site.code, ++sequence));
  }
  return people.map(({ site }) => nextId.get(site)!());
}

async function writeBatch(
  manager: EntityManager,
  people: SyntheticPerson[],
  registryIds: string[],
  context: BatchContext,
): Promise<{ visits: number; assessments: number }> {
  const p = {
    id: [] as string[],
    site: [] as string[],
    status: [] as string[],
    statusDate: [] as string[],
    birth: [] as string[],
    sex: [] as string[],
    edu: [] as number[],
    apoe: [] as string[],
    fh: [] as (boolean | null)[],
    onset: [] as (number | null)[],
    partner: [] as boolean[],
    source: [] as string[],
    fingerprint: [] as string[],
    baseline: [] as string[],
  };
  const identity = {
    id: [] as string[],
    family: [] as string[],
    given: [] as string[],
    dob: [] as string[],
    email: [] as string[],
    phone: [] as string[],
    address: [] as string[],
  };
  const consent = {
    id: [] as string[],
    participant: [] as string[],
    signed: [] as string[],
    scopes: [] as string[],
  };
  const withdrawal = { consent: [] as string[], scope: [] as string[], on: [] as string[] };
  const scheduled = {
    id: [] as string[],
    participant: [] as string[],
    protocolVisit: [] as string[],
    code: [] as string[],
    target: [] as string[],
    start: [] as string[],
    end: [] as string[],
    cancelledReason: [] as (string | null)[],
  };
  const visit = {
    id: [] as string[],
    participant: [] as string[],
    scheduled: [] as string[],
    date: [] as string[],
    deviation: [] as boolean[],
    reason: [] as (string | null)[],
  };
  const assessment = {
    visit: [] as string[],
    participant: [] as string[],
    type: [] as string[],
    on: [] as string[],
    values: [] as string[],
    derived: [] as string[],
  };
  const amyloid = new Map<string, { status: string; modality: string; date: string }>();

  for (let index = 0; index < people.length; index++) {
    const { site, person, familyName, givenName } = people[index];
    const id = registryIds[index];
    p.id.push(id);
    p.site.push(site);
    p.status.push(person.status);
    p.statusDate.push(person.statusDate);
    p.birth.push(person.birthDate);
    p.sex.push(person.sex);
    p.edu.push(person.educationYears);
    p.apoe.push(person.apoeGenotype);
    p.fh.push(person.familyHistory);
    p.onset.push(person.familyHistoryOnsetAge);
    p.partner.push(person.studyPartnerAvailable);
    p.source.push(person.referralSource);
    p.fingerprint.push(identityFingerprint(context.fingerprintKey, familyName, givenName, person.birthDate));
    p.baseline.push(person.baseline);
    identity.id.push(id);
    identity.family.push(familyName);
    identity.given.push(givenName);
    identity.dob.push(person.birthDate);
    // Contact details of the kind real identities hold, so that checks for identity leaks (the sponsor-facing
    // PII scan) have them to look for. Made from the id and the names, not drawn: the cohort's random
    // sequence, and so every seeded cohort, stays as it was.
    const digits = id.replace(/\D/g, '').padStart(8, '0');
    identity.email.push(`${givenName}.${familyName}@example.jp`.toLowerCase());
    identity.phone.push(`+81 90 ${digits.slice(0, 4)} ${digits.slice(-4)}`);
    identity.address.push(`${digits.slice(0, 3)}-${digits.slice(-4)} Chiyoda, Tokyo`);
    const consentId = randomUUID();
    consent.id.push(consentId);
    consent.participant.push(id);
    consent.signed.push(person.consentSignedOn);
    consent.scopes.push(`{${person.consentScopes.join(',')}}`);
    if (person.withdrawnOn) {
      for (const scope of person.consentScopes) {
        withdrawal.consent.push(consentId);
        withdrawal.scope.push(scope);
        withdrawal.on.push(person.withdrawnOn);
      }
    }
    const planned = context.plan(person.baseline);
    const scheduledIds = planned.map((visitPlan, index) => {
      const scheduledId = randomUUID();
      scheduled.id.push(scheduledId);
      scheduled.participant.push(id);
      scheduled.protocolVisit.push(context.protocolVisits[index].id);
      scheduled.code.push(visitPlan.code);
      scheduled.target.push(visitPlan.targetDate);
      scheduled.start.push(visitPlan.windowStart);
      scheduled.end.push(visitPlan.windowEnd);
      scheduled.cancelledReason.push(
        person.withdrawnOn && visitPlan.windowEnd >= person.withdrawnOn
          ? 'consent for registry follow-up withdrawn'
          : null,
      );
      return scheduledId;
    });
    for (const taken of person.visits) {
      const visitId = randomUUID();
      const plannedVisit = planned[taken.plannedIndex];
      const deviation = taken.date < plannedVisit.windowStart || taken.date > plannedVisit.windowEnd;
      visit.id.push(visitId);
      visit.participant.push(id);
      visit.scheduled.push(scheduledIds[taken.plannedIndex]);
      visit.date.push(taken.date);
      visit.deviation.push(deviation);
      visit.reason.push(deviation ? 'synthetic: visit outside its window' : null);
      for (const input of taken.assessments) {
        const checked = checkAssessment(input);
        if (checked.problems.length > 0)
          throw new Error(`synthetic ${input.type} failed validation: ${JSON.stringify(checked.problems)}`);
        assessment.visit.push(visitId);
        assessment.participant.push(id);
        assessment.type.push(input.type);
        assessment.on.push(taken.date);
        assessment.values.push(JSON.stringify(input.values));
        assessment.derived.push(JSON.stringify(checked.derived));
        const status = checked.derived.amyloidStatus as string | undefined;
        const modality = AMYLOID_MODALITY_OF_ASSESSMENT[input.type] ?? null;
        if (modality && status && status !== 'unknown') {
          const current = amyloid.get(id);
          if (replacesLatest(current, taken.date)) amyloid.set(id, { status, modality, date: taken.date });
        }
      }
    }
  }

  await manager.query(
    `INSERT INTO participant (id, site_id, status, status_effective_date, birth_date, sex, education_years, apoe_genotype, family_history,
       family_history_onset_age, study_partner_available, referral_source, identity_fingerprint, protocol_id, baseline_date)
     SELECT id, site, status, status_date, birth, sex, edu, apoe, fh, onset, partner, source, fingerprint, $15, baseline
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::date[], $5::date[], $6::text[], $7::int[], $8::text[], $9::boolean[], $10::int[],
                   $11::boolean[], $12::text[], $13::text[], $14::date[])
         AS t(id, site, status, status_date, birth, sex, edu, apoe, fh, onset, partner, source, fingerprint, baseline)`,
    [
      p.id,
      p.site,
      p.status,
      p.statusDate,
      p.birth,
      p.sex,
      p.edu,
      p.apoe,
      p.fh,
      p.onset,
      p.partner,
      p.source,
      p.fingerprint,
      p.baseline,
      context.protocolId,
    ],
  );
  await manager.query(
    `INSERT INTO participant_identity (participant_id, family_name, given_name, date_of_birth_as_given, email, phone, postal_address)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
    [
      identity.id,
      identity.family,
      identity.given,
      identity.dob,
      identity.email,
      identity.phone,
      identity.address,
    ],
  );
  await manager.query(
    `INSERT INTO participant_consent (id, participant_id, consent_document_id, signed_on, scopes)
     SELECT id, participant, $5, signed, scopes::text[] FROM unnest($1::uuid[], $2::text[], $3::date[], $4::text[]) AS t(id, participant, signed, scopes)`,
    [consent.id, consent.participant, consent.signed, consent.scopes, context.documentId],
  );
  if (withdrawal.consent.length) {
    await manager.query(
      `INSERT INTO consent_withdrawal (participant_consent_id, scope, withdrawn_on, reason)
       SELECT consent, scope, withdrawn, 'synthetic: participant withdrew' FROM unnest($1::uuid[], $2::text[], $3::date[]) AS t(consent, scope, withdrawn)`,
      [withdrawal.consent, withdrawal.scope, withdrawal.on],
    );
  }
  await manager.query(
    `INSERT INTO scheduled_visit (id, participant_id, protocol_visit_id, code, target_date, window_start, window_end, cancelled_at, cancel_reason)
     SELECT id, participant, protocol_visit, code, target, start, finish, CASE WHEN reason IS NULL THEN NULL ELSE now() END, reason
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::date[], $6::date[], $7::date[], $8::text[])
         AS t(id, participant, protocol_visit, code, target, start, finish, reason)`,
    [
      scheduled.id,
      scheduled.participant,
      scheduled.protocolVisit,
      scheduled.code,
      scheduled.target,
      scheduled.start,
      scheduled.end,
      scheduled.cancelledReason,
    ],
  );
  await manager.query(
    `INSERT INTO visit (id, participant_id, scheduled_visit_id, visit_date, mode, deviation, deviation_reason, recorded_by)
     SELECT id, participant, scheduled, visit_date, 'clinic', deviation, reason, '00000000-0000-0000-0000-000000000000'
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::date[], $5::boolean[], $6::text[]) AS t(id, participant, scheduled, visit_date, deviation, reason)`,
    [visit.id, visit.participant, visit.scheduled, visit.date, visit.deviation, visit.reason],
  );
  await manager.query(
    `INSERT INTO assessment (visit_id, participant_id, type, performed_on, values, derived)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::jsonb[], $6::jsonb[])`,
    [
      assessment.visit,
      assessment.participant,
      assessment.type,
      assessment.on,
      assessment.values,
      assessment.derived,
    ],
  );
  if (amyloid.size) {
    await manager.query(
      `UPDATE participant p SET amyloid_status = t.status, amyloid_modality = t.modality, amyloid_date = t.since
         FROM unnest($1::text[], $2::text[], $3::text[], $4::date[]) AS t(id, status, modality, since) WHERE p.id = t.id`,
      [
        [...amyloid.keys()],
        [...amyloid.values()].map((a) => a.status),
        [...amyloid.values()].map((a) => a.modality),
        [...amyloid.values()].map((a) => a.date),
      ],
    );
  }
  // One audit row per participant, in one statement; the trigger still chains and hashes each row.
  await manager.query(
    `INSERT INTO audit_event (actor_user_id, actor_role, action, entity_type, entity_id, site_id, changes, reason)
     SELECT NULL, 'system', 'participant.enrolled', 'participant', id, site,
            jsonb_build_array(jsonb_build_object('field', 'source', 'old', NULL, 'new', 'synthetic cohort generator')),
            'synthetic demo or benchmark data'
       FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS t(id, site, n) ORDER BY n`,
    [p.id, p.site],
  );
  return { visits: visit.id.length, assessments: assessment.visit.length };
}
