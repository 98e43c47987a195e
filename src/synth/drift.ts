/**
 * Which concept each row of a generated stream is drawn from: MOA's ConceptDriftStream (Bifet et
 * al., MOA 2010), chained. Between concept k and k+1 sits a drift at row p with width w: row t comes
 * from the later concept with probability 1 / (1 + exp(-4 (t - p) / w)), a sigmoid that is 1/2 at p
 * and goes from about 12% to 88% over the w rows around it; w = 0 switches at p (abrupt drift).
 * Several drifts nest as in MOA: a row passes drift k only if it passed every drift before it.
 */
import { Random } from '../util/random.js';

export interface DriftPlan {
  /** Concept ids (1-based), in stream order; a concept may come back (recurring drift). */
  concepts: number[];
  /** Row index of each drift's centre: concepts.length - 1 of them, increasing. */
  at: number[];
  /** Sigmoid width of each drift in rows (0 = abrupt). */
  width: number[];
}

export class ConceptSchedule {
  private readonly random: Random;

  constructor(
    private readonly plan: DriftPlan,
    seed: number,
  ) {
    // Its own generator, so that the transition's draws do not shift the rows' features.
    this.random = new Random((seed ^ 0x5851f42d) >>> 0);
  }

  /** The concept row `i` (0-based) is drawn from. */
  concept(i: number): number {
    const { concepts, at, width } = this.plan;
    let k = 0;
    while (k < at.length) {
      const w = width[k]!;
      const p = w === 0 ? (i >= at[k]! ? 1 : 0) : 1 / (1 + Math.exp((-4 * (i - at[k]!)) / w));
      if (p === 1 || (p > 0 && this.random.next() < p)) k++;
      else break;
    }
    return concepts[k]!;
  }
}
