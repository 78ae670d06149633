/**
 * Domain events, written to the outbox in the transaction of the change and relayed to the queue after commit.
 * Payloads carry ids and a cause only: consumers reload state from PostgreSQL.
 */
export enum EventTopic {
  /** Any change to a participant's clinical data, consent or status. */
  ParticipantChanged = 'participant.changed',
  /** A trial's criteria changed or it started recruiting: its cohort re-screen (a screening run) must start. */
  TrialScreeningRequested = 'trial.screening_requested',
  /** A site's daily re-screen was started: its screening runs (one per recruiting trial there) must run. */
  DailyRescreenStarted = 'daily_rescreen.started',
}

export interface ParticipantChangedPayload {
  participantId: string;
  cause: string;
}

export interface TrialScreeningRequestedPayload {
  trialId: string;
  runId: string;
}

export interface DailyRescreenStartedPayload {
  siteId: string;
  forDate: string;
}

export interface EventPayloadByTopic {
  [EventTopic.ParticipantChanged]: ParticipantChangedPayload;
  [EventTopic.TrialScreeningRequested]: TrialScreeningRequestedPayload;
  [EventTopic.DailyRescreenStarted]: DailyRescreenStartedPayload;
}
