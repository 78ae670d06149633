import { AmyloidModality } from '../biomarkers/amyloid-status';
import type { Criterion } from '../eligibility/criteria';
import {
  isLeaf,
  judgeLeaf,
  Leaf,
  leafTests,
  Observation,
  Outcome,
  ParticipantProfile,
} from '../eligibility/evaluate';
import { observationKey } from '../eligibility/measures';
import { ParticipantStatus } from '../participants/participant-status';
import type { CalendarDate } from '../schedule/calendar';
import {
  AGE_BANDS,
  AMYLOID_BANDS,
  AMYLOID_MODALITIES,
  APOE_E4_CARRIAGE,
  BreakdownDimension,
  countedForSponsors,
  SEXES,
  sponsorCategoriesOf,
} from './sponsor-counting';

/**
 * The cohort as a feasibility query reads it, column by column: one entry per participant counted for
 * sponsors, each fact a leaf can read stored as a small integer into a dictionary of the distinct values
 * (birth dates, genotypes, each measure's latest value and date, the amyloid results...). A query then
 * judges each leaf once per distinct value with `judgeLeaf`, the evaluator screening uses, and spreads the
 * outcomes over the participants through the integer columns: the clinical rules stay in `judgeLeaf`, and a
 * query over a million people costs a few passes over typed arrays instead of a million evaluations.
 *
 * Which facts a leaf reads is listed here (`LEAF_FACTS`); the equivalence test against `evaluateCriteria`
 * on generated profiles fails if a leaf were judged from less than it reads.
 */

/** A fact column's distinct values; index 0 is always "absent" for facts a participant may lack. */
class Dictionary<T> {
  private readonly index = new Map<string, number>();
  readonly values: T[] = [];

  idOf(key: string, value: () => T): number {
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.index.set(key, id);
      this.values.push(value());
    }
    return id;
  }

  get size(): number {
    return this.values.length;
  }
}

/** A growable column of small integers, frozen into an Int32Array by `build`. */
class Column {
  values: number[] = [];
  constructor(fillTo = 0) {
    for (let i = 0; i < fillTo; i++) this.values.push(0);
  }
}

type AmyloidResults = ParticipantProfile['amyloid'];

/** The person-level facts, one dictionary each: what each leaf type reads of the participant row. */
const PERSON_FACTS = {
  birthDate: (p: ParticipantProfile) => p.birthDate,
  sex: (p: ParticipantProfile) => p.sex,
  educationYears: (p: ParticipantProfile) => String(p.educationYears),
  apoeGenotype: (p: ParticipantProfile) => p.apoeGenotype,
  familyHistory: (p: ParticipantProfile) => `${p.familyHistory}|${p.familyHistoryOnsetAge}`,
  studyPartnerAvailable: (p: ParticipantProfile) => String(p.studyPartnerAvailable),
  consentScopes: (p: ParticipantProfile) => [...p.consentScopes].sort().join(','),
  // Whether someone is in another trial reads the status and the commitments together.
  commitments: (p: ParticipantProfile) => `${p.status}|${[...p.trialCommitments].sort().join(',')}`,
  status: (p: ParticipantProfile) => p.status,
} as const;
type PersonFact = keyof typeof PERSON_FACTS;

/** What a leaf reads: person facts, a measure's observation, the amyloid results, and the day judged on. */
interface LeafFacts {
  person: PersonFact[];
  observation?: string;
  amyloid?: boolean;
  day: boolean;
}

