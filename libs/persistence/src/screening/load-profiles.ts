import {
  addAssessmentToProfile,
  CalendarDate,
  ConsentGrant,
  ConsentScope,
  FlagKind,
  ParticipantProfile,
  NEVER_CHANGES_WITH_TIME,
  ParticipantStatus,
  scopesHeld,
  StoredTimeChangeDay,
  StoredVerdict,
} from '@registry/domain';
import type { EntityManager } from 'typeorm';
import { jsonArrayText, JsonTextMember, jsonObjectText } from './json-text';

/**
 * A participant as read for screening: one record of the batch document of `queryParticipants`, split in
 * two. The header (`ParticipantHeader`) is read when the batch arrives: it places and dates the participant.
 * The body (`ParticipantBody`) is parsed only when the participant is judged, so that its many small objects
 * die young instead of living as long as the whole batch (parsing a batch at once, and collecting what
 * survived, was 45 % of the worker's CPU in a profile of re-screens at 100,000; docs/PERFORMANCE.md).
 */
interface ParticipantHeader {
  id: string;
  site: string;
  /** The day of the latest assessment, from participant_screening_facts. */
  latestOn: CalendarDate | null;
}

interface ParticipantEntry extends ParticipantHeader {
  /** The body's JSON text (see `parseBody`). */
  body: string;
}

/**
 * The rest of a participant (`queryParticipants`, whose `jsonObjectText` names the keys). Keys are
 * short: a re-screen parses a million of them.
 */
interface ParticipantBody {
  birth: CalendarDate;
  sex: string;
  /** Years of education. */
  edu: number;
  apoe: string;
  /** Family history of dementia, and the relative's age at onset. */
  fh: boolean | null;
  onset: number | null;
  /** A study partner is available. */
  partner: boolean;
  status: ParticipantStatus;
  /** From participant_screening_facts; null for a participant with neither an assessment nor a consent. */
  latest: LatestAssessment[] | null;
  consents: ConsentDocument[] | null;
  /** For the trials asked for; null where none is stored; absent when no trials were asked for. */
  stored?: StoredDetermination[] | null;
  /**
   * The positions of the trials asked for whose determination was stored before explanations were kept
   * (none, null, once every row has one); absent when no trials were asked for.
   */
  unexplained?: number[] | null;
  /** Open flags for the trials asked for, as [trial position, kind]; null where there is none; absent as above. */
  flags?: [position: number, kind: FlagKind][] | null;
  /** The trials the participant was randomised into (trial_commitment); null where there is none. */
  commitments: string[] | null;
}

/**
 * Separators of the batch document: between participants, and between a participant's header and body.
 * Neither can occur in JSON text: a raw control character is not allowed inside a string, and outside
 * strings only space, tab, line feed and carriage return are (RFC 8259, sections 2 and 7). PostgreSQL
 * escapes control characters in the JSON it builds, and a `json` column holds only valid JSON.
 */
const PARTICIPANT_SEPARATOR = 0x1e;
const BODY_SEPARATOR = 0x1f;

/**
 * The participants of a batch from the document of `queryParticipants`, each with its header parsed and
 * its body kept as text. The driver cannot type the document, so the shape is checked here, cheaply (the
 * keys every use relies on), rather than trusted.
 */
function decodeParticipantRows(document: string | null): ParticipantEntry[] {
  if (document === null) return [];
  return document.split(String.fromCharCode(PARTICIPANT_SEPARATOR)).map((record) => {
    const bodyStart = record.indexOf(String.fromCharCode(BODY_SEPARATOR));
    const header: unknown = bodyStart < 0 ? null : JSON.parse(record.slice(0, bodyStart));
    if (!Array.isArray(header) || typeof header[0] !== 'string' || typeof header[1] !== 'string')
      throw new Error('screening batch: a participant record without a header of id and site');
    const [id, site, latestOn] = header as [string, string, CalendarDate | null];
    return { id, site, latestOn, body: record.slice(bodyStart + 1) };
  });
}

/** A participant's body, parsed (see `ParticipantEntry`), checked like the header. */
function parseBody(entry: ParticipantEntry): ParticipantBody {
  const body = JSON.parse(entry.body) as Partial<ParticipantBody> | null;
  if (typeof body?.birth !== 'string') throw new Error('screening batch: a participant without birth date');
  return body as ParticipantBody;
}

