import {
  AmyloidModality,
  AmyloidStatus,
  AssessmentType,
  CalendarDate,
  ConsentGrant,
  ConsentScope,
  MEASURES,
  MeasureDefinition,
  Observation,
  observationKey,
  ParticipantProfile,
  ParticipantStatus,
  measureReader,
  scopesHeld,
} from '@registry/domain';
import type { EntityManager } from 'typeorm';

interface ParticipantRow {
  id: string;
  site_id: string;
  birth_date: string;
  sex: string;
  education_years: number;
  apoe_genotype: string;
  family_history: boolean | null;
  family_history_onset_age: number | null;
  study_partner_available: boolean;
  status: ParticipantStatus;
  /**
   * From participant_screening_facts, as JSON text (LatestAssessment[] and ConsentDocument[]); null for a
   * participant with neither an assessment nor a consent. Read as text and parsed only when the profile is
   * built: see `ScreeningInput`.
   */
  latest_assessments: string | null;
  latest_performed_on: CalendarDate | null;
  consents: string | null;
}

interface AssessmentRow {
  type: string;
  qualifier: string;
  performed_on: string;
  values: Record<string, unknown>;
  derived: Record<string, unknown>;
}

/** A participant_latest_assessment row as JSON: type, qualifier, performed on, values, derived. */
type LatestAssessment = [string, string, CalendarDate, Record<string, unknown>, Record<string, unknown>];

/** A consent as JSON: signed on, scopes, [[scope, withdrawn on], ...]. */
type ConsentDocument = [CalendarDate, ConsentScope[], [ConsentScope, CalendarDate][]];

const MODALITY_OF_TYPE: Partial<Record<string, AmyloidModality>> = {
  [AssessmentType.AmyloidPet]: AmyloidModality.Pet,
  [AssessmentType.Csf]: AmyloidModality.Csf,
  [AssessmentType.Plasma]: AmyloidModality.Plasma,
};

interface MeasureOfAssessment {
  name: string;
  qualified: boolean;
  read: ReturnType<typeof measureReader>;
}

const MEASURES_BY_ASSESSMENT = new Map<string, MeasureOfAssessment[]>();
for (const [name, definition] of Object.entries(MEASURES) as [string, MeasureDefinition][]) {
  MEASURES_BY_ASSESSMENT.set(definition.assessment, [
    ...(MEASURES_BY_ASSESSMENT.get(definition.assessment) ?? []),
    { name, qualified: Boolean(definition.qualifier), read: measureReader(definition.source) },
  ]);
}

export interface LoadedProfile {
  siteId: string;
  profile: ParticipantProfile;
}

/** A participant to load, with the calendar day at their site to judge them on. */
export interface ProfileRequest {
  participantId: string;
  asOf: CalendarDate;
}

/**
 * What the last screening stored for one participant and trial, as the JSON array it is read as (the trial's
 * 1-based position in the trials asked for first): a re-screen reads ten million of them, and making an
 * object of each was about 5 % of what it allocated.
 */
export type StoredDetermination = readonly [
  position: number,
  criteriaVersion: number,
  result: string,
  oneTestAway: string | null,
];

/** A profile with what screening needs to tell what changed: stored determinations and open flags. */
export interface ScreeningSubject {
  profile: ParticipantProfile;
  /** By the index of the trial in the `trialIds` asked for; undefined where nothing is stored. */
  determinations: readonly (StoredDetermination | undefined)[];
  /** Kinds of the open flags, by the index of the trial in the `trialIds` asked for. */
  openFlags: readonly (readonly string[] | undefined)[];
}

/**
 * One participant of a screening batch as read from the database, their JSON documents still text. `read()`
 * parses them and builds the profile, afresh on each call: a batch's screening reads each participant once,
 * right before evaluating them, so the many small objects of a profile die young instead of living as long
 * as the whole batch, where each scavenge copied them (garbage collection was about a third of this
 * process's CPU time in a re-screen profile; the change measured within run-to-run noise at 100,000).
 */
export interface ScreeningInput {
  participantId: string;
  siteId: string;
  asOf: CalendarDate;
  read(): ScreeningSubject;
}

// Participants with no open flag (most of them) or nothing stored yet share it.
const NOTHING: readonly never[] = Object.freeze([]);

interface LoadOptions {
  /** Load only these assessment types (those the trials at hand read); default: every type. */
  assessmentTypes?: readonly string[];
}

/**
 * Everything screening needs about some participants on a day: the participant rows, the consent scopes
 * held that day, and the latest assessment of each type and qualifier (tracer, platform, analyte) up to that
 * day, from which each measure's latest value is read.
 */
export async function loadProfiles(
  manager: EntityManager,
  participantIds: string[],
  asOf: CalendarDate,
  options: LoadOptions = {},
): Promise<Map<string, LoadedProfile>> {
  const loaded = await queryProfiles(
    manager,
    participantIds.map((participantId) => ({ participantId, asOf })),
    options,
  );
  return new Map(loaded.map((entry) => [entry.profile.participantId, entry]));
}

