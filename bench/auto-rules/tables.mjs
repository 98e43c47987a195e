// The per-stream tables of docs/learners.md's `auto` section from the recordings of record-all.sh:
//   node bench/auto-rules/tables.mjs DIR
// The streams the rule was chosen on, every member and the rule before and now; then the held-out
// ones, the best member and both rules, each less the best member.
import { load, MEMBERS, memberAccuracies, rules, run, streamList } from './evaluate.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tables.mjs DIR (recorded by record-all.sh)');
const { hedge, stack, mixers } = rules;
const before = () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack({ adagrad: false, lr: 0.05 })] });
const now = () => mixers({ subs: [hedge(), hedge({ d: 0.9995 }), stack()] });
const fixed = (x) => x.toFixed(4);
const signed = (x) => (x < 0 ? '−' : '+') + Math.abs(x).toFixed(4);
const streams = streamList()
  .filter(({ set }) => !set.startsWith('regression'))
  .map(({ set, name, source, args }) => {
    const rows = load(`${dir}/${name}.bin`);
    const label = source === 'shared' ? args[0] : `${source} ${args.join(' ')}`;
    return { set, label, accuracies: memberAccuracies(rows), before: run(rows, before()), now: run(rows, now()) };
  });
console.log(`| stream | ${MEMBERS.map((m) => `\`${m}\``).join(' | ')} | \`auto\` before | \`auto\` | before − best | auto − best |`);
console.log(`| --- |${' --- |'.repeat(MEMBERS.length + 4)}`);
for (const s of streams.filter((s) => s.set === 'chosen')) {
  const best = Math.max(...s.accuracies);
  const cells = s.accuracies.map((a) => (a === best ? `**${fixed(a)}**` : fixed(a)));
  console.log(`| ${s.label} | ${cells.join(' | ')} | ${fixed(s.before)} | ${fixed(s.now)} | ${signed(s.before - best)} | ${signed(s.now - best)} |`);
}
console.log('\n| stream | best member | `auto` before | `auto` |\n| --- | --- | --- | --- |');
for (const s of streams.filter((s) => s.set === 'held-out')) {
  const best = Math.max(...s.accuracies);
  const who = MEMBERS[s.accuracies.indexOf(best)];
  console.log(`| ${s.label} | \`${who}\` ${fixed(best)} | ${fixed(s.before)} (${signed(s.before - best)}) | ${fixed(s.now)} (${signed(s.now - best)}) |`);
}
