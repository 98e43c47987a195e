#!/usr/bin/env python3
"""Alternating timings that keep only 'clean' runs: runs during which other processes used less than
CLEAN of one core on average (from /proc/stat busy time minus this run's own CPU time).
Usage: bench3.py GROUPS.json [want_clean=3] [max_rounds=10]"""
import json, os, re, resource, statistics, subprocess, sys, time
# INC: this checkout's build; INCB: another build to compare with (a copy of bin/, dist/, package.json).
INC = 'node ' + os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bin', 'inc-learn.js')
INCB = 'node ' + os.environ.get('INCB_DIR', '/tmp/sweep/base') + '/bin/inc-learn.js'
import re as _re
CLEAN = float(os.environ.get('CLEAN', '0.15'))
HZ = os.sysconf('SC_CLK_TCK')
def busy():
    f = open('/proc/stat').readline().split()[1:]
    v = list(map(int, f))
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / HZ
groups = json.load(open(sys.argv[1]))
want = int(sys.argv[2]) if len(sys.argv) > 2 else 3
maxr = int(sys.argv[3]) if len(sys.argv) > 3 else 10
out = []
for g in groups:
    runs = {lab: [] for lab, _ in g['cmds']}
    info = {}
    for r in range(maxr):
        if r >= want and all(sum(1 for x in runs[lab] if x['clean']) >= want for lab in runs): break
        for lab, cmd in g['cmds']:
            cmd = cmd.replace('INCB', INCB).replace('INC', INC)
            # Wait (up to 20 s) for a moment when other processes use less than CLEAN of a core.
            for _ in range(40):
                q0 = busy(); time.sleep(0.25); q1 = busy()
                if (q1 - q0) / 0.25 < CLEAN: break
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN); b0 = busy()
            t0 = time.perf_counter()
            p = subprocess.run(['sh', '-c', cmd], capture_output=True, text=True)
            t = time.perf_counter() - t0
            b1 = busy(); ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
            others = max(0.0, (b1 - b0) - cpu) / t
            runs[lab].append({'t': t, 'cpu': cpu, 'others': others, 'clean': others < CLEAN})
            if lab not in info:
                acc = rows = None
                m = re.search(r'rows (\d+) accuracy ([0-9.]+)', p.stdout)
                if m: rows, acc = int(m.group(1)), float(m.group(2))
                for line in p.stdout.strip().splitlines():
                    try: j = json.loads(line)
                    except Exception: continue
                    if j.get('event') == 'summary': rows, acc = j['rows'], j['accuracy']
                info[lab] = dict(rc=p.returncode, rows=rows, acc=acc, err=p.stderr.strip()[:160] if p.returncode else '')
    res = {'name': g['name'], 'cmds': []}
    for lab, _ in g['cmds']:
        rs = runs[lab]; clean = [x for x in rs if x['clean']]
        use = clean if len(clean) >= 2 else rs
        res['cmds'].append({'label': lab, 'median': statistics.median(x['t'] for x in use), 'cpu': statistics.median(x['cpu'] for x in use),
                            'n_clean': len(clean), 'n': len(rs), 'all': [round(x['t'], 3) for x in rs], 'clean_t': [round(x['t'], 3) for x in clean], **info[lab]})
    base = res['cmds'][0]['median']; basecpu = res['cmds'][0]['cpu']
    for c in res['cmds']:
        c['ratio'] = c['median'] / base; c['cpu_ratio'] = c['cpu'] / basecpu
        print(f"{g['name']:12} {c['label']:44} {c['median']:6.3f}s x{c['ratio']:5.2f} cpu {c['cpu']:6.3f} x{c['cpu_ratio']:5.2f} clean {c['n_clean']}/{c['n']} acc={c['acc']} rc={c['rc']} {c['err']} {c['clean_t']}", flush=True)
    out.append(res)
json.dump(out, open(sys.argv[1].replace('.json', '.out3.json'), 'w'), indent=1)
