#!/usr/bin/env python3
"""Generates 2M-row variants of a numeric binary-classification stream into /tmp/sweep/data."""
import gzip, json, os, sys
import numpy as np

N = int(os.environ.get('ROWS', 2_000_000))
OUT = '/tmp/sweep/data'
os.makedirs(OUT, exist_ok=True)

def data(d, seed=7, lo=0.0, hi=10.0, kind='float'):
    rng = np.random.default_rng(seed)
    if kind == 'int':
        X = rng.integers(0, 1000, size=(N, d)).astype(np.float64)
        c = 500.0
    else:
        X = rng.uniform(lo, hi, size=(N, d))
        c = (lo + hi) / 2
    w = rng.normal(size=d)
    z = (X - c) @ w / (np.abs(w).sum() * (hi - lo if kind != 'int' else 1000) / 8)
    y = (z + rng.normal(scale=0.35, size=N) > 0).astype(np.int64)
    return X, y

def fmt_cols(X, f):
    return [[f(v) for v in X[:, j].tolist()] for j in range(X.shape[1])]

def write_csv(name, header, cols, eol='\n', trailing=True, opener=open):
    path = os.path.join(OUT, name)
    rows = zip(*cols)
    with opener(path, 'wt', newline='') as fh:
        fh.write(header + eol)
        buf = []
        for i, r in enumerate(rows):
            buf.append(','.join(r))
            if len(buf) == 100000:
                fh.write(eol.join(buf) + eol)
                buf = []
        if buf:
            fh.write(eol.join(buf) + (eol if trailing else ''))
    print(name, os.path.getsize(path), file=sys.stderr)

f6 = lambda v: f'{v:.6f}'
lab01 = lambda y: [str(v) for v in y.tolist()]
names = lambda d: [f'x{j}' for j in range(d)]

def std_csv(name, d=3, **kw):
    X, y = data(d, **{k: v for k, v in kw.items() if k in ('lo', 'hi', 'kind', 'seed')})
    fmt = kw.get('fmt', f6)
    write_csv(name, ','.join(names(d) + ['label']), fmt_cols(X, fmt) + [lab01(y)],
              eol=kw.get('eol', '\n'), trailing=kw.get('trailing', True), opener=kw.get('opener', open))