function leafFacts(leaf: Leaf): LeafFacts {
  switch (leaf.type) {
    case 'age':
      return { person: ['birthDate'], day: true };
    case 'sex':
      return { person: ['sex'], day: false };
    case 'education_years':
      return { person: ['educationYears'], day: false };
    case 'apoe_e4_alleles':
      return { person: ['apoeGenotype'], day: false };
    case 'family_history':
      return { person: ['familyHistory'], day: false };
    case 'study_partner':
      return { person: ['studyPartnerAvailable'], day: false };
    case 'status':
      return { person: ['status'], day: false };
    case 'consent':
      return { person: ['consentScopes'], day: false };
    case 'not_in_other_trial':
      return { person: ['commitments'], day: false };
    case 'measure':
      return {
        person: [],
        observation: observationKey(leaf.measure, leaf.qualifier),
        day: leaf.maxAgeDays !== undefined,
      };
    case 'amyloid':
      return { person: [], amyloid: true, day: leaf.maxAgeDays !== undefined };
  }
}

// Category positions, fixed for every projection (the site's are the projection's own site codes).
const position = (list: readonly string[]) => new Map(list.map((value, i) => [value, i]));
const CATEGORY_POSITION: Record<Exclude<BreakdownDimension, 'site'>, Map<string, number>> = {
  ageBand: position(AGE_BANDS),
  sex: position(SEXES),
  apoeE4: position(APOE_E4_CARRIAGE),
  amyloidBand: position(AMYLOID_BANDS),
  amyloidModality: position(AMYLOID_MODALITIES),
};
export const CATEGORY_DIMENSIONS = [
  'site',
  'ageBand',
  'sex',
  'apoeE4',
  'amyloidBand',
  'amyloidModality',
] as const;

/** Reads participants one at a time (as the cohort walk hands them out) into a `CohortProjection`. */
export class CohortProjectionBuilder {
  private size = 0;
  private readonly siteCodes = new Dictionary<string>();
  private readonly days = new Dictionary<CalendarDate>();
  private readonly person = Object.fromEntries(
    Object.keys(PERSON_FACTS).map((fact) => [
      fact,
      { dictionary: new Dictionary<null>(), column: new Column() },
    ]),
  ) as Record<PersonFact, { dictionary: Dictionary<null>; column: Column }>;
  private readonly observations = new Map<
    string,
    { dictionary: Dictionary<Observation | null>; column: Column }
  >();
  private readonly amyloid = { dictionary: new Dictionary<AmyloidResults>(), column: new Column() };
  private readonly day = new Column();
  private readonly categories = Object.fromEntries(
    CATEGORY_DIMENSIONS.map((d) => [d, new Column()]),
  ) as Record<BreakdownDimension, Column>;
  /** A profile per person-fact value, to fill the blank profile a leaf is judged on. */
  private readonly representatives: Record<PersonFact, ParticipantProfile[]> = Object.fromEntries(
    Object.keys(PERSON_FACTS).map((fact) => [fact, []]),
  ) as unknown as Record<PersonFact, ParticipantProfile[]>;

  /** `siteCodes`: sites to list in breakdowns even if no one there is counted. */
  constructor(siteCodes: readonly string[] = []) {
    for (const code of siteCodes) this.siteCodes.idOf(code, () => code);
  }

  /** Adds a participant judged on `asOf` at the site `siteCode`, if they may be counted for sponsors at all. */
  add(profile: ParticipantProfile, siteCode: string, asOf: CalendarDate): void {
    if (!countedForSponsors(profile)) return;
    for (const fact of Object.keys(PERSON_FACTS) as PersonFact[]) {
      const { dictionary, column } = this.person[fact];
      const before = dictionary.size;
      column.values.push(dictionary.idOf(PERSON_FACTS[fact](profile), () => null));
      if (dictionary.size > before) this.representatives[fact].push(personOnly(profile));
    }
    for (const [key, observation] of Object.entries(profile.observations)) {
      let facts = this.observations.get(key);
      if (!facts) {
        facts = { dictionary: new Dictionary<Observation | null>(), column: new Column(this.size) };
        facts.dictionary.idOf('', () => null); // 0: no observation
        this.observations.set(key, facts);
      }
      facts.column.values.push(
        facts.dictionary.idOf(`${JSON.stringify(observation.value)}|${observation.date}`, () => observation),
      );
    }
    for (const facts of this.observations.values())
      if (facts.column.values.length === this.size) facts.column.values.push(0);
    this.amyloid.column.values.push(
      this.amyloid.dictionary.idOf(amyloidKey(profile.amyloid), () => profile.amyloid),
    );
    this.day.values.push(this.days.idOf(asOf, () => asOf));
    const categories = sponsorCategoriesOf(profile, siteCode, asOf);
    this.categories.site.values.push(this.siteCodes.idOf(siteCode, () => siteCode));
    for (const dimension of CATEGORY_DIMENSIONS)
      if (dimension !== 'site')
        this.categories[dimension].values.push(CATEGORY_POSITION[dimension].get(categories[dimension])!);
    this.size += 1;
  }

