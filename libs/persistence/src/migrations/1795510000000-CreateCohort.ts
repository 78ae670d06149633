import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cohort: protocols and their visits, participants (clinical facts) apart from their identity, consent
 * documents, consents and withdrawals, scheduled visits, visits and assessments. Also the default protocol,
 * written out here (not imported) so that this migration never changes after it has run.
 */
export class CreateCohort1795510000000 implements MigrationInterface {
  name = 'CreateCohort1795510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "site" ADD "last_registry_sequence" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `CREATE TABLE "protocol" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" text NOT NULL, "version" integer NOT NULL, "name" text NOT NULL, "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "protocol_version_positive" CHECK ("version" >= 1), CONSTRAINT "protocol_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "protocol_code_version_key" ON "protocol" ("code", "version")`,
    );
    await queryRunner.query(
      `CREATE TABLE "protocol_visit" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "protocol_id" uuid NOT NULL, "code" text NOT NULL, "name" text NOT NULL, "day_offset" integer NOT NULL, "window_before_days" integer NOT NULL, "window_after_days" integer NOT NULL, "mode" text NOT NULL, "assessments" text array NOT NULL, CONSTRAINT "protocol_visit_mode_valid" CHECK ("mode" IN ('clinic', 'remote')), CONSTRAINT "protocol_visit_window_non_negative" CHECK ("window_before_days" >= 0 AND "window_after_days" >= 0), CONSTRAINT "protocol_visit_offset_non_negative" CHECK ("day_offset" >= 0), CONSTRAINT "protocol_visit_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "protocol_visit_code_key" ON "protocol_visit" ("protocol_id", "code")`,
    );
    await queryRunner.query(
      `CREATE TABLE "participant" ("id" text NOT NULL, "site_id" uuid NOT NULL, "status" text NOT NULL, "status_effective_date" date NOT NULL, "birth_date" date NOT NULL, "sex" text NOT NULL, "education_years" integer NOT NULL, "apoe_genotype" text NOT NULL DEFAULT 'unknown', "family_history" boolean, "family_history_onset_age" integer, "study_partner_available" boolean NOT NULL, "referral_source" text NOT NULL, "identity_fingerprint" text NOT NULL, "protocol_id" uuid, "baseline_date" date, "amyloid_status" text NOT NULL DEFAULT 'unknown', "amyloid_modality" text, "amyloid_date" date, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "participant_amyloid_status_valid" CHECK ("amyloid_status" IN ('negative', 'intermediate', 'positive', 'unknown')), CONSTRAINT "participant_baseline_with_protocol" CHECK (("protocol_id" IS NULL) = ("baseline_date" IS NULL)), CONSTRAINT "participant_referral_source_valid" CHECK ("referral_source" IN ('web_study', 'iroop', 'orange_registry', 'site', 'other')), CONSTRAINT "participant_family_onset_needs_history" CHECK ("family_history_onset_age" IS NULL OR "family_history" = true), CONSTRAINT "participant_family_onset_range" CHECK ("family_history_onset_age" IS NULL OR "family_history_onset_age" BETWEEN 20 AND 110), CONSTRAINT "participant_apoe_valid" CHECK ("apoe_genotype" IN ('e2/e2', 'e2/e3', 'e2/e4', 'e3/e3', 'e3/e4', 'e4/e4', 'unknown')), CONSTRAINT "participant_education_range" CHECK ("education_years" BETWEEN 0 AND 30), CONSTRAINT "participant_sex_valid" CHECK ("sex" IN ('female', 'male', 'other', 'not_stated')), CONSTRAINT "participant_status_valid" CHECK ("status" IN ('registered', 'screening', 'enrolled', 'referred', 'in_trial', 'progressed', 'screen_failed', 'withdrawn', 'lost_to_follow_up', 'deceased')), CONSTRAINT "participant_id_format" CHECK ("id" ~ '^[A-Z]{2,5}-[0-9]{6}-[0-9A-Z]$'), CONSTRAINT "participant_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "participant_identity_fingerprint_idx" ON "participant" ("identity_fingerprint")`,
    );
    await queryRunner.query(`CREATE INDEX "participant_site_idx" ON "participant" ("site_id", "id")`);
    await queryRunner.query(
      `CREATE TABLE "consent_document" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "title" text NOT NULL, "version" text NOT NULL, "language" text NOT NULL, "effective_date" date NOT NULL, "scopes" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "consent_document_scopes_valid" CHECK ("scopes" <@ ARRAY['registry_follow_up', 'biomarker_sampling', 'amyloid_result_disclosure', 'apoe_disclosure', 'recontact_for_trials', 'sponsor_data_sharing', 'cross_border_transfer']::text[] AND cardinality("scopes") > 0), CONSTRAINT "consent_document_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "consent_document_version_key" ON "consent_document" ("title", "version", "language")`,
    );
    await queryRunner.query(
      `CREATE TABLE "participant_consent" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "consent_document_id" uuid NOT NULL, "signed_on" date NOT NULL, "scopes" text array NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "participant_consent_scopes_valid" CHECK ("scopes" <@ ARRAY['registry_follow_up', 'biomarker_sampling', 'amyloid_result_disclosure', 'apoe_disclosure', 'recontact_for_trials', 'sponsor_data_sharing', 'cross_border_transfer']::text[] AND cardinality("scopes") > 0), CONSTRAINT "participant_consent_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "participant_consent_participant_idx" ON "participant_consent" ("participant_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "consent_withdrawal" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_consent_id" uuid NOT NULL, "scope" text NOT NULL, "withdrawn_on" date NOT NULL, "reason" text NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "consent_withdrawal_scope_valid" CHECK ("scope" IN ('registry_follow_up', 'biomarker_sampling', 'amyloid_result_disclosure', 'apoe_disclosure', 'recontact_for_trials', 'sponsor_data_sharing', 'cross_border_transfer')), CONSTRAINT "consent_withdrawal_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "consent_withdrawal_scope_key" ON "consent_withdrawal" ("participant_consent_id", "scope")`,
    );
    await queryRunner.query(
      `CREATE TABLE "participant_duplicate_flag" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "matches_participant_id" text NOT NULL, "acknowledged_reason" text NOT NULL, "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "participant_duplicate_flag_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "participant_duplicate_flag_pair_key" ON "participant_duplicate_flag" ("participant_id", "matches_participant_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "participant_identity" ("participant_id" text NOT NULL, "family_name" text NOT NULL, "given_name" text NOT NULL, "date_of_birth_as_given" text NOT NULL, "email" text, "phone" text, "postal_address" text, "study_partner_name" text, "study_partner_contact" text, CONSTRAINT "participant_identity_pkey" PRIMARY KEY ("participant_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "scheduled_visit" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "protocol_visit_id" uuid NOT NULL, "code" text NOT NULL, "target_date" date NOT NULL, "window_start" date NOT NULL, "window_end" date NOT NULL, "cancelled_at" TIMESTAMP WITH TIME ZONE, "cancel_reason" text, CONSTRAINT "scheduled_visit_cancel_reason" CHECK (("cancelled_at" IS NULL) = ("cancel_reason" IS NULL)), CONSTRAINT "scheduled_visit_window_order" CHECK ("window_start" <= "target_date" AND "target_date" <= "window_end"), CONSTRAINT "scheduled_visit_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "scheduled_visit_window_idx" ON "scheduled_visit" ("window_start")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "scheduled_visit_protocol_visit_key" ON "scheduled_visit" ("participant_id", "protocol_visit_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "visit" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "participant_id" text NOT NULL, "scheduled_visit_id" uuid, "visit_date" date NOT NULL, "mode" text NOT NULL, "deviation" boolean NOT NULL DEFAULT false, "deviation_reason" text, "idempotency_key" text, "idempotency_request_hash" text, "recorded_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "visit_mode_valid" CHECK ("mode" IN ('clinic', 'remote')), CONSTRAINT "visit_deviation_has_reason" CHECK (NOT "deviation" OR "deviation_reason" IS NOT NULL), CONSTRAINT "visit_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "visit_idempotency_key" ON "visit" ("participant_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "visit_scheduled_visit_key" ON "visit" ("scheduled_visit_id") WHERE "scheduled_visit_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "visit_participant_idx" ON "visit" ("participant_id", "visit_date")`,
    );
    await queryRunner.query(
      `CREATE TABLE "assessment" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "visit_id" uuid NOT NULL, "participant_id" text NOT NULL, "type" text NOT NULL, "performed_on" date NOT NULL, "values" jsonb NOT NULL, "derived" jsonb NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "assessment_version_positive" CHECK ("version" >= 1), CONSTRAINT "assessment_type_valid" CHECK ("type" IN ('mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi', 'amyloid_pet', 'tau_pet', 'csf', 'plasma', 'mri')), CONSTRAINT "assessment_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "assessment_participant_type_idx" ON "assessment" ("participant_id", "type", "performed_on")`,
    );
    await queryRunner.query(
      `ALTER TABLE "protocol_visit" ADD CONSTRAINT "protocol_visit_protocol_fk" FOREIGN KEY ("protocol_id") REFERENCES "protocol"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant" ADD CONSTRAINT "participant_site_fk" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant" ADD CONSTRAINT "participant_protocol_fk" FOREIGN KEY ("protocol_id") REFERENCES "protocol"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_consent" ADD CONSTRAINT "participant_consent_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_consent" ADD CONSTRAINT "participant_consent_document_fk" FOREIGN KEY ("consent_document_id") REFERENCES "consent_document"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consent_withdrawal" ADD CONSTRAINT "consent_withdrawal_consent_fk" FOREIGN KEY ("participant_consent_id") REFERENCES "participant_consent"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_duplicate_flag" ADD CONSTRAINT "participant_duplicate_flag_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_duplicate_flag" ADD CONSTRAINT "participant_duplicate_flag_match_fk" FOREIGN KEY ("matches_participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "participant_identity" ADD CONSTRAINT "participant_identity_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "scheduled_visit" ADD CONSTRAINT "scheduled_visit_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "scheduled_visit" ADD CONSTRAINT "scheduled_visit_protocol_visit_fk" FOREIGN KEY ("protocol_visit_id") REFERENCES "protocol_visit"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "visit" ADD CONSTRAINT "visit_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "visit" ADD CONSTRAINT "visit_scheduled_visit_fk" FOREIGN KEY ("scheduled_visit_id") REFERENCES "scheduled_visit"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "assessment" ADD CONSTRAINT "assessment_visit_fk" FOREIGN KEY ("visit_id") REFERENCES "visit"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "assessment" ADD CONSTRAINT "assessment_participant_fk" FOREIGN KEY ("participant_id") REFERENCES "participant"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await this.insertDefaultProtocol(queryRunner);
  }

  // Generated from defaultProtocolVisits() in libs/domain when this migration was written (10 years; see there why).
  private async insertDefaultProtocol(queryRunner: QueryRunner): Promise<void> {
    const visits = [
      {
        code: 'BL',
        name: 'Baseline',
        dayOffset: 0,
        windowBeforeDays: 0,
        windowAfterDays: 30,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
      {
        code: 'M006',
        name: 'Month 6',
        dayOffset: 182,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M012',
        name: 'Month 12',
        dayOffset: 364,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
        ],
      },
      {
        code: 'M018',
        name: 'Month 18',
        dayOffset: 546,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M024',
        name: 'Month 24',
        dayOffset: 728,
        windowBeforeDays: 42,
        windowAfterDays: 42,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
      {
        code: 'M030',
        name: 'Month 30',
        dayOffset: 910,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M036',
        name: 'Month 36',
        dayOffset: 1092,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
        ],
      },
      {
        code: 'M042',
        name: 'Month 42',
        dayOffset: 1274,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M048',
        name: 'Month 48',
        dayOffset: 1456,
        windowBeforeDays: 42,
        windowAfterDays: 42,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
      {
        code: 'M054',
        name: 'Month 54',
        dayOffset: 1638,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M060',
        name: 'Month 60',
        dayOffset: 1820,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
        ],
      },
      {
        code: 'M066',
        name: 'Month 66',
        dayOffset: 2002,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M072',
        name: 'Month 72',
        dayOffset: 2184,
        windowBeforeDays: 42,
        windowAfterDays: 42,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
      {
        code: 'M078',
        name: 'Month 78',
        dayOffset: 2366,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M084',
        name: 'Month 84',
        dayOffset: 2548,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
        ],
      },
      {
        code: 'M090',
        name: 'Month 90',
        dayOffset: 2730,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M096',
        name: 'Month 96',
        dayOffset: 2912,
        windowBeforeDays: 42,
        windowAfterDays: 42,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
      {
        code: 'M102',
        name: 'Month 102',
        dayOffset: 3094,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M108',
        name: 'Month 108',
        dayOffset: 3276,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
        ],
      },
      {
        code: 'M114',
        name: 'Month 114',
        dayOffset: 3458,
        windowBeforeDays: 28,
        windowAfterDays: 28,
        mode: 'clinic',
        assessments: ['mmse', 'moca', 'cdr', 'logical_memory', 'fcsrt', 'digit_symbol', 'cfi'],
      },
      {
        code: 'M120',
        name: 'Month 120',
        dayOffset: 3640,
        windowBeforeDays: 42,
        windowAfterDays: 42,
        mode: 'clinic',
        assessments: [
          'mmse',
          'moca',
          'cdr',
          'logical_memory',
          'fcsrt',
          'digit_symbol',
          'cfi',
          'mri',
          'plasma',
          'amyloid_pet',
          'csf',
        ],
      },
    ] as {
      code: string;
      name: string;
      dayOffset: number;
      windowBeforeDays: number;
      windowAfterDays: number;
      mode: string;
      assessments: string[];
    }[];
    const [{ id }] = (await queryRunner.query(
      `INSERT INTO protocol (code, version, name) VALUES ('TRC-DEFAULT', 1, 'Trial-ready cohort follow-up, 10 years') RETURNING id`,
    )) as { id: string }[];
    for (const visit of visits) {
      await queryRunner.query(
        `INSERT INTO protocol_visit (protocol_id, code, name, day_offset, window_before_days, window_after_days, mode, assessments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          visit.code,
          visit.name,
          visit.dayOffset,
          visit.windowBeforeDays,
          visit.windowAfterDays,
          visit.mode,
          visit.assessments,
        ],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "assessment"`);
    await queryRunner.query(`DROP TABLE "visit"`);
    await queryRunner.query(`DROP TABLE "scheduled_visit"`);
    await queryRunner.query(`DROP TABLE "consent_withdrawal"`);
    await queryRunner.query(`DROP TABLE "participant_consent"`);
    await queryRunner.query(`DROP TABLE "consent_document"`);
    await queryRunner.query(`DROP TABLE "participant_duplicate_flag"`);
    await queryRunner.query(`DROP TABLE "participant_identity"`);
    await queryRunner.query(`DROP TABLE "participant"`);
    await queryRunner.query(`DROP TABLE "protocol_visit"`);
    await queryRunner.query(`DROP TABLE "protocol"`);
    await queryRunner.query(`ALTER TABLE "site" DROP COLUMN "last_registry_sequence"`);
  }
}