def variant(v):
    if v == 'base':        std_csv('base.csv')
    elif v == 'f6':        std_csv('f6.csv', 6)
    elif v == 'f10':       std_csv('f10.csv', 10)
    elif v == 'f20':       std_csv('f20.csv', 20)
    elif v == 'neg':       std_csv('neg.csv', lo=-10.0, hi=10.0)
    elif v == 'int':       std_csv('int.csv', kind='int', fmt=lambda x: str(int(x)))
    elif v == 'sci':       # small magnitudes as numpy/pandas print them: 1.234568e-05
        X, y = data(3)
        X = X * 1e-6
        write_csv('sci.csv', 'x0,x1,x2,label', fmt_cols(X, lambda x: f'{x:.6e}') + [lab01(y)])
    elif v == 'gfmt':      # %g: mixed plain and exponent forms
        X, y = data(3)
        X = X * np.array([1e-6, 1.0, 1e5])
        write_csv('gfmt.csv', 'x0,x1,x2,label', fmt_cols(X, lambda x: f'{x:.7g}') + [lab01(y)])
    elif v == 'savetxt':   # np.savetxt default fmt '%.18e' (19 significant digits, > 15: the known issue)
        X, y = data(3)
        path = os.path.join(OUT, 'savetxt.csv')
        np.savetxt(path, np.column_stack([X, y]), delimiter=',', header='x0,x1,x2,label', comments='')
        print('savetxt.csv', os.path.getsize(path), file=sys.stderr)
    elif v == 'crlf':      std_csv('crlf.csv', eol='\r\n')
    elif v == 'notrail':   std_csv('notrail.csv', trailing=False)
    elif v == 'gz':        std_csv('base.csv.gz', opener=lambda p, m, newline: gzip.open(p, m, newline=newline, compresslevel=6))
    elif v == 'qheader':   # R write.csv(row.names=FALSE) / csv.QUOTE_NONNUMERIC header
        X, y = data(3)
        write_csv('qheader.csv', '"x0","x1","x2","label"', fmt_cols(X, f6) + [lab01(y)])
    elif v == 'pdindex':   # pandas to_csv(float_format='%.6f'): unnamed index column
        X, y = data(3)
        write_csv('pdindex.csv', ',x0,x1,x2,label', [[str(i) for i in range(N)]] + fmt_cols(X, f6) + [lab01(y)])
    elif v == 'rnames':    # R write.csv default: quoted header with "" first, quoted row names
        X, y = data(3)
        write_csv('rnames.csv', '"","x0","x1","x2","label"', [[f'"{i+1}"' for i in range(N)]] + fmt_cols(X, f6) + [lab01(y)])
    elif v == 'rfactor':   # R write.csv(row.names=FALSE) with a factor label: "yes"/"no" quoted
        X, y = data(3)
        write_csv('rfactor.csv', '"x0","x1","x2","label"', fmt_cols(X, f6) + [['"yes"' if t else '"no"' for t in y.tolist()]])
    elif v == 'labfirst':
        X, y = data(3)
        write_csv('labfirst.csv', 'label,x0,x1,x2', [lab01(y)] + fmt_cols(X, f6))
    elif v == 'targetfirst':
        X, y = data(3)
        write_csv('targetfirst.csv', 'target,x0,x1,x2', [lab01(y)] + fmt_cols(X, f6))
    elif v == 'ylast':
        X, y = data(3)
        write_csv('ylast.csv', 'x0,x1,x2,y', fmt_cols(X, f6) + [lab01(y)])
    elif v == 'lab0.0':
        X, y = data(3)
        write_csv('lab0.0.csv', 'x0,x1,x2,label', fmt_cols(X, f6) + [[f'{float(t)}' for t in y.tolist()]])
    elif v == 'labTF':
        X, y = data(3)
        write_csv('labTF.csv', 'x0,x1,x2,label', fmt_cols(X, f6) + [['True' if t else 'False' for t in y.tolist()]])
    elif v == 'labyn':
        X, y = data(3)
        write_csv('labyn.csv', 'x0,x1,x2,label', fmt_cols(X, f6) + [['yes' if t else 'no' for t in y.tolist()]])
    elif v == 'missing':   # 1% empty cells, as pandas writes NaN
        X, y = data(3)
        rng = np.random.default_rng(3)
        mask = rng.random(X.shape) < 0.01
        cols = fmt_cols(X, f6)
        for j in range(3):
            for i in np.nonzero(mask[:, j])[0].tolist(): cols[j][i] = ''
        write_csv('missing.csv', 'x0,x1,x2,label', cols + [lab01(y)])
    elif v.startswith('j'):
        jsonl(v)
    else:
        raise SystemExit('unknown variant ' + v)

def jsonl(v):
    d = 10 if v == 'j_f10' else 3
    X, y = data(d)
    X = np.round(X, 6)
    keys = names(d) + ['label']
    rng = np.random.default_rng(11)
    path = os.path.join(OUT, v + '.jsonl')
    Xl = X.tolist(); yl = y.tolist()
    with open(path, 'w') as fh:
        out = []
        for i in range(N):
            rec = dict(zip(keys, Xl[i] + [yl[i]]))
            if v == 'j_compact' or v == 'j_f10':
                s = json.dumps(rec, separators=(',', ':'))
            elif v == 'j_spaces':
                s = json.dumps(rec)
            elif v == 'j_order':
                ks = list(keys); rng.shuffle(ks) if False else None
                perm = ORDERS[i % len(ORDERS)]
                s = json.dumps({keys[k]: rec[keys[k]] for k in perm}, separators=(',', ':'))
            elif v == 'j_strings':  # extra string fields: an id and a timestamp
                rec = {'id': f'u{i:08d}', 'ts': f'2024-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}Z', **rec}
                s = json.dumps(rec, separators=(',', ':'))
            elif v == 'j_nested':
                rec = {**rec, 'meta': {'src': 'sensor', 'v': 2}}
                s = json.dumps(rec, separators=(',', ':'))
            elif v == 'j_bool':
                rec['label'] = bool(yl[i])
                s = json.dumps(rec, separators=(',', ':'))
            elif v == 'j_ints':  # y as 1.0 / 0.0 (a float column exported)
                rec['label'] = float(yl[i])
                s = json.dumps(rec, separators=(',', ':'))
            out.append(s)
            if len(out) == 100000:
                fh.write('\n'.join(out) + '\n'); out = []
        if out: fh.write('\n'.join(out) + '\n')
    print(os.path.basename(path), os.path.getsize(path), file=sys.stderr)

import itertools
ORDERS = [list(p) for p in itertools.permutations(range(4))]

for v in sys.argv[1:]:
    variant(v)
