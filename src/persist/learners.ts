/**
 * A checkpoint of several learners side by side (train --model a,b --save DIR): DIR holds one
 * ordinary checkpoint per learner, each in a subdirectory of its own (exactly what that learner's
 * run alone would have saved), and `learners.json`, which lists them: their names as given, and
 * their subdirectories. Each subdirectory is written atomically (see store.ts); the list last.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DataError, systemErrorText, UsageError } from '../errors.js';
import type { CheckpointState } from './state.js';
import { isSafeName, SaveError } from './store.js';
import { CheckpointTarget } from './target.js';

export const LEARNERS_FILE = 'learners.json';
const FORMAT = 'inc-learn-learners';

export interface SavedLearner {
  /** The learner's name in the run (`name=`, or its --model text). */
  name: string;
  /** Its checkpoint's subdirectory of DIR. */
  dir: string;
}

/** Subdirectory names for the learners' names: the name itself where it is a plain file name, made one otherwise. */
function learnerDirs(names: readonly string[]): SavedLearner[] {
  const used = new Set<string>([LEARNERS_FILE]);
  return names.map((name, i) => {
    let dir = name.replace(/[^A-Za-z0-9._=,()+-]+/g, '_');
    if (!isSafeName(dir) || dir.startsWith('.')) dir = `learner-${i + 1}`;
    for (let n = 2; used.has(dir); n++) dir = `${dir}-${n}`;
    used.add(dir);
    return { name, dir };
  });
}

/**
 * Before saving several learners in `dir`: it must not exist, be empty, or be such a checkpoint
 * already (never replace what the tool did not verifiably write, nor a checkpoint of one learner).
 */
async function checkLearnersDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return;
    throw new DataError({ source: dir }, `cannot save the checkpoint: ${code === 'ENOTDIR' ? 'exists and is not a directory' : systemErrorText(err)}`, 'unwritable');
  }
  if (entries.length > 0 && !entries.includes(LEARNERS_FILE)) {
    throw new DataError({ source: dir }, `cannot save the checkpoint of several learners: the directory exists and is not one (no ${LEARNERS_FILE}); choose another directory`, 'unwritable');
  }
}

/**
 * Where several learners are saved: DIR checked (see checkLearnersDir) before anything is made, then
 * each learner's subdirectory claimed (checked and locked) as a checkpoint of its own.
 */
export class LearnersTarget {
  private constructor(
    readonly dir: string,
    private readonly learners: readonly SavedLearner[],
    private readonly targets: readonly CheckpointTarget[],
  ) {}

  static async claim(dir: string, names: readonly string[]): Promise<LearnersTarget> {
    await checkLearnersDir(dir);
    const learners = learnerDirs(names);
    const targets: CheckpointTarget[] = [];
    try {
      for (const l of learners) targets.push(await CheckpointTarget.claim(join(dir, l.dir)));
    } catch (err) {
      for (const t of targets) t.release();
      throw err;
    }
    return new LearnersTarget(dir, learners, targets);
  }

  /** Temporary directories of killed saves, left alone. */
  get leftovers(): string[] {
    return this.targets.flatMap((t) => t.leftovers);
  }

  /** Writes every learner's checkpoint (each atomically), in the order of the names, then the list. */
  async save(states: readonly CheckpointState[], writtenBy: string): Promise<void> {
    for (let i = 0; i < this.targets.length; i++) await this.targets[i]!.save(states[i]!, writtenBy);
    await writeLearnersList(this.dir, this.learners, writtenBy);
  }

  release(): void {
    for (const t of this.targets) t.release();
  }
}

/** Writes the list, atomically, after every learner's checkpoint. */
async function writeLearnersList(dir: string, learners: readonly SavedLearner[], writtenBy: string): Promise<void> {
  const text = JSON.stringify({ format: FORMAT, version: 1, written_by: writtenBy, learners }, null, 2) + '\n';
  const tmp = join(dir, `${LEARNERS_FILE}.tmp-${process.pid}`);
  const list = join(dir, LEARNERS_FILE);
  try {
    await fsp.writeFile(tmp, text);
    await fsp.rename(tmp, list);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    // The same words as any other save error (errors.ts), not a bare errno; the old list is untouched.
    const had = await fsp.access(list).then(() => 'intact' as const, () => 'none' as const);
    throw new SaveError(dir, systemErrorText(err), had);
  }
}

/** The learners saved in `dir`, or undefined when it is not a checkpoint of several learners. */
export async function readLearnersList(dir: string): Promise<SavedLearner[] | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(join(dir, LEARNERS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const bad = (why: string): never => {
    throw new DataError({ source: join(dir, LEARNERS_FILE) }, `corrupt list of learners: ${why}`, 'bad-checkpoint');
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  const doc = parsed as { format?: unknown; learners?: unknown };
  if (doc.format !== FORMAT) bad(`format: expected "${FORMAT}"`);
  if (!Array.isArray(doc.learners) || doc.learners.length === 0) return bad('learners: expected a list of {name, dir}');
  return (doc.learners as unknown[]).map((l, i) => {
    const { name, dir: sub } = (l ?? {}) as { name?: unknown; dir?: unknown };
    if (typeof name !== 'string' || typeof sub !== 'string' || !isSafeName(sub)) return bad(`learners[${i}]: expected {name, dir} with dir a plain name`);
    return { name, dir: sub };
  });
}

/** The saved learner called `name` (exactly, else in any case); a usage error listing them otherwise. */
export function pickLearner(dir: string, learners: readonly SavedLearner[], name: string | undefined, flag: string): SavedLearner {
  const names = learners.map((l) => l.name).join(', ');
  if (name === undefined) throw new UsageError(`--model ${dir} holds several learners (${names}): choose one with ${flag} NAME`);
  const found = learners.find((l) => l.name === name) ?? learners.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new UsageError(`${flag} "${name}": ${dir} holds ${names}`);
  return found;
}
