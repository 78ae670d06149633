import { AmyloidModality, AmyloidStatus, currentAmyloidStatus, statusFromCentiloid } from './amyloid-status';
import { csfRatios, FluidPlatform, interpretCsf } from './fluid-cutoffs';

describe('amyloid status', () => {
  it.each([
    [9.9, AmyloidStatus.Negative],
    [10, AmyloidStatus.Intermediate],
    [30, AmyloidStatus.Intermediate],
    [30.1, AmyloidStatus.Positive],
  ])('Centiloid %s is %s with the default bands', (cl, status) => {
    expect(statusFromCentiloid(cl)).toBe(status);
  });

  it('reads Elecsys CSF by pTau181/Abeta42 around 0.023', () => {
    expect(interpretCsf(FluidPlatform.RocheElecsys, csfRatios({ ptau181: 25, abeta42: 1000 })).status).toBe(
      AmyloidStatus.Positive,
    );
    expect(interpretCsf(FluidPlatform.RocheElecsys, csfRatios({ ptau181: 18, abeta42: 1000 })).status).toBe(
      AmyloidStatus.Negative,
    );
  });

  it('reads Lumipulse CSF Abeta42/40 in three bands', () => {
    const status = (abeta42: number) =>
      interpretCsf(FluidPlatform.FujirebioLumipulse, csfRatios({ abeta42, abeta40: 10000 })).status;
    expect(status(730)).toBe(AmyloidStatus.Negative);
    expect(status(650)).toBe(AmyloidStatus.Intermediate);
    expect(status(580)).toBe(AmyloidStatus.Positive);
  });

  it('leaves a platform without a cut-off set unknown', () => {
    expect(interpretCsf(FluidPlatform.Other, csfRatios({ ptau181: 30, abeta42: 500 }))).toEqual({
      cutoffSet: null,
      status: AmyloidStatus.Unknown,
    });
  });

  it('takes the most recent known result of the accepted modalities', () => {
    const results = [
      { modality: AmyloidModality.Pet, status: AmyloidStatus.Negative, date: '2024-01-10' },
      { modality: AmyloidModality.Plasma, status: AmyloidStatus.Positive, date: '2025-06-01' },
      { modality: AmyloidModality.Csf, status: AmyloidStatus.Unknown, date: '2025-09-01' },
    ];
    expect(currentAmyloidStatus(results)).toEqual(results[1]);
    expect(currentAmyloidStatus(results, [AmyloidModality.Pet, AmyloidModality.Csf])).toEqual(results[0]);
    expect(currentAmyloidStatus([], [AmyloidModality.Pet])).toEqual({ status: AmyloidStatus.Unknown });
  });
});
