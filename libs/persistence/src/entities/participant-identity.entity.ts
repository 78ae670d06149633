import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { ParticipantEntity } from './participant.entity';

/**
 * Who the person is: readable only by coordinators of the participant's own site, through one route.
 * Admins, monitors and sponsors never receive it; logs and the audit trail never hold it in clear.
 */
@Entity({ name: 'participant_identity' })
export class ParticipantIdentityEntity {
  @PrimaryColumn({
    name: 'participant_id',
    type: 'text',
    primaryKeyConstraintName: 'participant_identity_pkey',
  })
  participantId: string;

  @OneToOne(() => ParticipantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'participant_id', foreignKeyConstraintName: 'participant_identity_participant_fk' })
  participant?: Relation<ParticipantEntity>;

  @Column({ name: 'family_name', type: 'text' })
  familyName: string;

  @Column({ name: 'given_name', type: 'text' })
  givenName: string;

  /** The date of birth exactly as the person gave it (the clinical birth date is on participant). */
  @Column({ name: 'date_of_birth_as_given', type: 'text' })
  dateOfBirthAsGiven: string;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ type: 'text', nullable: true })
  phone: string | null;

  @Column({ name: 'postal_address', type: 'text', nullable: true })
  postalAddress: string | null;

  @Column({ name: 'study_partner_name', type: 'text', nullable: true })
  studyPartnerName: string | null;

  @Column({ name: 'study_partner_contact', type: 'text', nullable: true })
  studyPartnerContact: string | null;
}