interface AssessmentRow {
  type: string;
  qualifier: string;
  performed_on: string;
  values: Record<string, unknown>;
  derived: Record<string, unknown>;
}

/**
 * A participant_latest_assessment row as JSON: type, qualifier, performed on, values, derived; values and
 * derived with only the fields a profile is built from (migration ScreeningFactsReadFields).
 */
type LatestAssessment = [string, string, CalendarDate, Record<string, unknown>, Record<string, unknown>];

/** A consent as JSON: signed on, scopes, [[scope, withdrawn on], ...]. */
type ConsentDocument = [CalendarDate, ConsentScope[], [ConsentScope, CalendarDate][]];

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
 * object of each was about 5 % of what it allocated. Every element is read from the primary key, which
 * includes them, so that the heap is not visited (migration DeterminationCoveringKey). The explanation
 * itself is not read; whether there is one is read apart (`ParticipantBody.unexplained`).
 *
 * The time-change day is read only when it is not later than the latest day the batch is judged on (a
 * cohort batch), or always (participants read by id, whose data may have changed): a re-screen in which
 * nothing changed has no use for a day still to come, and most stored days are.
 */
type StoredDetermination = readonly [
  position: number,
  criteriaVersion: number,
  result: string,
  oneTestAway: string | null,
  changesWithTimeOn?: StoredTimeChangeDay,
];

/**
 * A profile with what screening needs to tell what changed: stored determinations and open flags, each by
 * the index of the trial in the `trialIds` asked for.
 */
export interface ScreeningSubject {
  readonly profile: ParticipantProfile;
  /** Writes what is stored for the trial into `into` (no object per row); false when nothing is stored. */
  stored(trialIndex: number, into: StoredVerdict): boolean;
  /** The kinds of the open flags for the trial. */
  openFlags(trialIndex: number): readonly FlagKind[];
}

/** The one place a stored determination as read (see StoredDetermination) is decoded. */
class LoadedSubject implements ScreeningSubject {
  constructor(
    readonly profile: ParticipantProfile,
    private readonly determinations: readonly (StoredDetermination | undefined)[],
    private readonly flags: readonly (readonly FlagKind[] | undefined)[],
    /** 1-based trial positions, as read. */
    private readonly unexplained: readonly number[],
  ) {}

  stored(trialIndex: number, into: StoredVerdict): boolean {
    const stored = this.determinations[trialIndex];
    if (!stored) return false;
    [, into.criteriaVersion, into.result, into.oneTestAway] = stored;
    // Not read: later than any day the batch is judged on, which is all the policy needs to know then.
    into.changesWithTimeOn = stored[4] ?? NEVER_CHANGES_WITH_TIME;
    into.explained = !this.unexplained.includes(trialIndex + 1);
    return true;
  }

  openFlags(trialIndex: number): readonly FlagKind[] {
    return this.flags[trialIndex] ?? NOTHING;
  }
}

/**
 * One participant of a screening batch as read from the database. `read()` parses what was read of them and
 * builds the profile, afresh on each call: a batch's screening reads each participant once, right before
 * evaluating them, so the many small objects of a profile die young instead of living as long as the whole
 * batch.
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
  if (participantIds.length === 0) return new Map();
  const wanted = wantedTypes(options);
  const loaded = await queryParticipants(manager, { ids: participantIds }, () => asOf, null, null, options);
  return new Map(
    loaded.map(({ entry, history }) => [
      entry.id,
      { siteId: entry.site, profile: buildProfile(entry, parseBody(entry), asOf, history, wanted) },
    ]),
  );
}

/**
 * loadProfiles for screening: each participant on their own day, in the order asked, with their stored
 * determinations and open flags for the given trials, indexed like `trialIds`. One statement, and a second
 * only for participants looked at on a day before their latest result.
 */
export async function loadScreeningInputs(
  manager: EntityManager,
  requests: ProfileRequest[],
  trialIds: readonly string[],
  options: LoadOptions = {},
): Promise<ScreeningInput[]> {
  if (requests.length === 0) return [];
  const asOfById = new Map(requests.map((r) => [r.participantId, r.asOf]));
  const loaded = await queryParticipants(
    manager,
    { ids: requests.map((r) => r.participantId) },
    (entry) => asOfById.get(entry.id)!,
    trialIds,
    NEVER_CHANGES_WITH_TIME,
    options,
  );
  const wanted = wantedTypes(options);
  const byId = new Map(loaded.map((participant) => [participant.entry.id, participant]));
  return requests.flatMap((r) => {
    const participant = byId.get(r.participantId);
    return participant ? [screeningInput(participant, wanted)] : [];
  });
}