/**
 * loadProfiles for screening: each participant on their own day, in the order asked, with their stored
 * determinations and open flags for the given trials, indexed like `trialIds`. Three statements whatever the
 * number of participants.
 */
export async function loadScreeningInputs(
  manager: EntityManager,
  requests: ProfileRequest[],
  trialIds: readonly string[],
  options: LoadOptions = {},
): Promise<ScreeningInput[]> {
  if (requests.length === 0) return [];
  const ids = requests.map((r) => r.participantId);
  const participants = await queryParticipants(manager, requests, options);
  // By participant only, through the primary key: a `trial_id = ANY(...)` condition lets the planner pick
  // the trial index and scan every determination of those trials (measured: 0.6 s instead of 0.06 s a
  // batch), so the trials are filtered in the aggregate. One JSON array per participant, naming each trial by
  // its position in `trialIds` (1-based) rather than its 36-character id: a re-screen parses millions.
  const stored = await manager.query<{ participant_id: string; determinations: string | null }[]>(
    `SELECT participant_id,
            (json_agg(json_build_array(array_position($2::uuid[], trial_id), criteria_version, result, one_test_away))
              FILTER (WHERE trial_id = ANY($2::uuid[])))::text AS determinations
       FROM eligibility_determination WHERE participant_id = ANY($1::text[]) GROUP BY participant_id`,
    [ids, trialIds],
  );
  const flags = await manager.query<{ participant_id: string; position: number; kind: string }[]>(
    `SELECT participant_id, array_position($2::uuid[], trial_id) AS position, kind FROM eligibility_flag
      WHERE closed_at IS NULL AND participant_id = ANY($1::text[]) AND trial_id = ANY($2::uuid[])`,
    [ids, trialIds],
  );
  const determinationsOf = new Map<string, string>();
  for (const { participant_id, determinations } of stored)
    if (determinations) determinationsOf.set(participant_id, determinations);
  const flagsOf = new Map<string, string[][]>();
  for (const { participant_id, position, kind } of flags) {
    let open = flagsOf.get(participant_id);
    if (!open) flagsOf.set(participant_id, (open = []));
    (open[position - 1] ??= []).push(kind);
  }
  const wanted = wantedTypes(options);
  return participants.map(({ row, asOf, history }): ScreeningInput => ({
    participantId: row.id,
    siteId: row.site_id,
    asOf,
    read: () => ({
      profile: buildProfile(row, asOf, history, wanted),
      determinations: byTrialPosition(determinationsOf.get(row.id)),
      openFlags: flagsOf.get(row.id) ?? NOTHING,
    }),
  }));
}

/** Stored determinations (JSON text) by trial index. */
function byTrialPosition(json: string | undefined): readonly (StoredDetermination | undefined)[] {
  if (json === undefined) return NOTHING;
  const byTrial: StoredDetermination[] = [];
  for (const determination of JSON.parse(json) as StoredDetermination[])
    byTrial[determination[0] - 1] = determination;
  return byTrial;
}

/**
 * The participants asked for that exist, in the order asked, each with the history rows to build their
 * profile from when they are looked at on a day before some latest result. One statement for the rows: each
 * participant row with its screening facts (latest assessments and consents, kept by triggers), read by
 * primary key.
 */
