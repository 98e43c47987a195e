#!/usr/bin/env python3
"""Summarize .cpuprofile files: self time per function (file:line), top N, plus per-file totals."""
import re, json, sys, collections, os
N = 18
for path in sys.argv[1:]:
    p = json.load(open(path))
    nodes = {n['id']: n for n in p['nodes']}
    dt = collections.Counter()
    deltas = p['timeDeltas']; samples = p['samples']
    for s, d in zip(samples, deltas):
        dt[s] += d
    total = sum(dt.values())
    selfby = collections.Counter(); byfile = collections.Counter()
    for nid, t in dt.items():
        cf = nodes[nid]['callFrame']
        url = re.sub(r'^file://.*?/(dist|node_modules)/', r'\1/', cf['url']).replace('file://', '')
        name = cf['functionName'] or '(anon)'
        key = f"{name} {url}:{cf['lineNumber']+1}" if url else name
        selfby[key] += t
        byfile[url or name] += t
    print(f'== {os.path.basename(path)}  total {total/1000:.0f} ms')
    for k, t in selfby.most_common(N):
        print(f'  {t/total*100:5.1f}%  {t/1000:6.0f}ms  {k}')
    print('  -- by file:')
    for k, t in byfile.most_common(8):
        print(f'  {t/total*100:5.1f}%  {k}')