  build(): CohortProjection {
    const frozen = (column: Column) => Int32Array.from(column.values);
    // Site codes in alphabetical order, as a pool lists its sites.
    const siteCodes = [...this.siteCodes.values].sort();
    const sitePosition = this.siteCodes.values.map((code) => siteCodes.indexOf(code));
    this.categories.site.values = this.categories.site.values.map((id) => sitePosition[id]);
    return new CohortProjection({
      size: this.size,
      siteCodes,
      days: [...this.days.values],
      day: frozen(this.day),
      person: Object.fromEntries(
        (Object.keys(PERSON_FACTS) as PersonFact[]).map((fact) => [
          fact,
          { column: frozen(this.person[fact].column), representatives: this.representatives[fact] },
        ]),
      ) as CohortProjectionData['person'],
      observations: new Map(
        [...this.observations].map(([key, { dictionary, column }]) => [
          key,
          { column: frozen(column), values: dictionary.values },
        ]),
      ),
      amyloid: { column: frozen(this.amyloid.column), values: this.amyloid.dictionary.values },
      categories: Object.fromEntries(
        CATEGORY_DIMENSIONS.map((dimension) => [dimension, frozen(this.categories[dimension])]),
      ) as Record<BreakdownDimension, Int32Array>,
    });
  }
}

/** The person-level part of a profile (no observations or amyloid results): what representatives keep. */
function personOnly(profile: ParticipantProfile): ParticipantProfile {
  return { ...profile, observations: {}, amyloid: {} };
}

function amyloidKey(amyloid: AmyloidResults): string {
  return Object.values(AmyloidModality)
    .map((modality) => {
      const result = amyloid[modality];
      return result ? `${result.status}|${result.date}` : '-';
    })
    .join(';');
}

interface CohortProjectionData {
  size: number;
  siteCodes: string[];
  days: CalendarDate[];
  day: Int32Array;
  person: Record<PersonFact, { column: Int32Array; representatives: ParticipantProfile[] }>;
  observations: Map<string, { column: Int32Array; values: (Observation | null)[] }>;
  amyloid: { column: Int32Array; values: AmyloidResults[] };
  categories: Record<BreakdownDimension, Int32Array>;
}

/**
 * Outcomes as bytes, ordered so that Kleene's logic is arithmetic: `all` is the largest of its parts (a
 * failing part decides, else an unknown one), `any` the smallest (a passing part decides), `not` is 2 - x.
 */
export const PASS = 0;
export const UNKNOWN = 1;
export const FAIL = 2;
const CODE: Record<Outcome, number> = { pass: PASS, fail: FAIL, unknown: UNKNOWN };

/** See CohortProjectionBuilder. Immutable once built; one serves any number of queries. */
export class CohortProjection {
  constructor(private readonly data: CohortProjectionData) {}

  /** Participants counted for sponsors. */
  get size(): number {
    return this.data.size;
  }

  /** The site codes, in the order of the site column's values. */
  get siteCodes(): readonly string[] {
    return this.data.siteCodes;
  }

  /** Each participant's category of a breakdown dimension, as its position in the dimension's list. */
  categories(dimension: BreakdownDimension): Int32Array {
    return this.data.categories[dimension];
  }

