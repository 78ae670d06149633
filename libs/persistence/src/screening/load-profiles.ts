import {
  AmyloidModality,
  AmyloidStatus,
  AssessmentType,
  CalendarDate,
  MEASURES,
  MeasureDefinition,
  Observation,
  observationKey,
  ParticipantProfile,
  ParticipantStatus,
  readMeasure,
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
  consent_scopes: string[];
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

const MODALITY_OF_TYPE: Partial<Record<string, AmyloidModality>> = {
  [AssessmentType.AmyloidPet]: AmyloidModality.Pet,
  [AssessmentType.Csf]: AmyloidModality.Csf,
  [AssessmentType.Plasma]: AmyloidModality.Plasma,
};

const MEASURES_BY_ASSESSMENT = new Map<string, [string, MeasureDefinition][]>();
for (const [name, definition] of Object.entries(MEASURES) as [string, MeasureDefinition][]) {
  MEASURES_BY_ASSESSMENT.set(definition.assessment, [
    ...(MEASURES_BY_ASSESSMENT.get(definition.assessment) ?? []),
    [name, definition],
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

/** What the last screening stored for one participant and trial. */
export interface StoredDetermination {
  criteriaVersion: number;
  result: string;
  oneTestAway: string | null;
}

/** A profile with what screening needs to tell what changed: stored determinations and open flags. */
export interface ScreeningInput extends LoadedProfile {
  asOf: CalendarDate;
  /** By trial id, for every trial the participant was ever screened for. */
  determinations: Map<string, StoredDetermination>;
  /** Kinds of the open flags, by trial id. */
  openFlags: Map<string, string[]>;
}

interface LoadOptions {
  /** Load only these assessment types (those the trials at hand read); default: every type. */
  assessmentTypes?: readonly string[];
}

/**
 * Everything screening needs about some participants on a day, in one query whatever their number (two
 * when a look into the past needs the history): the participant rows with the consent scopes held that day,
 * and the latest assessment of each type and qualifier (tracer, platform, analyte) up to that day, from which
 * each measure's latest value is read.
 */
export async function loadProfiles(
  manager: EntityManager,
  participantIds: string[],
  asOf: CalendarDate,
  options: LoadOptions = {},
): Promise<Map<string, LoadedProfile>> {
  const rows = await queryProfiles(
    manager,
    participantIds.map((participantId) => ({ participantId, asOf })),
    options,
    false,
  );
  return new Map(rows.map((row) => [row.profile.participantId, row]));
}

/**
 * loadProfiles for screening: each participant on their own day, with their stored determinations and open
 * flags, in the order asked. One row per participant carries it all, so a cohort re-screen costs PostgreSQL
 * one statement a batch and this process one row to parse per participant.
 */
export async function loadScreeningInputs(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions = {},
): Promise<ScreeningInput[]> {
  return queryProfiles(manager, requests, options, true);
}

interface ProfileRow extends ParticipantRow {
  as_of: CalendarDate;
  assessments: LatestAssessment[] | null;
  /** Only when screening state is asked for: [trial id, criteria version, result, one test away]. */
  determinations?: [string, number, string, string | null][] | null;
  /** Only when screening state is asked for: [trial id, kind]. */
  open_flags?: [string, string][] | null;
}

async function queryProfiles(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
  withScreeningState: true,
): Promise<ScreeningInput[]>;
async function queryProfiles(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
  withScreeningState: false,
): Promise<LoadedProfile[]>;
async function queryProfiles(
  manager: EntityManager,
  requests: ProfileRequest[],
  options: LoadOptions,
  withScreeningState: boolean,
): Promise<(LoadedProfile | ScreeningInput)[]> {
  if (requests.length === 0) return [];
  // Consent scopes held on the participant's day: signed by then and not withdrawn by then. The latest
  // assessments are kept per participant by a trigger, and come as one JSON array per participant: a cohort
  // re-screen reads millions of them, and parsing one document costs this process far less than ten rows.
  const rows = await manager.query<ProfileRow[]>(
    `SELECT p.id, p.site_id, p.birth_date::text, p.sex, p.education_years, p.apoe_genotype, p.family_history,
            p.family_history_onset_age, p.study_partner_available, p.status, d.as_of::text,
            ARRAY(SELECT DISTINCT s.scope
                    FROM participant_consent pc CROSS JOIN LATERAL unnest(pc.scopes) AS s(scope)
                   WHERE pc.participant_id = p.id AND pc.signed_on <= d.as_of
                     AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w
                                      WHERE w.participant_consent_id = pc.id AND w.scope = s.scope
                                        AND w.withdrawn_on <= d.as_of)) AS consent_scopes,
            (SELECT json_agg(json_build_array(l.type, l.qualifier, l.performed_on, l.values, l.derived))
               FROM participant_latest_assessment l
              WHERE l.participant_id = p.id AND ($3::text[] IS NULL OR l.type = ANY($3::text[]))) AS assessments
            ${
              withScreeningState
                ? `, (SELECT json_agg(json_build_array(e.trial_id, e.criteria_version, e.result, e.one_test_away))
                       FROM eligibility_determination e WHERE e.participant_id = p.id) AS determinations,
                     (SELECT json_agg(json_build_array(f.trial_id, f.kind))
                        FROM eligibility_flag f WHERE f.participant_id = p.id AND f.closed_at IS NULL) AS open_flags`
                : ''
            }
       FROM unnest($1::text[], $2::date[]) WITH ORDINALITY AS d(id, as_of, position)
       JOIN participant p ON p.id = d.id
      ORDER BY d.position`,
    [requests.map((r) => r.participantId), requests.map((r) => r.asOf), options.assessmentTypes ?? null],
  );

  // Only a look into the past (a day before some latest result) needs the history, and only for those.
  const fromHistory = await latestFromHistory(
    manager,
    rows.filter((row) => row.assessments?.some(([, , performedOn]) => performedOn > row.as_of)),
    options,
  );

  return rows.map((row) => {
    const loaded = profileOf(row);
    const history = fromHistory.get(row.id);
    if (history) for (const assessment of history) addAssessment(loaded.profile, assessment);
    else
      for (const [type, qualifier, performed_on, values, derived] of row.assessments ?? [])
        addAssessment(loaded.profile, { type, qualifier, performed_on, values, derived });
    if (!withScreeningState) return loaded;
    const determinations = new Map<string, StoredDetermination>();
    for (const [trialId, criteriaVersion, result, oneTestAway] of row.determinations ?? [])
      determinations.set(trialId, { criteriaVersion, result, oneTestAway });
    const openFlags = new Map<string, string[]>();
    for (const [trialId, kind] of row.open_flags ?? [])
      openFlags.set(trialId, [...(openFlags.get(trialId) ?? []), kind]);
    return { ...loaded, asOf: row.as_of, determinations, openFlags };
  });
}

/** The latest assessment of each type and qualifier up to each participant's day, read from the history. */
async function latestFromHistory(
  manager: EntityManager,
  rows: ProfileRow[],
  options: LoadOptions,
): Promise<Map<string, AssessmentRow[]>> {
  const byParticipant = new Map<string, AssessmentRow[]>();
  if (rows.length === 0) return byParticipant;
  const history = await manager.query<(AssessmentRow & { participant_id: string })[]>(
    `SELECT DISTINCT ON (a.participant_id, a.type, assessment_qualifier(a.type, a.values))
            a.participant_id, a.type, assessment_qualifier(a.type, a.values) AS qualifier, a.performed_on::text,
            a.values, a.derived
       FROM unnest($1::text[], $2::date[]) AS d(id, as_of)
       JOIN assessment a ON a.participant_id = d.id AND a.performed_on <= d.as_of
      WHERE $3::text[] IS NULL OR a.type = ANY($3::text[])
      ORDER BY a.participant_id, a.type, assessment_qualifier(a.type, a.values), a.performed_on DESC, a.created_at DESC`,
    [rows.map((row) => row.id), rows.map((row) => row.as_of), options.assessmentTypes ?? null],
  );
  for (const row of rows) byParticipant.set(row.id, []);
  for (const row of history) byParticipant.get(row.participant_id)!.push(row);
  return byParticipant;
}

function profileOf(row: ParticipantRow): LoadedProfile {
  return {
    siteId: row.site_id,
    profile: {
      participantId: row.id,
      birthDate: row.birth_date,
      sex: row.sex,
      educationYears: row.education_years,
      apoeGenotype: row.apoe_genotype,
      familyHistory: row.family_history,
      familyHistoryOnsetAge: row.family_history_onset_age,
      studyPartnerAvailable: row.study_partner_available,
      status: row.status,
      consentScopes: row.consent_scopes,
      // Referrals to trials arrive with the referrals feature; until then a commitment is the in_trial status.
      trialCommitments: [],
      observations: {},
      amyloid: {},
    },
  };
}

function addAssessment(profile: ParticipantProfile, row: AssessmentRow): void {
  const observations = profile.observations as Record<string, Observation>;
  const keep = (key: string, observation: Observation) => {
    const existing = observations[key];
    if (!existing || existing.date < observation.date) observations[key] = observation;
  };
  for (const [name, definition] of MEASURES_BY_ASSESSMENT.get(row.type) ?? []) {
    const value = readMeasure(definition.source, row);
    if (value === undefined || value === null) continue;
    const observation = { value: value as Observation['value'], date: row.performed_on };
    keep(observationKey(name, definition.qualifier ? row.qualifier : undefined), observation);
  }
  const modality = MODALITY_OF_TYPE[row.type];
  const status = row.derived.amyloidStatus as AmyloidStatus | undefined;
  if (modality && status && status !== AmyloidStatus.Unknown) {
    const amyloid = profile.amyloid as Record<string, { status: AmyloidStatus; date: string }>;
    if (!amyloid[modality] || amyloid[modality].date < row.performed_on)
      amyloid[modality] = { status, date: row.performed_on };
  }
}
