import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Environment } from '@registry/config';
import {
  CountTable,
  DisclosureSettings,
  disclosureSettingsProblems,
  PublishedCount,
  publishCounts,
} from '@registry/domain';
import { canonicalJson } from '@registry/platform';

/** One question a sponsor asks, as far as disclosure control is concerned. */
export interface SponsorQuestion {
  /** What was asked: the question and its parameters, in any key order. */
  query: unknown;
  /**
   * What the answer was computed from: it must change whenever a count of the answer may change, and only
   * then, so that asking again on the same data gives the same noise and averaging repeats learns nothing.
   */
  dataVersion: unknown;
}

/** The deployment's settings (DISCLOSURE_* variables), as libs/domain takes them. */
export function disclosureSettingsOf(config: Environment): DisclosureSettings {
  return {
    minimumCellSize: config.DISCLOSURE_MIN_CELL_SIZE,
    roundTo: config.DISCLOSURE_ROUND_TO,
    noiseBound: config.DISCLOSURE_NOISE_BOUND,
  };
}

/**
 * Every count a sponsor receives passes here (libs/domain/src/disclosure/disclosure-control.ts): small cells
 * as "<k", their complements suppressed, the rest noisy and rounded. The noise is drawn from a seed that only
 * the server can compute (an HMAC under DISCLOSURE_NOISE_KEY), so a sponsor can neither subtract it nor,
 * by asking again, draw fresh noise to average away.
 */
@Injectable()
export class SponsorDisclosure {
  readonly settings: Readonly<DisclosureSettings>;
  private readonly key: string;

  constructor(@Inject(Environment) config: Environment) {
    const settings = disclosureSettingsOf(config);
    const problems = disclosureSettingsProblems(settings);
    // loadConfig refuses these already; this guards an Environment built by hand.
    if (problems.length > 0) throw new Error(`disclosure settings refused: ${problems.join('; ')}`);
    if (!config.DISCLOSURE_NOISE_KEY) throw new Error('DISCLOSURE_NOISE_KEY is required');
    this.settings = Object.freeze(settings);
    this.key = config.DISCLOSURE_NOISE_KEY;
  }

  /** The counts of one answer as the sponsor may receive them, under the same keys. */
  publish(table: CountTable, question: SponsorQuestion): Record<string, PublishedCount> {
    return publishCounts(table, this.settings, this.seedOf(question));
  }

  /** HMAC-SHA256 of the canonical query and the data version (JSON text holds no raw newline). */
  seedOf(question: SponsorQuestion): string {
    return createHmac('sha256', this.key)
      .update(`${canonicalJson(question.query)}\n${canonicalJson(question.dataVersion)}`)
      .digest('hex');
  }
}