  /**
   * Each participant's outcome of a leaf (PASS, FAIL, UNKNOWN), judged by `judgeLeaf` once per distinct
   * combination of what the leaf reads and the day it is judged on.
   */
  leafOutcomes(leaf: Leaf): Uint8Array {
    const reads = leafFacts(leaf);
    const { size, days, day } = this.data;
    const fact = this.factColumn(reads);
    const dayCount = reads.day ? days.length : 1;
    const table = new Int8Array(fact.distinct * dayCount).fill(-1);
    const outcomes = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const cell = reads.day ? fact.column[i] * dayCount + day[i] : fact.column[i];
      let outcome = table[cell];
      if (outcome < 0) {
        const asOf = days[reads.day ? day[i] : 0] ?? '1970-01-01';
        outcome = table[cell] = CODE[judgeLeaf(leaf, fact.profileOf(fact.column[i]), { asOf }).outcome];
      }
      outcomes[i] = outcome;
    }
    return outcomes;
  }

  /** The one column a leaf's facts come down to, with a profile carrying each of its values. */
  private factColumn(reads: LeafFacts): {
    column: Int32Array;
    distinct: number;
    profileOf: (id: number) => ParticipantProfile;
  } {
    // One mutable profile per leaf, its facts laid on before each judgement: judgeLeaf keeps nothing of it,
    // and a leaf whose facts are near-unique per person (amyloid results with their dates) is judged about
    // once per participant, so allocating a profile each time would cost more than the judgement.
    const scratch: { -readonly [K in keyof ParticipantProfile]: ParticipantProfile[K] } = {
      ...BLANK_PROFILE,
    };
    if (reads.observation !== undefined) {
      const key = reads.observation;
      const observations = this.data.observations.get(key);
      if (!observations)
        return { column: new Int32Array(this.data.size), distinct: 1, profileOf: () => BLANK_PROFILE };
      const none = {};
      return {
        column: observations.column,
        distinct: observations.values.length,
        profileOf: (id) => {
          const observation = observations.values[id];
          scratch.observations = observation ? { [key]: observation } : none;
          return scratch;
        },
      };
    }
    if (reads.amyloid) {
      const { column, values } = this.data.amyloid;
      return {
        column,
        distinct: values.length,
        profileOf: (id) => {
          scratch.amyloid = values[id];
          return scratch;
        },
      };
    }
    if (reads.person.length !== 1) throw new Error('a leaf reads one person fact');
    const { column, representatives } = this.data.person[reads.person[0]];
    return { column, distinct: representatives.length, profileOf: (id) => representatives[id] };
  }
}

/** A profile with nothing known: the base a leaf's facts are laid on (no leaf reads beyond its facts). */
const BLANK_PROFILE: ParticipantProfile = Object.freeze({
  participantId: '',
  birthDate: '1900-01-01',
  sex: 'not_stated',
  educationYears: 0,
  apoeGenotype: 'unknown',
  familyHistory: null,
  familyHistoryOnsetAge: null,
  studyPartnerAvailable: false,
  status: ParticipantStatus.Registered,
  consentScopes: [],
  trialCommitments: [],
  observations: {},
  amyloid: {},
});

/** Kleene's three-valued logic over columns, as evaluateCriteria combines one participant's leaves. */
export function combineOutcomes(kind: 'all' | 'any', parts: readonly Uint8Array[], size: number): Uint8Array {
  const result = new Uint8Array(size).fill(kind === 'all' ? PASS : FAIL);
  for (const part of parts)
    if (kind === 'all') for (let i = 0; i < size; i++) result[i] = part[i] > result[i] ? part[i] : result[i];
    else for (let i = 0; i < size; i++) result[i] = part[i] < result[i] ? part[i] : result[i];
  return result;
}

