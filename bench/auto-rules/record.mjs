// Records, for each row auto learns in `train FILE --model auto`, the row's class and every
// member's class probabilities (float64: y, k, then k per member, in pool order) to OUT, so that
// mixing rules can be replayed offline (evaluate.mjs). The members learn the same whatever the rule.
//   node bench/auto-rules/record.mjs OUT -- FILE [train flags...]
import { writeFileSync } from 'node:fs';
const [out, dashes, ...args] = process.argv.slice(2);
if (!out || dashes !== '--') throw new Error('usage: record.mjs OUT -- FILE [train flags...]');
const { AutoLearner } = await import('../../dist/src/learners/auto.js');
const { main } = await import('../../dist/src/cli/main.js');
let buf = new Float64Array(1 << 20);
let n = 0;
// The members' predictions as they made them: auto's mix may change its copy (regression clips them
// to the targets' range, a rule the replay applies itself).
const combine = AutoLearner.prototype.combine;
let made = [];
AutoLearner.prototype.combine = function (...a) {
  made = this.memberOut.map((p) => Float64Array.from(p));
  combine.apply(this, a);
};
// One row of auto (src/learners/auto.ts: step), then its members' predictions of the row.
const step = AutoLearner.prototype.step;
AutoLearner.prototype.step = function (...a) {
  step.apply(this, a);
  const k = this.classes;
  const need = 2 + k * this.memberOut.length;
  if (n + need > buf.length) {
    const grown = new Float64Array(2 * buf.length + need);
    grown.set(buf);
    buf = grown;
  }
  buf[n++] = a[2];
  buf[n++] = k;
  for (const p of made) for (let c = 0; c < k; c++) buf[n++] = p[c];
};
const code = await main(['train', ...args, '--model', 'auto']);
writeFileSync(out, Buffer.from(buf.buffer, 0, n * 8));
process.exit(code);