/**
 * The next participants of some sites in participant id order, after `after` (null: from the first) and
 * through `through` (a partition's last id; null or absent: to the last).
 */
export interface CohortSlice {
  siteIds: readonly string[];
  after: string | null;
  limit: number;
  through?: string | null;
  /**
   * Only participants with a determination for one of these trials whose time-change day is on or before
   * `onOrBefore` (a site's daily re-screen: those whom time may have changed); absent: everyone.
   */
  due?: DueFilter;
}

/** See `CohortSlice.due`. */
export interface DueFilter {
  trialIds: readonly string[];
  onOrBefore: CalendarDate;
}

/**
 * loadScreeningInputs for a cohort walk: the next `limit` participants of the sites after `after`, in
 * participant id order, each on the day `asOfAtSite` gives for their site. The participants are chosen by
 * the same statement that reads them, so a batch costs PostgreSQL one round trip.
 */
export async function loadCohortScreeningInputs(
  manager: EntityManager,
  slice: CohortSlice,
  asOfAtSite: (siteId: string) => CalendarDate,
  trialIds: readonly string[],
  options: LoadOptions = {},
): Promise<ScreeningInput[]> {
  const wanted = wantedTypes(options);
  const latestDay = slice.siteIds
    .map(asOfAtSite)
    .reduce<CalendarDate | null>((latest, day) => (latest === null || day > latest ? day : latest), null);
  const loaded = await queryParticipants(
    manager,
    slice,
    (entry) => asOfAtSite(entry.site),
    trialIds,
    latestDay ?? NEVER_CHANGES_WITH_TIME,
    options,
  );
  return loaded.map((participant) => screeningInput(participant, wanted));
}

/**
 * The participants of a cohort slice (id and site) and nothing else: for a batch that will be locked and
 * read before it is judged, where reading everything ahead would be wasted.
 */
export function chooseCohortParticipants(
  manager: EntityManager,
  slice: CohortSlice,
): Promise<{ participantId: string; siteId: string }[]> {
  return manager.query(
    `SELECT p.id AS "participantId", p.site_id AS "siteId" FROM (${cohortSliceQuery(1, slice)}) p ORDER BY p.id`,
    cohortSliceParameters(slice),
  );
}

/**
 * The participant rows of a cohort slice, its parameters (`cohortSliceParameters`) numbered from `first`.
 * The due filter is a semi-join of its own, not an `OR` beside a null parameter, so that the planner starts
 * from the determinations due (the `changes_with_time_on` index) instead of walking every participant of
 * the site to probe each one.
 */
function cohortSliceQuery(first: number, slice: CohortSlice): string {
  const [after, limit, through] = [3, 4, 5].map((n) => `$${first + n}`);
  return `SELECT * FROM participant WHERE ${cohortWhere(first, slice)}
            AND (${after}::text IS NULL OR id > ${after}) AND (${through}::text IS NULL OR id <= ${through})
          ORDER BY id LIMIT ${limit}`;
}

/**
 * Which participants a cohort walk takes, whatever the range: the sites' (and with `due`, only those due);
 * its parameters, `cohortWhereParameters`, numbered from `first` (three of them, the last two null when
 * there is no due filter).
 */
function cohortWhere(first: number, walked: Pick<CohortSlice, 'siteIds' | 'due'>): string {
  const [sites, dueTrials, dueDay] = [0, 1, 2].map((n) => `$${first + n}`);
  const due = walked.due
    ? `AND id IN (SELECT d.participant_id FROM eligibility_determination d
                   WHERE d.changes_with_time_on <= ${dueDay}::date AND d.trial_id = ANY(${dueTrials}::uuid[]))`
    : `AND ${dueTrials}::uuid[] IS NULL AND ${dueDay}::date IS NULL`;
  return `site_id = ANY(${sites}::uuid[]) ${due}`;
}

