/**
 * predict, predict --learn and evaluate, end to end: one output line per input row in order,
 * reordered or extra columns, bad rows, rows without a label, a live pipe answered row by row, and
 * the same prequential results as train --resume.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../src/persist/store.js';
import { BIN, ROOT, SHARED_MISSING, jsonLines, runCli, sharedDataset } from './helpers.js';

const SEA = `${ROOT}datasets/sea_drift.csv`;
let dir: string;
let model: string;
let first: string;
let second: string;

function csvPart(path: string, from: number, to: number, name: string): string {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const out = join(dir, name);
  writeFileSync(out, [lines[0]!, ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
  return out;
}

async function ok(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

const lines = (s: string): string[] => s.trimEnd().split('\n');

/** The share of rows whose prediction (first CSV field) equals the label. */
function accuracyOf(predictions: string, data: string, labelColumn: number): number {
  const p = lines(predictions).slice(1).map((l) => l.split(',')[0]);
  const y = lines(readFileSync(data, 'utf8')).slice(1).map((l) => l.split(',')[labelColumn]);
  assert.equal(p.length, y.length);
  return p.filter((v, i) => v === y[i]).length / p.length;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inc-learn-predict-'));
  first = csvPart(SEA, 0, 5000, 'first.csv');
  second = csvPart(SEA, 5000, 10000, 'second.csv');
  model = join(dir, 'model');
  await ok(['train', first, '--json', '--save', model]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('inc-learn predict', () => {
  it('writes a header and one line per input row, in order, with the class probabilities', async () => {
    const { stdout, stderr } = await ok(['predict', '--model', model, second]);
    const out = lines(stdout);
    assert.equal(out[0], 'prediction,p_0,p_1');
    assert.equal(out.length, lines(readFileSync(second, 'utf8')).length, 'wc -l of the output equals wc -l of the input');
    for (const line of out.slice(1)) {
      const [label, p0, p1] = line.split(',');
      assert.ok(Number(p0) + Number(p1) > 0.999999 && Number(p0) + Number(p1) < 1.000001);
      assert.equal(label, Number(p1) >= Number(p0) ? '1' : '0');
    }
    assert.match(stderr, /5,000 rows, 5,000 predicted/);
    // The saved model does not learn while predicting: the checkpoint is unchanged and the answer repeatable.
    assert.equal((await ok(['predict', '--model', model, second])).stdout, stdout);
  });

  it('keeps columns, reads JSONL, ignores the target, and is indifferent to column order', async () => {
    const rows = lines(readFileSync(second, 'utf8')).slice(1, 201).map((l) => l.split(','));
    const jsonl = rows.map((r, i) => JSON.stringify({ id: `r${i}`, attrib3: Number(r[2]), attrib1: Number(r[0]), attrib2: Number(r[1]) })).join('\n') + '\n';
    const csv = ['attrib1,attrib2,attrib3', ...rows.map((r) => r.slice(0, 3).join(','))].join('\n') + '\n';
    const a = await ok(['predict', '--model', model, '-', '--output', 'jsonl', '--keep', 'id'], jsonl);
    const b = await ok(['predict', '--model', model, '-'], csv);
    const out = jsonLines(a.stdout);
    assert.equal(out.length, 200);
    assert.deepEqual(out.map((o) => o.id), rows.map((_, i) => `r${i}`), 'in input order, with the kept id');
    const fromCsv = lines(b.stdout).slice(1);
    out.forEach((o, i) => {
      const [label, p0, p1] = fromCsv[i]!.split(',');
      assert.equal(o.prediction, label);
      assert.equal(o.p_0, Number(p0));
      assert.equal(o.p_1, Number(p1));
    });
  });

  it('gives an empty prediction for a bad row with --on-error skip, and stops at it otherwise', async () => {
    const data = 'attrib1,attrib2,attrib3,class\n1,2,3,0\n1,oops,3,1\n4,5,6,1\n';
    const skipped = await ok(['predict', '--model', model, '-', '--on-error', 'skip', '-q'], data);
    const out = lines(skipped.stdout);
    assert.equal(out.length, 4);
    assert.equal(out[2], ',,', 'the bad row keeps its place, with empty fields');
    assert.match(skipped.stderr, /3 rows, 2 predicted, 1 skipped/);
    assert.match(skipped.stderr, /not-a-number 1/);
    const failed = await runCli(['predict', '--model', model, '-'], { stdin: data });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^inc-learn: stdin:3: field "attrib2": expected a number, found "oops"\n$/);
    assert.deepEqual(lines(failed.stdout), [out[0], out[1]], 'the rows before the bad one got their lines');
    // --learn: what was learned before the bad row is checkpointed before the error.
    const learned = join(dir, 'learned-before-failing');
    const failedLearning = await runCli(['predict', '--model', model, '--learn', '-', '--save', learned], { stdin: data });
    assert.equal(failedLearning.code, 1);
    assert.equal(lines(failedLearning.stdout).length, 2);
    assert.equal((await readCheckpoint(learned)).state.counts.rows, 5001);
  });

  it('copies kept cells exactly as written: leading zeros, long digits, trailing zeros, -0, spaces', async () => {
    const ids = ['08123', '1234567890123456789', '1.50', '-0', '1E+05', ' 7', 'r1', '.5', '00'];
    // CSV: the unquoted field; quoted or not, a kept column that is also a feature, a column never read.
    const csv =
      ['id,attrib1,attrib2,attrib3,note', ...ids.map((id, i) => `${i % 2 === 0 ? id : `"${id}"`},${i % 2 === 0 ? '1.50' : '"2.0"'},${i},3,${id}`)].join('\n') + '\n';
    // A record csv-parse reads (an escaped quote in it) keeps its numbers' text too.
    const csvFile = join(dir, 'ids.csv');
    writeFileSync(csvFile, csv + '3.10,1.50,9,3,"say ""3.10"""\n');
    // JSON lines: a string's text, a number's literal (08123 is not a JSON number: it comes as a string).
    const json = ['"08123"', '1234567890123456789', '1.50', '-0', '1E+05', '" 7"', '"r1"', '".5"', '"00"'];
    const jsonlFile = join(dir, 'ids.jsonl');
    writeFileSync(jsonlFile, json.map((v, i) => `{"id":${v},"attrib1":1.50,"attrib2":${i},"attrib3":3,"note":${v}}`).join('\n') + '\n');
    const expectedJson = ['"08123"', '1234567890123456789', '1.50', '-0', '1E+05', '" 7"', '"r1"', '".5"', '"00"'];
    for (const thread of ['--parse-thread', '--no-parse-thread']) {
      for (const learn of [[], ['--learn', '--save', join(dir, 'keep-learn')]]) {
        const args = ['predict', '--model', model, '--keep', 'id,attrib1,note', thread, ...learn];
        const fromCsv = await ok([...args, csvFile]);
        const rows = lines(fromCsv.stdout).slice(1);
        assert.deepEqual(rows.map((l) => l.split(',')[0]), [...ids, '3.10'], `${thread} ${learn.join(' ')}`);
        assert.deepEqual(rows.map((l) => l.split(',')[1]), [...ids.map((_, i) => (i % 2 === 0 ? '1.50' : '2.0')), '1.50']);
        assert.deepEqual(rows.map((l) => l.split(',')[2]), [...ids, '"say ""3.10"""']);
        const asJson = await ok([...args, csvFile, '--output', 'jsonl']);
        assert.deepEqual(
          lines(asJson.stdout).map((l) => l.slice(0, l.indexOf(',"attrib1"'))),
          [...ids, '3.10'].map((id) => `{"id":${/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(id) ? id : JSON.stringify(id)}`),
        );
        const fromJsonl = await ok([...args, jsonlFile, '--output', 'jsonl']);
        const out = lines(fromJsonl.stdout);
        assert.deepEqual(
          out.map((l) => l.slice(0, l.indexOf(',"prediction"'))),
          expectedJson.map((v) => `{"id":${v},"attrib1":1.50,"note":${v}`),
        );
        for (const l of out) JSON.parse(l);
        // The predictions do not depend on what is kept.
        const plain = await ok(['predict', '--model', model, thread, ...learn, jsonlFile, '--output', 'jsonl']);
        assert.deepEqual(
          lines(plain.stdout),
          out.map((l) => `{${l.slice(l.indexOf('"prediction"'))}`),
        );
      }
    }
  });

  it('refuses input without a feature column the model uses', async () => {
    const r = await runCli(['predict', '--model', model, '-'], { stdin: 'attrib1,attrib3\n1,2\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^inc-learn: stdin: no column "attrib2", which the model in .*model was trained with; the columns are: attrib1, attrib3\n$/);
  });

  it('answers each row of a live pipe as it arrives', { timeout: 60_000 }, async () => {
    // Each row is written only after the answer to the previous one came back: a reader that waits
    // for a full batch (or the end of the input) never answers, and the test times out.
    const child = spawn(process.execPath, [BIN, 'predict', '--model', model, '-', '--format', 'csv'], { env: { ...process.env, NO_COLOR: '1' } });
    const answers = await converse(child, ['attrib1,attrib2,attrib3\n', '1,2,3\n', '7,1,2\n', '9,9,9\n'], 4);
    assert.equal(answers[0], 'prediction,p_0,p_1');
    assert.equal(answers.length, 4);
  });
});

/** Writes `inputs` one at a time, each after the output has reached one more line; returns the lines. */
function converse(child: ChildProcessWithoutNullStreams, inputs: string[], expected: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const got: string[] = [];
    let sent = 0;
    const sendNext = (): void => {
      if (sent < inputs.length) child.stdin.write(inputs[sent++]!);
      if (sent === inputs.length && got.length >= expected) child.stdin.end();
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        got.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        sendNext();
      }
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(got) : reject(new Error(`exit ${code}: ${stderr}`))));
    // The header line comes with the first data line (it is written with the first batch).
    child.stdin.write(inputs[sent++]!);
    child.stdin.write(inputs[sent++]!);
  });
}

