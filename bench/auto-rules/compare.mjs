// The rules of docs/learners.md's "Why this rule" table on the recordings of record-all.sh:
//   node bench/auto-rules/compare.mjs DIR
// Per rule and set of streams: on how many it is at least as accurate as the best member, its mean
// gain over the best member and its worst.
import { load, memberAccuracies, rules, run, streamList } from './evaluate.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: compare.mjs DIR (recorded by record-all.sh)');
const { hedge, leader, vote, fixedShare, adaHedge, stack, mixers } = rules;
const candidates = {
  'Hedge, d = 0.995 (the rule of stop 18)': () => hedge(),
  'the member with the fewest discounted errors': () => leader(),
  'Hedge over the members votes': () => vote(),
  'Fixed-Share, alpha = 0.001': () => fixedShare(),
  'AdaHedge, d = 0.995': () => adaHedge(),
  'stack alone, SGD steps of 0.05': () => stack({ adagrad: false, lr: 0.05 }),
  'stack alone, AdaGrad steps of 0.5': () => stack(),
  'Hedge over the fast and slow Hedges': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 })] }),
  'Hedge over the fast and slow Hedges and the SGD stack (the rule of stop 19)': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack({ adagrad: false, lr: 0.05 })] }),
  'the same with the AdaGrad stack (auto)': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack()] }),
  'auto, AdaGrad steps of 0.3': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack({ lr: 0.3 })] }),
  'auto, AdaGrad steps of 1': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack({ lr: 1 })] }),
  'auto with a third Hedge, d = 0.9999': () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), hedge({ d: 0.9999 }), stack()] }),
};
const streams = streamList()
  .filter(({ set }) => !set.startsWith('regression'))
  .map(({ set, name }) => {
    const rows = load(`${dir}/${name}.bin`);
    return { set, name, rows, best: Math.max(...memberAccuracies(rows)) };
  });
const signed = (x) => (x >= 0 ? '+' : '-') + Math.abs(x).toFixed(4);
console.log('| rule | chosen: >= best, mean gain, worst | held-out: >= best, mean gain, worst |\n| --- | --- | --- |');
for (const [label, make] of Object.entries(candidates)) {
  const cells = ['chosen', 'held-out'].map((set) => {
    const gains = streams.filter((s) => s.set === set).map((s) => ({ name: s.name, gain: run(s.rows, make()) - s.best }));
    const worst = gains.reduce((a, g) => (g.gain < a.gain ? g : a));
    const mean = gains.reduce((a, g) => a + g.gain, 0) / gains.length;
    return `${gains.filter((g) => g.gain >= -1e-12).length}/${gains.length}, ${signed(mean)}, ${signed(worst.gain)} (${worst.name})`;
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}
