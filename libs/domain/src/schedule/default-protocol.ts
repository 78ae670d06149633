import { AssessmentType as A } from '../instruments/assessments';
import { ProtocolVisitDefinition, VisitMode } from './visit-schedule';

/**
 * The default follow-up protocol, modelled on the sources in facts.md section 1.9: in-clinic cognition every
 * 6 months (TRC-PAD), MRI yearly, amyloid PET and CSF every 24 months (the JPMA proposal: cognition, CSF and
 * amyloid PET repeated over 5-10 years), plasma yearly, for 10 years. Windows (+/- 28 days for clinic visits,
 * 42 days around biomarker visits) are protocol settings: no published value exists (facts.md 1.9).
 */
const COGNITION = [A.Mmse, A.Moca, A.Cdr, A.LogicalMemory, A.Fcsrt, A.DigitSymbol, A.Cfi];

export function defaultProtocolVisits(): ProtocolVisitDefinition[] {
  const visits: ProtocolVisitDefinition[] = [];
  for (let month = 0; month <= 120; month += 6) {
    const yearly = month % 12 === 0;
    const biennial = month % 24 === 0;
    const assessments = [...COGNITION];
    if (yearly) assessments.push(A.Mri, A.Plasma);
    if (biennial) assessments.push(A.AmyloidPet, A.Csf);
    visits.push({
      code: month === 0 ? 'BL' : `M${String(month).padStart(3, '0')}`,
      name: month === 0 ? 'Baseline' : `Month ${month}`,
      // 6 months as 182 days, so visits stay on the same weekday as baseline.
      dayOffset: (month / 6) * 182,
      windowBeforeDays: month === 0 ? 0 : biennial ? 42 : 28,
      windowAfterDays: month === 0 ? 30 : biennial ? 42 : 28,
      mode: VisitMode.Clinic,
      assessments,
    });
  }
  return visits;
}