async function queryParticipants(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
): Promise<{ row: ParticipantRow; asOf: CalendarDate; history: AssessmentRow[] | undefined }[]> {
  if (requests.length === 0) return [];
  const rows = await manager.query<ParticipantRow[]>(
    `SELECT p.id, p.site_id, p.birth_date::text, p.sex, p.education_years, p.apoe_genotype, p.family_history,
            p.family_history_onset_age, p.study_partner_available, p.status, f.latest_assessments::text,
            f.latest_performed_on::text, f.consents::text
       FROM participant p LEFT JOIN participant_screening_facts f ON f.participant_id = p.id
      WHERE p.id = ANY($1::text[])`,
    [requests.map((r) => r.participantId)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const found = requests.filter((r) => byId.has(r.participantId));

  // Only a look into the past (a day before some latest result) needs the history, and only for those.
  const fromHistory = await latestFromHistory(
    manager,
    found.filter(({ participantId, asOf }) => {
      const latestDay = byId.get(participantId)!.latest_performed_on;
      return latestDay !== null && latestDay > asOf;
    }),
    options,
  );
  return found.map(({ participantId, asOf }) => ({
    row: byId.get(participantId)!,
    asOf,
    history: fromHistory.get(participantId),
  }));
}

/** The profiles of the participants asked for that exist, built at once, in the order asked. */
async function queryProfiles(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
): Promise<LoadedProfile[]> {
  const wanted = wantedTypes(options);
  return (await queryParticipants(manager, requests, options)).map(({ row, asOf, history }) => ({
    siteId: row.site_id,
    profile: buildProfile(row, asOf, history, wanted),
  }));
}

/** The assessment types to build profiles from; null for all. */
function wantedTypes(options: LoadOptions): ReadonlySet<string> | null {
  return options.assessmentTypes ? new Set(options.assessmentTypes) : null;
}

/**
 * A participant's profile on `asOf`: from the history rows when given (a look into the past), else from the
 * latest assessments in the facts, of the wanted types only.
 */
function buildProfile(
  row: ParticipantRow,
  asOf: CalendarDate,
  history: AssessmentRow[] | undefined,
  wanted: ReadonlySet<string> | null,
): ParticipantProfile {
  const profile = profileOf(row, asOf);
  if (history)
    for (const a of history) addAssessment(profile, a.type, a.qualifier, a.performed_on, a.values, a.derived);
  else if (row.latest_assessments !== null)
    for (const [type, qualifier, performedOn, values, derived] of JSON.parse(
      row.latest_assessments,
    ) as LatestAssessment[]) {
      if (wanted && !wanted.has(type)) continue;
      addAssessment(profile, type, qualifier, performedOn, values, derived);
    }
  return profile;
}

/** The latest assessment of each type and qualifier up to each participant's day, read from the history. */
async function latestFromHistory(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
): Promise<Map<string, AssessmentRow[]>> {
  const byParticipant = new Map<string, AssessmentRow[]>();
  if (requests.length === 0) return byParticipant;
  const history = await manager.query<(AssessmentRow & { participant_id: string })[]>(
    `SELECT DISTINCT ON (a.participant_id, a.type, assessment_qualifier(a.type, a.values))
            a.participant_id, a.type, assessment_qualifier(a.type, a.values) AS qualifier, a.performed_on::text,
            a.values, a.derived
       FROM unnest($1::text[], $2::date[]) AS d(id, as_of)
       JOIN assessment a ON a.participant_id = d.id AND a.performed_on <= d.as_of
      WHERE $3::text[] IS NULL OR a.type = ANY($3::text[])
      ORDER BY a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.performed_on DESC, a.created_at DESC`,
    [requests.map((r) => r.participantId), requests.map((r) => r.asOf), options.assessmentTypes ?? null],
  );
  for (const { participantId } of requests) byParticipant.set(participantId, []);
  for (const row of history) byParticipant.get(row.participant_id)!.push(row);
  return byParticipant;
}

/** The profile on `asOf`, without assessments; consent scopes as held that day, by the domain's rule. */
function profileOf(row: ParticipantRow, asOf: CalendarDate): ParticipantProfile {
  const consents = row.consents === null ? [] : (JSON.parse(row.consents) as ConsentDocument[]);
  const grants: ConsentGrant[] = consents.map(([signedOn, scopes, withdrawals]) => ({
    signedOn,
    scopes,
    withdrawnScopes: withdrawals.map(([scope, withdrawnOn]) => ({ scope, withdrawnOn })),
  }));
  return {
    participantId: row.id,
    birthDate: row.birth_date,
    sex: row.sex,
    educationYears: row.education_years,
    apoeGenotype: row.apoe_genotype,
    familyHistory: row.family_history,
    familyHistoryOnsetAge: row.family_history_onset_age,
    studyPartnerAvailable: row.study_partner_available,
    status: row.status,
    consentScopes: [...scopesHeld(grants, asOf)].sort(),
    // Referrals to trials arrive with the referrals feature; until then a commitment is the in_trial status.
    trialCommitments: [],
    observations: {},
    amyloid: {},
  };
}

/** Adds an assessment's measures and amyloid status where it is the latest of its kind so far. */
function addAssessment(
  profile: ParticipantProfile,
  type: string,
  qualifier: string,
  performedOn: CalendarDate,
  values: Record<string, unknown>,
  derived: Record<string, unknown>,
): void {
  const observations = profile.observations as Record<string, Observation>;
  const measures = MEASURES_BY_ASSESSMENT.get(type);
  if (measures) {
    for (let i = 0; i < measures.length; i++) {
      const measure = measures[i];
      const value = measure.read(values, derived);
      if (value === undefined || value === null) continue;
      const key = observationKey(measure.name, measure.qualified ? qualifier : undefined);
      const existing = observations[key];
      if (!existing || existing.date < performedOn)
        observations[key] = { value: value as Observation['value'], date: performedOn };
    }
  }
  const modality = MODALITY_OF_TYPE[type];
  const status = derived.amyloidStatus as AmyloidStatus | undefined;
  if (modality && status && status !== AmyloidStatus.Unknown) {
    const amyloid = profile.amyloid as Record<string, { status: AmyloidStatus; date: string }>;
    if (!amyloid[modality] || amyloid[modality].date < performedOn)
      amyloid[modality] = { status, date: performedOn };
  }
}