describe('inc-learn predict --learn', () => {
  it('tests then trains like train --resume: the same model, and the prequential accuracy of its predictions', async () => {
    const viaTrain = join(dir, 'via-train');
    const viaPredict = join(dir, 'via-predict');
    const t = await ok(['train', second, '--json', '--resume', model, '--save', viaTrain]);
    const p = await ok(['predict', '--model', model, '--learn', second, '--save', viaPredict]);
    const [a, b] = await Promise.all([readCheckpoint(viaTrain), readCheckpoint(viaPredict)]);
    for (const key of ['learner', 'featurizer', 'sampler', 'evaluator', 'counts', 'streamRows'] as const) assert.deepEqual(b.state[key], a.state[key], key);
    const epoch = jsonLines(t.stdout).find((e) => e.event === 'epoch') as Record<string, number>;
    assert.equal(accuracyOf(p.stdout, second, 3), epoch.accuracy);
    assert.match(p.stderr, /5,000 learned/);
    // The checkpoint given with --model is untouched when --save names another directory.
    assert.equal((await readCheckpoint(model)).state.counts.rows, 5000);
  });

  it('on the shared elec stream: the same prequential accuracy as train --resume', async (t) => {
    const elec = sharedDataset('elec.csv');
    if (!elec) return t.skip(SHARED_MISSING);
    const all = lines(readFileSync(elec, 'utf8'));
    const half = Math.floor((all.length - 1) / 2);
    const a = csvPart(elec, 0, half, 'elec-a.csv');
    const b = csvPart(elec, half, all.length - 1, 'elec-b.csv');
    const m = join(dir, 'elec-model');
    await ok(['train', a, '--json', '--save', m]);
    const tr = await ok(['train', b, '--json', '--resume', m, '--save', join(dir, 'elec-t')]);
    const pr = await ok(['predict', '--model', m, '--learn', b, '--save', join(dir, 'elec-p')]);
    const epoch = jsonLines(tr.stdout).find((e) => e.event === 'epoch') as Record<string, number>;
    assert.equal(accuracyOf(pr.stdout, b, 6), epoch.accuracy);
    assert.equal(lines(pr.stdout).length, lines(readFileSync(b, 'utf8')).length);
  });

  it('predicts rows without a label and does not learn them; checkpoints back to --model', async () => {
    const m = join(dir, 'unlabelled');
    await ok(['train', first, '--json', '--save', m]);
    const data = 'attrib1,attrib2,attrib3,class\n1,2,3,1\n4,5,6,\n7,8,9,NA\n2,2,2,0\n';
    const { stdout, stderr } = await ok(['predict', '--model', m, '--learn', '-', '--output', 'jsonl'], data);
    const out = jsonLines(stdout);
    assert.equal(out.length, 4);
    assert.ok(out.every((o) => o.prediction === '0' || o.prediction === '1'));
    assert.match(stderr, /4 rows, 4 predicted, 2 learned, 2 without a label/);
    const saved = await readCheckpoint(m);
    assert.equal(saved.state.counts.rows, 5002);
    assert.equal(saved.state.counts.unlabeled, 2);
    assert.equal(saved.state.counts.trained, 5002);
  });

  it('rewrites the checkpoint every --checkpoint-every rows', async () => {
    const m = join(dir, 'every-learn');
    const { stderr } = await ok(['predict', '--model', model, '--learn', second, '--save', m, '--checkpoint-every', '1500']);
    assert.match(stderr, /checkpoint .*every-learn \(10,000 rows in all\)/);
    assert.equal((await readCheckpoint(m)).state.streamRows, 10000);
  });

  it('answers an MLP stream row by row, before a mini-batch fills', { timeout: 120_000 }, async () => {
    const m = join(dir, 'mlp');
    await ok(['train', first, '--json', '--save', m, '--model', 'mlp', '--hidden', '4', '--batch-size', '64', '--backend', 'cpu']);
    const child = spawn(process.execPath, [BIN, 'predict', '--model', m, '--learn', '-', '--format', 'csv', '-q'], { env: { ...process.env, NO_COLOR: '1' } });
    const answers = await converse(child, ['attrib1,attrib2,attrib3,class\n', '1,2,3,0\n', '7,1,2,1\n', '9,9,9,1\n', '0,1,0,0\n'], 5);
    assert.equal(answers.length, 5);
    const saved = await readCheckpoint(m);
    assert.equal(saved.state.counts.rows, 5004);
    assert.equal(saved.state.carried.block.rows + saved.state.carried.pending.rows, (5000 % 64) + 4, 'learned when the mini-batch fills');
  });

  it('starts a new model when the --model directory does not exist: the model and predictions train makes', async () => {
    const viaTrain = join(dir, 'new-via-train');
    const viaPredict = join(dir, 'new-via-predict');
    const flags = ['--target', 'class', '--optimizer', 'adam', '--sampler', 'window', '--buffer-size', '200', '--seed', '3', '--infer-rows', '300'];
    const t = await ok(['train', first, '--json', '--save', viaTrain, ...flags]);
    const p = await ok(['predict', '--learn', '--model', viaPredict, '-', '--learner', 'linear', ...flags], readFileSync(first, 'utf8'));
    assert.match(p.stderr, /^inc-learn predict --learn: a new model in .*new-via-predict \(no model there yet\)\n {2}learner {2}logistic\(adam, lr=0\.01, l2=0\)\n {2}schema {3}from the first 300 rows; target class, classification, classes 0 1\n/);
    const [a, b] = await Promise.all([readCheckpoint(viaTrain), readCheckpoint(viaPredict)]);
    for (const key of ['schema', 'learner', 'featurizer', 'sampler', 'evaluator', 'counts', 'streamRows'] as const) assert.deepEqual(b.state[key], a.state[key], key);
    const epoch = jsonLines(t.stdout).find((e) => e.event === 'epoch') as Record<string, number>;
    assert.equal(accuracyOf(p.stdout, first, 3), epoch.accuracy);
    // It goes on from there like any model.
    const again = await ok(['predict', '--learn', '--model', viaPredict, second, '-q']);
    assert.equal(lines(again.stdout).length, 5001);
    assert.equal((await readCheckpoint(viaPredict)).state.counts.rows, 10000);
  });

  it('takes the new-model flags only for a new model, and a learner name only as --learner', async () => {
    const existing = await runCli(['predict', '--learn', '--model', model, second, '--lr', '0.5']);
    assert.equal(existing.code, 2);
    assert.match(existing.stderr, /--lr applies to a new model \(predict --learn with a --model directory that does not exist yet\); .* holds one/);
    const named = await runCli(['predict', '--learn', '--model', 'mlp', second]);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /--learner mlp/);
    const without = await runCli(['predict', '--model', join(dir, 'nothing-here'), second]);
    assert.notEqual(without.code, 0, without.stderr);
    assert.match(without.stderr, /no checkpoint here/);
  });

  it('refuses --save and --checkpoint-every without --learn', async () => {
    for (const flags of [['--save', join(dir, 'x')], ['--checkpoint-every', '10']]) {
      const r = await runCli(['predict', '--model', model, second, ...flags]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /applies to predict --learn/);
    }
  });
});

describe('inc-learn evaluate', () => {
  it("reports the saved model's metrics without learning, as text or one JSON line", async () => {
    const j = await ok(['evaluate', '--model', model, second, '--json']);
    const events = jsonLines(j.stdout);
    assert.equal(events.length, 1);
    const e = events[0] as Record<string, any>;
    assert.equal(e.event, 'evaluate');
    assert.equal(e.rows, 5000);
    assert.equal(e.evaluated, 5000);
    const p = await ok(['predict', '--model', model, second]);
    assert.equal(e.accuracy, accuracyOf(p.stdout, second, 3));
    const text = await ok(['evaluate', '--model', model, second]);
    assert.match(text.stdout, /accuracy +0\.\d{4}/);
    assert.equal((await readCheckpoint(model)).state.counts.rows, 5000, 'nothing learned');
  });

  it('needs the target column', async () => {
    const r = await runCli(['evaluate', '--model', model, '-'], { stdin: 'attrib1,attrib2,attrib3\n1,2,3\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no target column "class"/);
  });
});
