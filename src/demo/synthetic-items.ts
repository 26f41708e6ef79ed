import type { ItemInput } from '../ingest/item-input.js';
import { createRandom, gaussian } from '../lsh/seeded-random.js';

export interface SyntheticOptions {
  count: number;
  seed: number;
  imageDim: number;
  textDim: number;
  /** Topics: each has its own vocabulary and its own region of both vector spaces. */
  topics: number;
  /** Sub-topics per topic: tighter groups, so exact nearest neighbours are meaningful. */
  subtopics: number;
  /** Noise of an item around its sub-topic, relative to the spread of sub-topics. */
  noise: number;
}

export interface SyntheticItem extends ItemInput {
  id: string;
  title: string;
  text: string;
  tags: string[];
  imageVector: number[];
  textVector: number[];
  topic: number;
  subtopic: number;
}

export const DEFAULT_SYNTHETIC: Omit<SyntheticOptions, 'count'> = {
  seed: 7,
  imageDim: 512,
  textDim: 384,
  topics: 20,
  subtopics: 10,
  noise: 0.6,
};

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'te',
  'su',
  'no',
  've',
  'di',
  'pa',
  'zu',
  'he',
  'qi',
  'bo',
  'ny',
  'xe',
];
const COMMON = ['with', 'and', 'the', 'new', 'classic', 'small', 'large', 'bright', 'soft', 'set'];

function word(random: () => number, syllables: number): string {
  let w = '';
  for (let i = 0; i < syllables; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return w;
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function gaussianVector(random: () => number, dim: number, scale: number): number[] {
  return Array.from({ length: dim }, () => gaussian(random) * scale);
}

function round(values: number[]): number[] {
  return values.map((v) => Math.round(v * 1e4) / 1e4);
}

/** The vocabulary of each topic: its name first, then words only that topic uses. */
export function topicVocabularies(seed: number, topics: number): string[][] {
  const random = createRandom(seed ^ 0x5eed);
  const used = new Set<string>();
  return Array.from({ length: topics }, () => {
    const words: string[] = [];
    while (words.length < 12) {
      const w = word(random, 2 + Math.floor(random() * 2));
      if (!used.has(w)) {
        used.add(w);
        words.push(w);
      }
    }
    return words;
  });
}

/**
 * Deterministic multimodal items: image and text vectors share a latent topic and sub-topic,
 * and titles and texts draw from the topic's vocabulary (the topic name is always in the title,
 * so filtering on it keeps about 1/topics of the items).
 */
export function generateSyntheticItems(
  options: Partial<SyntheticOptions> & { count: number },
): SyntheticItem[] {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const random = createRandom(o.seed);
  const vocab = topicVocabularies(o.seed, o.topics);
  const centres = Array.from({ length: o.topics }, () => ({
    image: gaussianVector(random, o.imageDim, 1),
    text: gaussianVector(random, o.textDim, 1),
    subtopics: Array.from({ length: o.subtopics }, () => ({
      image: gaussianVector(random, o.imageDim, 0.7),
      text: gaussianVector(random, o.textDim, 0.7),
    })),
  }));
  const items: SyntheticItem[] = [];
  const width = String(o.count).length;
  for (let i = 0; i < o.count; i++) {
    const topic = Math.floor(random() * o.topics);
    const subtopic = Math.floor(random() * o.subtopics);
    const centre = centres[topic]!;
    const sub = centre.subtopics[subtopic]!;
    const words = vocab[topic]!;
    const imageVector = centre.image.map(
      (c, d) => c + sub.image[d]! + gaussian(random) * o.noise * 0.7,
    );
    const textVector = centre.text.map(
      (c, d) => c + sub.text[d]! + gaussian(random) * o.noise * 0.7,
    );
    const title = `${words[0]} ${pick(random, words.slice(1))} ${subtopic}`;
    const textWords = Array.from({ length: 10 }, () =>
      random() < 0.7 ? pick(random, words.slice(1)) : pick(random, COMMON),
    );
    items.push({
      id: `item-${String(i).padStart(width, '0')}`,
      title,
      text: textWords.join(' '),
      tags: [`topic-${topic}`, `subtopic-${topic}-${subtopic}`],
      imageVector: round(imageVector),
      textVector: round(textVector),
      topic,
      subtopic,
    });
  }
  return items;
}

/** The item as the API takes it (without the generator's labels). */
export function toItemInput(item: SyntheticItem): ItemInput {
  return {
    id: item.id,
    title: item.title,
    text: item.text,
    tags: item.tags,
    imageVector: item.imageVector,
    textVector: item.textVector,
  };
}
