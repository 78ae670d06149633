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
  participant_id: string;
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

/**
 * Everything screening needs about some participants on a day, in two or three queries whatever their
 * number: the participant rows with the consent scopes held that day, and the latest assessment of each type
 * and qualifier (tracer, platform, analyte) up to that day, from which each measure's latest value is read.
 */
export async function loadProfiles(
  manager: EntityManager,
  participantIds: string[],
  asOf: CalendarDate,
  options: {
    /** Load only these assessment types (those the trials at hand read); default: every type. */
    assessmentTypes?: readonly string[];
  } = {},
): Promise<Map<string, LoadedProfile>> {
  const types = options.assessmentTypes ?? null;
  const profiles = new Map<string, LoadedProfile>();
  if (participantIds.length === 0) return profiles;
  // With the consent scopes held that day: signed by then and not withdrawn by then.
  const participants = await manager.query<ParticipantRow[]>(
    `SELECT p.id, p.site_id, p.birth_date::text, p.sex, p.education_years, p.apoe_genotype, p.family_history,
            p.family_history_onset_age, p.study_partner_available, p.status,
            ARRAY(SELECT DISTINCT s.scope
                    FROM participant_consent pc CROSS JOIN LATERAL unnest(pc.scopes) AS s(scope)
                   WHERE pc.participant_id = p.id AND pc.signed_on <= $2
                     AND NOT EXISTS (SELECT 1 FROM consent_withdrawal w
                                      WHERE w.participant_consent_id = pc.id AND w.scope = s.scope
                                        AND w.withdrawn_on <= $2)) AS consent_scopes
       FROM participant p WHERE p.id = ANY($1::text[])`,
    [participantIds, asOf],
  );
  // The latest assessments are kept per participant by a trigger; only a look into the past (an as-of day
  // before some participant's latest result) needs the history, and then only for those participants.
  // One JSON array per participant rather than a row per assessment: a cohort re-screen reads millions of
  // them, and parsing one document costs this process far less than parsing ten rows.
  const latest = await manager.query<{ participant_id: string; assessments: LatestAssessment[] }[]>(
    `SELECT participant_id, json_agg(json_build_array(type, qualifier, performed_on, values, derived)) AS assessments
       FROM participant_latest_assessment
      WHERE participant_id = ANY($1::text[]) AND ($2::text[] IS NULL OR type = ANY($2::text[]))
      GROUP BY participant_id`,
    [participantIds, types],
  );
  const assessments: AssessmentRow[] = [];
  const needHistory: string[] = [];
  for (const { participant_id, assessments: rows } of latest) {
    if (rows.some(([, , performedOn]) => performedOn > asOf)) {
      needHistory.push(participant_id);
      continue;
    }
    for (const [type, qualifier, performed_on, values, derived] of rows)
      assessments.push({ participant_id, type, qualifier, performed_on, values, derived });
  }
  if (needHistory.length > 0) {
    assessments.push(
      ...(await manager.query<AssessmentRow[]>(
        `SELECT DISTINCT ON (participant_id, type, qualifier) participant_id, type, qualifier, performed_on::text, values, derived
           FROM (SELECT a.*, assessment_qualifier(a.type, a.values) AS qualifier
                   FROM assessment a WHERE a.participant_id = ANY($1::text[]) AND a.performed_on <= $2
                    AND ($3::text[] IS NULL OR a.type = ANY($3::text[]))) upto
          ORDER BY participant_id, type, qualifier, performed_on DESC, created_at DESC`,
        [needHistory, asOf, types],
      )),
    );
  }

  for (const row of participants) {
    profiles.set(row.id, {
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
    });
  }
  for (const row of assessments) {
    const loaded = profiles.get(row.participant_id);
    if (loaded) addAssessment(loaded.profile, row);
  }
  return profiles;
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
