import { AmyloidTracer, ReferenceRegion, CENTILOID_EQUATIONS } from '../biomarkers/centiloid';
import { ConsentScope } from '../consent/consent-scope';
import { AssessmentInput, AssessmentType } from '../instruments/assessments';
import { ParticipantStatus } from '../participants/participant-status';
import { addDays, CalendarDate, daysBetween } from '../schedule/calendar';
import { PlannedVisit } from '../schedule/visit-schedule';
import { SeededRandom } from './random';

/**
 * A synthetic participant with a realistic history (shared/domain/facts.md): ages 50-85, about 30% APOE e4
 * carriers and 3% homozygous (GeneMatch, Langbaum 2019), amyloid positivity rising from about 10% at 50 to
 * 44% at 90 (Jansen, JAMA 2015) and higher with e4, Centiloids clustered low for negatives and 30-120 for
 * positives, slow cognitive decline when amyloid-positive, some missed visits, withdrawals and partial consent.
 */
export interface SyntheticParticipant {
  birthDate: CalendarDate;
  sex: 'female' | 'male';
  educationYears: number;
  apoeGenotype: string;
  familyHistory: boolean | null;
  familyHistoryOnsetAge: number | null;
  studyPartnerAvailable: boolean;
  referralSource: string;
  status: ParticipantStatus;
  statusDate: CalendarDate;
  consentScopes: ConsentScope[];
  consentSignedOn: CalendarDate;
  withdrawnOn: CalendarDate | null;
  baseline: CalendarDate;
  /** Index of each planned visit that took place (with its date and assessments). */
  visits: { plannedIndex: number; date: CalendarDate; assessments: AssessmentInput[] }[];
  amyloidPositive: boolean;
}

const APOE: readonly (readonly [string, number])[] = [
  ['e3/e3', 56],
  ['e2/e3', 11],
  ['e2/e2', 1],
  ['e3/e4', 24],
  ['e2/e4', 3],
  ['e4/e4', 3],
  ['unknown', 2],
];

const PET_EQUATIONS = CENTILOID_EQUATIONS.filter((e) => e.tracer !== AmyloidTracer.PiB);

/** Prevalence of amyloid positivity in cognitively unimpaired people by age (Jansen 2015), doubled-odds for e4. */
export function amyloidPositiveProbability(age: number, e4Alleles: number): number {
  const base = 0.1 + Math.max(0, age - 50) * (0.34 / 40);
  const odds = (base / (1 - base)) * (e4Alleles === 0 ? 1 : e4Alleles === 1 ? 2.6 : 6);
  return odds / (1 + odds);
}

export function generateParticipant(
  random: SeededRandom,
  today: CalendarDate,
  plan: (baseline: CalendarDate) => PlannedVisit[],
  historyYears: number,
): SyntheticParticipant {
  const baseline = addDays(today, -random.int(30, Math.round(historyYears * 365)));
  const ageAtBaseline = random.int(50, 85);
  const birthDate = addDays(baseline, -(ageAtBaseline * 365 + random.int(0, 364)));
  const apoeGenotype = random.weighted(APOE);
  const e4 = (apoeGenotype.match(/e4/g) ?? []).length;
  const amyloidPositive = random.chance(amyloidPositiveProbability(ageAtBaseline, e4));
  const familyHistory = random.chance(0.1) ? null : random.chance(0.3);
  const scopes = [ConsentScope.RegistryFollowUp];
  if (random.chance(0.75)) scopes.push(ConsentScope.BiomarkerSampling, ConsentScope.AmyloidResultDisclosure);
  if (random.chance(0.85)) scopes.push(ConsentScope.RecontactForTrials);
  if (random.chance(0.8)) scopes.push(ConsentScope.SponsorDataSharing);
  if (random.chance(0.3)) scopes.push(ConsentScope.ApoeDisclosure);

  const withdrawnOn = random.chance(0.03)
    ? addDays(baseline, random.int(60, Math.max(61, daysBetween(baseline, today))))
    : null;
  const lastDay = withdrawnOn && withdrawnOn < today ? withdrawnOn : today;
  const biomarkers = scopes.includes(ConsentScope.BiomarkerSampling);
  const pet = random.pick(PET_EQUATIONS);
  const baseMmse = Math.min(30, Math.round(random.normal(28.6, 1.1)));
  const baseLm = Math.max(3, Math.min(25, Math.round(random.normal(12, 3))));
  const centiloidAtBaseline = amyloidPositive ? 30 + random.next() * 90 : random.normal(2, 7);

  const visits: SyntheticParticipant['visits'] = [];
  plan(baseline).forEach((planned, plannedIndex) => {
    if (planned.windowStart > lastDay) return;
    if (plannedIndex > 0 && random.chance(0.1)) return; // missed visit
    const date = addDays(planned.targetDate, random.int(-7, 10));
    if (date > lastDay) return;
    const years = daysBetween(baseline, date) / 365;
    const decline = amyloidPositive ? 0.35 * years : 0.05 * years;
    const assessments: AssessmentInput[] = [];
    for (const type of planned.assessments) {
      const values = syntheticValues(type, random, {
        baseMmse,
        baseLm,
        decline,
        amyloidPositive,
        years,
        centiloidAtBaseline,
        pet,
        biomarkers,
      });
      if (values) assessments.push({ type, values });
    }
    visits.push({ plannedIndex, date, assessments });
  });

  return {
    birthDate,
    sex: random.chance(0.6) ? 'female' : 'male',
    educationYears: random.int(9, 20),
    apoeGenotype,
    familyHistory,
    familyHistoryOnsetAge: familyHistory ? random.int(60, 88) : null,
    studyPartnerAvailable: random.chance(0.85),
    referralSource: random.weighted([
      ['web_study', 5],
      ['iroop', 2],
      ['orange_registry', 1],
      ['site', 2],
      ['other', 1],
    ] as const),
    status: withdrawnOn
      ? ParticipantStatus.Withdrawn
      : random.chance(0.9)
        ? ParticipantStatus.Enrolled
        : ParticipantStatus.Screening,
    statusDate: withdrawnOn ?? baseline,
    consentScopes: scopes,
    consentSignedOn: addDays(baseline, -random.int(0, 14)),
    withdrawnOn,
    baseline,
    visits,
    amyloidPositive,
  };
}

