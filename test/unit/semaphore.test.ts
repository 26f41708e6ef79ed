import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/search/elasticsearch/semaphore.js';

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, the others in order, through failures', async () => {
    const slots = new Semaphore(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      slots
        .run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          await new Promise<void>((resolve) => releases.push(resolve));
          running--;
          if (i === 1) throw new Error('task 1 fails');
          return i;
        })
        .then(
          () => 'fulfilled',
          () => 'rejected',
        ),
    );
    // Let the first two start; release tasks one at a time until all have run.
    for (let released = 0; released < 5; released++) {
      while (releases.length <= released) await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(2);
      releases[released]!();
    }
    const outcomes = await Promise.all(tasks);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});