function cohortWhereParameters(walked: Pick<CohortSlice, 'siteIds' | 'due'>): unknown[] {
  return [walked.siteIds, walked.due?.trialIds ?? null, walked.due?.onOrBefore ?? null];
}

function cohortSliceParameters(slice: CohortSlice): unknown[] {
  return [...cohortWhereParameters(slice), slice.after, slice.limit, slice.through ?? null];
}

/**
 * Where to split the participants a cohort walk takes (the sites', only those due with `due`) into `parts`
 * ranges of about the same number of people, in participant id order: the last id of each range, lowest
 * first. Fewer when there are fewer participants than parts; none when there are none. One statement, over
 * the participant index of the sites.
 */
export async function cohortPartitionBounds(
  manager: EntityManager,
  walked: Pick<CohortSlice, 'siteIds' | 'due'>,
  parts: number,
): Promise<string[]> {
  const rows = await manager.query<{ through: string }[]>(
    `SELECT max(id) AS through
       FROM (SELECT id, ntile($4::int) OVER (ORDER BY id) AS part FROM participant WHERE ${cohortWhere(1, walked)}) p
      GROUP BY part ORDER BY part`,
    [...cohortWhereParameters(walked), parts],
  );
  return rows.map((row) => row.through);
}

function screeningInput(
  { entry, asOf, history }: QueriedParticipant,
  wanted: ReadonlySet<string> | null,
): ScreeningInput {
  return {
    participantId: entry.id,
    siteId: entry.site,
    asOf,
    read: () => {
      const body = parseBody(entry);
      return new LoadedSubject(
        buildProfile(entry, body, asOf, history, wanted),
        byTrialPosition(body.stored ?? null),
        openFlagsByTrialPosition(body.flags ?? null),
        body.unexplained ?? NOTHING,
      );
    },
  };
}

/** Stored determinations by trial index. */
function byTrialPosition(
  determinations: StoredDetermination[] | null,
): readonly (StoredDetermination | undefined)[] {
  if (determinations === null) return NOTHING;
  const byTrial: StoredDetermination[] = [];
  for (const determination of determinations) byTrial[determination[0] - 1] = determination;
  return byTrial;
}

/** Kinds of the open flags by trial index. */
function openFlagsByTrialPosition(
  flags: [position: number, kind: FlagKind][] | null,
): readonly (readonly FlagKind[] | undefined)[] {
  if (flags === null) return NOTHING;
  const byTrial: FlagKind[][] = [];
  for (const [position, kind] of flags) (byTrial[position - 1] ??= []).push(kind);
  return byTrial;
}

/** A participant read, with the day they are judged on and, for a look into the past, their history. */
interface QueriedParticipant {
  entry: ParticipantEntry;
  asOf: CalendarDate;
  history: AssessmentRow[] | undefined;
}

/**
 * The participants chosen (by id, or the next of a cohort slice) that exist, in participant id order, each
 * with the history rows to build their profile from when they are looked at on a day before some latest
 * result.
 *
 * The whole batch is one document, one row: for each participant a JSON header (id, site, latest day) and a
 * JSON body, the participant row with its screening facts (latest assessments and consents, kept by
 * triggers, embedded as stored) and, given trials, the stored determinations and open flags for them, read
 * through the primary key and the open-flag index (see `ParticipantHeader` and the separators). Splitting one
 * document is much cheaper for this process than the driver's row-by-row, column-by-column parse of a
 * thousand participant rows and their determination and flag rows. The JSON is joined as text
 * (`json-text.ts`), which costs PostgreSQL less than building it with `json_build_object` and `json_agg`
 * (the figures are in docs/PERFORMANCE.md).
 */
