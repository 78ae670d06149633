/**
 * Domain events, written to the outbox in the transaction of the change and relayed to the queue after commit
 * (each topic to the one job that handles it: see `jobForEvent`). Payloads carry ids only, plus a cause kept
 * for whoever reads the outbox: jobs reload state from PostgreSQL.
 */
export enum EventTopic {
  /** Any change to a participant's clinical data, consent or status. */
  ParticipantChanged = 'participant.changed',
  /** A trial's criteria changed or it started recruiting: its cohort re-screen (a screening run) must start. */
  TrialScreeningRequested = 'trial.screening_requested',
  /** A site's daily re-screen was started: its screening runs (one per recruiting trial there) must run. */
  DailyRescreenStarted = 'daily_rescreen.started',
  /** Webhook deliveries were created for an organisation: send them. */
  WebhookDeliveriesCreated = 'webhook.deliveries_created',
}

/** The cause of a participant's change when a visit was recorded (the visit-to-flag metric's label). */
export const VISIT_RECORDED_CAUSE = 'visit';

export interface ParticipantChangedPayload {
  participantId: string;
  /** What changed (e.g. `visit.recorded`): read by people inspecting the outbox, not by the job. */
  cause: string;
}

export interface TrialScreeningRequestedPayload {
  runId: string;
}

/** The runs of the site's re-screen, one per trial recruiting there, walked together by one job. */
export interface DailyRescreenStartedPayload {
  runIds: string[];
}

export interface WebhookDeliveriesCreatedPayload {
  organisationId: string;
}

export interface EventPayloadByTopic {
  [EventTopic.ParticipantChanged]: ParticipantChangedPayload;
  [EventTopic.TrialScreeningRequested]: TrialScreeningRequestedPayload;
  [EventTopic.DailyRescreenStarted]: DailyRescreenStartedPayload;
  [EventTopic.WebhookDeliveriesCreated]: WebhookDeliveriesCreatedPayload;
}
