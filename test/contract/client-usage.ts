// How a browser client (the coordinator console to come) uses the types generated from the OpenAPI document.
// The contract test compiles this file against freshly generated types: a field or route removed or renamed
// in the API breaks the test, not the console.
import type { components, operations, paths } from './api-types';

type Schemas = components['schemas'];
type JsonBody<Operation> = Operation extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
type JsonResponse<Operation, Status extends number> = Operation extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

export const logIn: JsonBody<operations['logIn']> = {
  email: 'coordinator@example.org',
  password: 'correct horse battery staple',
};

export function bearer(tokens: JsonResponse<operations['logIn'], 200>): string {
  return `Bearer ${tokens.accessToken}`;
}

export function flagLine(page: JsonResponse<operations['listFlags'], 200>): string[] {
  return page.items.map(
    (flag) => `${flag.participantId} ${flag.trialTitle}: ${flag.kind}${flag.test ? ` (${flag.test})` : ''}`,
  );
}

export function decidingReasons(eligibility: Schemas['EligibilityDto']): string[] {
  return (
    eligibility.explanation?.summary.map((leaf) => `${leaf.effect}: ${leaf.reason ?? leaf.criterion}`) ?? []
  );
}

export const enrolment: JsonBody<operations['enrolParticipant']> = {
  siteId: '00000000-0000-4000-8000-000000000000',
  birthDate: '1958-04-01',
  sex: 'female',
  educationYears: 16,
  apoeGenotype: 'e3/e4',
  familyHistory: { present: true, onsetAge: 72 },
  studyPartnerAvailable: true,
  referralSource: 'web_study',
  identity: { familyName: 'Tanaka', givenName: 'Yuki' },
};

export const visit: JsonBody<operations['recordVisit']> = {
  visitDate: '2026-11-24',
  assessments: [{ type: 'mmse', values: { total: 29 } }],
};

/** Every error has one shape: a form shows each detail next to the field it names. */
export function fieldErrors(error: Schemas['ErrorResponseDto']): Record<string, string> {
  return Object.fromEntries((error.details ?? []).map((detail) => [detail.field, detail.message]));
}

export const participantPath: keyof paths = '/api/v1/participants/{participantId}';

/** After a criteria update the console follows the re-screen it started, if any. */
export function screeningRunPath(
  update: JsonResponse<operations['updateTrialCriteria'], 200>,
): string | null {
  return update.screeningRunId === null
    ? null
    : `/api/v1/trials/${update.trial.id}/screening-runs/${update.screeningRunId}`;
}