async function queryParticipants(
  manager: EntityManager,
  chosen: { ids: readonly string[] } | CohortSlice,
  asOfOf: (entry: ParticipantHeader) => CalendarDate,
  trialIds: readonly string[] | null,
  daysReadUpTo: StoredTimeChangeDay | null,
  options: LoadOptions,
): Promise<QueriedParticipant[]> {
  // With trials, $1 is their ids, $2 the latest time-change day read (see StoredDetermination), and the
  // choice of participants takes the parameters after them.
  const first = trialIds ? 3 : 1;
  const [choice, choiceParameters] =
    'ids' in chosen
      ? [`SELECT * FROM participant WHERE id = ANY($${first}::text[])`, [chosen.ids]]
      : [cohortSliceQuery(first, chosen), cohortSliceParameters(chosen)];
  // A walk of whole sites takes participants next to each other in id order; the rest may be far apart.
  const reads =
    'ids' in chosen || chosen.due
      ? readEach(participantParts(trialIds))
      : readRange(participantParts(trialIds));
  const header = jsonArrayText(['p.id', 'p.site_id', 'f.latest_performed_on']);
  const body = jsonObjectText([
    ['birth', 'p.birth_date'],
    ['sex', 'p.sex'],
    ['edu', 'p.education_years'],
    ['apoe', 'p.apoe_genotype'],
    ['fh', 'p.family_history'],
    ['onset', 'p.family_history_onset_age'],
    ['partner', 'p.study_partner_available'],
    ['status', 'p.status'],
    ['latest', { json: 'f.latest_assessments' }],
    ['consents', { json: 'f.consents' }],
    ...reads.members,
  ]);
  const [{ participants }] = await manager.query<{ participants: string | null }[]>(
    `WITH p AS MATERIALIZED (${choice})
     SELECT string_agg(${header} || chr(${BODY_SEPARATOR}) || ${body}, chr(${PARTICIPANT_SEPARATOR}) ORDER BY p.id)
              AS participants
       FROM p LEFT JOIN participant_screening_facts f ON f.participant_id = p.id ${reads.joins}`,
    trialIds ? [trialIds, daysReadUpTo, ...choiceParameters] : choiceParameters,
  );
  const entries = decodeParticipantRows(participants);
  const found = entries.map((entry) => ({ entry, asOf: asOfOf(entry) }));

  // Only a look into the past (a day before some latest result) needs the history, and only for those.
  const fromHistory = await latestFromHistory(
    manager,
    found
      .filter(({ entry, asOf }) => entry.latestOn !== null && entry.latestOn > asOf)
      .map(({ entry, asOf }) => ({ participantId: entry.id, asOf })),
    options,
  );
  return found.map(({ entry, asOf }) => ({ entry, asOf, history: fromHistory.get(entry.id) }));
}

/**
 * One key of a participant's body in the batch document that aggregates rows of another table (alias `x`)
 * for the participant: `aggregate`, whose value is JSON as text or as `json`, over the rows of `from` that
 * are theirs and meet `where`.
 */
interface ParticipantPart {
  key: keyof ParticipantBody;
  aggregate: string;
  from: string;
  where?: string;
}

/**
 * The parts read besides the participant row and the facts: the trials they were randomised into and, given
 * trials (`$1`, and `$2` the latest time-change day read), what is stored for those trials.
 *
 * - `stored` reads only columns of the primary key (an index-only scan, migration DeterminationCoveringKey),
 *   filtered in the aggregate, not in the WHERE clause: a `trial_id = ANY(...)` condition there can lead the
 *   planner to the trial index, scanning every determination of those trials, ten times slower a batch
 *   (docs/PERFORMANCE.md). Trials are named by their 1-based position in `trialIds`, not their 36-character
 *   id. Each row's array is joined as text, not built with `json_build_array` and `json_agg`: ten rows a
 *   participant made this aggregate a third of the statement's cost. The result is written as it is, between
 *   quotes: the table's check constraint `eligibility_determination_result_valid` keeps it to three plain
 *   words. The rest go through `to_json`. Every piece joined must be NOT NULL or given a `coalesce`:
 *   `string_agg` skips a NULL row, which would read as nothing stored for that trial.
 * - `unexplained` is answered by the partial index of rows without an explanation, empty once every row has
 *   one.
 * - `flags` by the open-flag index.
 */
