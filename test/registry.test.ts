/** The learner registry: names, aliases and suggestions for --model, and every entry's contract. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { findLearner, learners } from '../src/learners/registry.js';

describe('the learner registry', () => {
  it('finds a learner by name or alias, in any case', () => {
    assert.equal(findLearner('MLP').name, 'mlp');
    assert.equal(findLearner('Linear').name, 'linear');
    // The names the run header prints for the linear model.
    assert.equal(findLearner('logistic').name, 'linear');
    assert.equal(findLearner('softmax').name, 'linear');
  });

  it('suggests the nearest name on a typo, and nothing when nothing is near', () => {
    assert.throws(() => findLearner('lineer'), (e: unknown) => e instanceof UsageError && /did you mean linear\?/.test(e.message));
    assert.throws(() => findLearner('logisitc'), /did you mean logistic\?/);
    assert.throws(() => findLearner('zzzzzzzz'), (e: unknown) => e instanceof UsageError && !/did you mean/.test(e.message));
  });

  it('has unique names and aliases, and each option has a default of its kind', () => {
    const names = learners().flatMap((e) => [e.name, ...e.aliases]);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    for (const e of learners()) {
      assert.ok(e.tasks.length > 0, e.name);
      for (const p of e.params) {
        assert.match(p.flag, /^--[A-Za-z][\w-]*( <\w+>)?$/, `${e.name} ${p.flag}`);
        assert.equal(typeof p.default === 'boolean', !p.flag.includes('<'), `${e.name} ${p.flag}: a switch has a boolean default`);
      }
    }
  });
});