interface ValueContext {
  baseMmse: number;
  baseLm: number;
  decline: number;
  amyloidPositive: boolean;
  years: number;
  centiloidAtBaseline: number;
  pet: (typeof PET_EQUATIONS)[number];
  biomarkers: boolean;
}

function syntheticValues(
  type: AssessmentType,
  random: SeededRandom,
  c: ValueContext,
): Record<string, unknown> | null {
  const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, value));
  switch (type) {
    case AssessmentType.Mmse:
      return { total: clamp(Math.round(c.baseMmse - c.decline + random.normal(0, 0.7)), 0, 30) };
    case AssessmentType.Moca:
      return { total: clamp(Math.round(c.baseMmse - 2.5 - c.decline + random.normal(0, 1)), 0, 30) };
    case AssessmentType.Cdr: {
      const memory = c.amyloidPositive && c.years > 3 && random.chance(0.15) ? 0.5 : 0;
      return {
        memory,
        orientation: 0,
        judgmentProblemSolving: memory && random.chance(0.5) ? 0.5 : 0,
        communityAffairs: 0,
        homeHobbies: 0,
        personalCare: 0,
      };
    }
    case AssessmentType.LogicalMemory:
      return { delayedRecall: clamp(Math.round(c.baseLm - c.decline * 1.5 + random.normal(0, 1.5)), 0, 25) };
    case AssessmentType.Fcsrt: {
      const total = clamp(Math.round(46 - c.decline + random.normal(0, 1.5)), 0, 48);
      return {
        freeRecall: clamp(Math.round(total * 0.7 + random.normal(0, 2)), 0, total),
        totalRecall: total,
      };
    }
    case AssessmentType.DigitSymbol:
      return { total: clamp(Math.round(random.normal(55, 10) - c.decline * 2), 0, 93) };
    case AssessmentType.Cfi:
      return {
        participant: clamp(Math.round(random.normal(2, 1.5) * 2) / 2, 0, 14),
        partner: clamp(Math.round(random.normal(1.5, 1.2) * 2) / 2, 0, 14),
      };
    case AssessmentType.Mri:
      return {
        microhaemorrhages: random.weighted([
          [0, 80],
          [1, 12],
          [2, 4],
          [3, 2],
          [5, 2],
        ] as const),
        superficialSiderosis: random.chance(0.01),
        macrohaemorrhage: random.chance(0.005),
        ariaE: false,
        infarcts: random.weighted([
          [0, 90],
          [1, 8],
          [2, 2],
        ] as const),
      };
    case AssessmentType.AmyloidPet: {
      if (!c.biomarkers) return null;
      const centiloid =
        c.centiloidAtBaseline + (c.amyloidPositive ? 4 * c.years : 0.5 * c.years) + random.normal(0, 3);
      const suvr = Math.round(((centiloid - c.pet.intercept) / c.pet.slope) * 1000) / 1000;
      return {
        tracer: c.pet.tracer,
        suvr: Math.max(0.5, suvr),
        pipeline: c.pet.pipeline,
        referenceRegion: ReferenceRegion.WholeCerebellum,
      };
    }
    case AssessmentType.Csf: {
      if (!c.biomarkers || random.chance(0.5)) return null;
      const abeta42 = Math.round(c.amyloidPositive ? random.normal(750, 150) : random.normal(1400, 250));
      const ptau = Math.round(c.amyloidPositive ? random.normal(26, 5) : random.normal(17, 3));
      return {
        platform: 'roche_elecsys',
        analytes: [
          { analyte: 'abeta42', value: Math.max(200, abeta42), unit: 'pg/mL' },
          { analyte: 'ptau181', value: Math.max(5, ptau), unit: 'pg/mL' },
        ],
      };
    }
    case AssessmentType.Plasma: {
      if (!c.biomarkers) return null;
      const result = c.amyloidPositive
        ? random.weighted([
            ['positive', 80],
            ['intermediate', 15],
            ['negative', 5],
          ] as const)
        : random.weighted([
            ['negative', 85],
            ['intermediate', 12],
            ['positive', 3],
          ] as const);
      return { platform: 'fujirebio_lumipulse', analyte: 'ptau217', result };
    }
    default:
      return null;
  }
}