function participantParts(trialIds: readonly string[] | null): ParticipantPart[] {
  const commitments: ParticipantPart = {
    key: 'commitments',
    aggregate: `json_agg(x.trial_id ORDER BY x.trial_id)`,
    from: 'trial_commitment',
  };
  if (!trialIds) return [commitments];
  return [
    commitments,
    {
      key: 'stored',
      aggregate: `'[' || string_agg('[' || array_position($1::uuid[], x.trial_id) || ',' || x.criteria_version
                    || ',"' || x.result || '",' || coalesce(to_json(x.one_test_away)::text, 'null')
                    || CASE WHEN x.changes_with_time_on <= $2::date THEN ',' || to_json(x.changes_with_time_on)::text ELSE '' END
                    || ']', ',') FILTER (WHERE x.trial_id = ANY($1::uuid[])) || ']'`,
      from: 'eligibility_determination',
    },
    {
      key: 'unexplained',
      aggregate: `json_agg(array_position($1::uuid[], x.trial_id))`,
      from: 'eligibility_determination',
      where: `x.leaf_judgements IS NULL AND x.trial_id = ANY($1::uuid[])`,
    },
    {
      key: 'flags',
      aggregate: `'[' || string_agg('[' || array_position($1::uuid[], x.trial_id) || ',' || to_json(x.kind)::text || ']', ',') || ']'`,
      from: 'eligibility_flag',
      where: `x.closed_at IS NULL AND x.trial_id = ANY($1::uuid[])`,
    },
  ];
}

/** The body's members for the parts, and the joins they need, over the batch's participants `p`. */
interface PartReads {
  members: JsonTextMember[];
  joins: string;
}

/**
 * Each part read for each participant by a subquery of its own: one index probe per participant and part,
 * for participants who may be far apart in id order (chosen by id, or only those due).
 */
function readEach(parts: readonly ParticipantPart[]): PartReads {
  return {
    members: parts.map(({ key, aggregate, from, where }) => [
      key,
      {
        json: `(SELECT ${aggregate} FROM ${from} x WHERE x.participant_id = p.id${where ? ` AND ${where}` : ''})`,
      },
    ]),
    joins: '',
  };
}

/**
 * Each part read for the whole batch by one scan of its index over the batch's id range, grouped by
 * participant and joined: for a walk of whole sites, whose participants lie next to each other in id order.
 * A thousand probes of the primary key cost PostgreSQL more than building the document did without them
 * (docs/PERFORMANCE.md). Rows in the range of participants not walked (a site between two walked ones) are
 * scanned and joined to no one; a walk's batches have ranges that do not overlap, so a run scans each row
 * once at most.
 */
function readRange(parts: readonly ParticipantPart[]): PartReads {
  const bounds = `x.participant_id BETWEEN (SELECT min(id) FROM p) AND (SELECT max(id) FROM p)`;
  return {
    members: parts.map(({ key }, i) => [key, { json: `part${i}.value` }]),
    joins: parts
      .map(
        ({ aggregate, from, where }, i) =>
          `LEFT JOIN (SELECT x.participant_id, ${aggregate} AS value FROM ${from} x
                       WHERE ${bounds}${where ? ` AND ${where}` : ''} GROUP BY x.participant_id) part${i}
                 ON part${i}.participant_id = p.id`,
      )
      .join('\n'),
  };
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
  header: ParticipantHeader,
  body: ParticipantBody,
  asOf: CalendarDate,
  history: AssessmentRow[] | undefined,
  wanted: ReadonlySet<string> | null,
): ParticipantProfile {
  const profile = profileOf(header, body, asOf);
  const latest = body.latest;
  if (history)
    for (const a of history)
      addAssessmentToProfile(profile, a.type, a.qualifier, a.performed_on, a.values, a.derived);
  else if (latest !== null)
    for (const [type, qualifier, performedOn, values, derived] of latest) {
      if (wanted && !wanted.has(type)) continue;
      addAssessmentToProfile(profile, type, qualifier, performedOn, values, derived);
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
function profileOf(header: ParticipantHeader, body: ParticipantBody, asOf: CalendarDate): ParticipantProfile {
  const grants: ConsentGrant[] = (body.consents ?? []).map(([signedOn, scopes, withdrawals]) => ({
    signedOn,
    scopes,
    withdrawnScopes: withdrawals.map(([scope, withdrawnOn]) => ({ scope, withdrawnOn })),
  }));
  return {
    participantId: header.id,
    birthDate: body.birth,
    sex: body.sex,
    educationYears: body.edu,
    apoeGenotype: body.apoe,
    familyHistory: body.fh,
    familyHistoryOnsetAge: body.onset,
    studyPartnerAvailable: body.partner,
    status: body.status,
    consentScopes: [...scopesHeld(grants, asOf)].sort(),
    // The trials they were randomised into through a referral; "not in another trial" judges them.
    trialCommitments: body.commitments ?? [],
    observations: {},
    amyloid: {},
  };
}
