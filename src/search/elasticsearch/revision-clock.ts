/** How far gateway clocks may disagree, for ordering writes by their revision. */
export const CLOCK_SKEW_MS = 5000;

/**
 * Write times in µs (gateway clock), strictly increasing within this process. Each item write
 * carries one as its document's `revision` and external version, so newer writes of an item
 * always win, and activation knows which writes may have raced with it.
 */
export class RevisionClock {
  private last = 0;

  next(): number {
    this.last = Math.max(this.last + 1, Date.now() * 1000);
    return this.last;
  }
}