export function negateOutcomes(part: Uint8Array): Uint8Array {
  const result = new Uint8Array(part.length);
  for (let i = 0; i < part.length; i++) result[i] = FAIL - part[i];
  return result;
}

/** A criteria node judged over the projection: its outcomes, and its children's for combinators. */
export interface JudgedNode {
  node: Criterion;
  path: string;
  outcomes: Uint8Array;
  children: JudgedNode[];
  /** Leaves: the tests that would decide it when unknown (`leafTests`). */
  tests: readonly string[];
  /** The tests of the leaves under it (itself, for a leaf), one bit each (`testBit`). */
  testsUnder: number;
}

// Tests (assessment types and the like, a few dozen at most) as bits, so that "does this subtree hold a
// leaf the test decides" is one AND in the one-test-away search.
const TEST_BITS = new Map<string, number>();
export function testBit(test: string): number {
  let bit = TEST_BITS.get(test);
  if (bit === undefined) {
    if (TEST_BITS.size >= 31) throw new Error('more than 31 distinct tests in criteria');
    TEST_BITS.set(test, (bit = 1 << TEST_BITS.size));
  }
  return bit;
}

/**
 * Judges criteria over the projection, node by node, with paths as explanations give them. Leaf outcomes
 * are kept in `leafOutcomes` (by leaf object) so that later passes over the same criteria reuse them.
 */
export function judgeOverProjection(
  criteria: Criterion,
  projection: CohortProjection,
  path = '$.criteria',
  leafOutcomes = new Map<Criterion, Uint8Array>(),
): JudgedNode {
  const size = projection.size;
  if (isLeaf(criteria)) {
    let outcomes = leafOutcomes.get(criteria);
    if (!outcomes) leafOutcomes.set(criteria, (outcomes = projection.leafOutcomes(criteria)));
    const tests = leafTests(criteria) ?? [];
    const testsUnder = tests.reduce((mask, test) => mask | testBit(test), 0);
    return { node: criteria, path, outcomes, children: [], tests, testsUnder };
  }
  if (criteria.type === 'not') {
    const child = judgeOverProjection(criteria.of, projection, `${path}.of`, leafOutcomes);
    return {
      node: criteria,
      path,
      outcomes: negateOutcomes(child.outcomes),
      children: [child],
      tests: [],
      testsUnder: child.testsUnder,
    };
  }
  const children = criteria.of.map((child, i) =>
    judgeOverProjection(child, projection, `${path}.of[${i}]`, leafOutcomes),
  );
  return {
    node: criteria,
    path,
    outcomes: combine(criteria.type, children, size),
    children,
    tests: [],
    testsUnder: children.reduce((mask, child) => mask | child.testsUnder, 0),
  };
}

/**
 * One participant's outcome of a judged node if every unknown leaf that `test` could decide passed (the
 * one-test-away question, as `evaluateCriteria` asks it), the test given by its `testBit`: subtrees without
 * such a leaf keep their outcome.
 */
export function outcomeAssumingPassed(node: JudgedNode, test: number, i: number): number {
  if ((node.testsUnder & test) === 0) return node.outcomes[i];
  if (node.children.length === 0) return node.outcomes[i] === UNKNOWN ? PASS : node.outcomes[i];
  if (node.node.type === 'not') return FAIL - outcomeAssumingPassed(node.children[0], test, i);
  // With the coding above, `all` is the largest of its parts and `any` the smallest; each stops at its
  // decisive value.
  const all = node.node.type === 'all';
  let result = all ? PASS : FAIL;
  for (const child of node.children) {
    const outcome = outcomeAssumingPassed(child, test, i);
    if (all ? outcome === FAIL : outcome === PASS) return outcome;
    if (all ? outcome > result : outcome < result) result = outcome;
  }
  return result;
}

function combine(kind: 'all' | 'any', children: readonly JudgedNode[], size: number): Uint8Array {
  return combineOutcomes(
    kind,
    children.map((child) => child.outcomes),
    size,
  );
}
