import json
D = '/tmp/sweep/data/'
R = lambda f: ['ref ' + f, f'/tmp/ref_lr {D}{f} 0.1']
B = lambda f, extra='': [f'base {f} {extra}'.strip(), f'INCB train {D}{f} --quiet --json {extra}'.strip()]
W = lambda f, extra='': [f'wt {f} {extra}'.strip(), f'INC train {D}{f} --quiet --json {extra}'.strip()]
WS = lambda f, extra='': [f'wt stdin {f}', f'cat {D}{f} | INC train - --quiet --json {extra}'.strip()]
C = lambda c, f: [f'{c} {f}', f'node /tmp/sweep/{c}/bin/inc-learn.js train {D}{f} --quiet --json']
g = []
add = lambda name, *cmds: g.append({'name': name, 'cmds': list(cmds)})
add('sea', R('sea.csv'), B('sea.csv'), W('sea.csv'), WS('sea.csv'), W('sea.jsonl'))
add('base', R('base.csv'), W('base.csv'), WS('base.csv'), W('j_compact.jsonl'))
add('f6', R('f6.csv'), W('f6.csv'))
add('f10', R('f10.csv'), W('f10.csv'), W('j_f10.jsonl'))
add('f20', R('f20.csv'), W('f20.csv'))
for v in ['neg', 'int', 'sci', 'gfmt', 'notrail', 'qheader', 'lab0.0', 'ylast']:
    add(v, R(v + '.csv'), W(v + '.csv'))
add('missing', R('missing.csv'), B('missing.csv'), W('missing.csv'))
add('crlf', R('crlf.csv'), W('crlf.csv'), WS('crlf.csv'))
add('labfirst', R('base.csv'), W('labfirst.csv'), W('targetfirst.csv'))
add('labTF', R('base.csv'), B('labTF.csv'), C('c-56ebd1c', 'labTF.csv'), C('c-be80504', 'labTF.csv'), C('c-abb06db', 'labTF.csv'), W('labTF.csv'), WS('labTF.csv'))
add('labyn', R('base.csv'), B('labyn.csv'), W('labyn.csv'))
add('rfactor', R('base.csv'), B('rfactor.csv'), W('rfactor.csv'), WS('rfactor.csv'))
add('rnames', R('base.csv'), B('rnames.csv', '--columns rn,x0,x1,x2,label --ignore rn'), W('rnames.csv', '--columns rn,x0,x1,x2,label --ignore rn'))
add('pdindex', R('pdindex.csv'), W('pdindex.csv', '--columns idx,x0,x1,x2,label'), W('pdindex.csv', '--columns idx,x0,x1,x2,label --ignore idx'))
add('gz', R('base.csv'), ['zcat|ref -', f'zcat {D}base.csv.gz | /tmp/ref_lr - 0.1'], W('base.csv.gz'), WS('base.csv.gz'), W('base.csv'))
add('jsonl', R('base.csv'), W('base.csv'), W('j_compact.jsonl'), W('j_spaces.jsonl'), WS('j_spaces.jsonl'), W('j_ints.jsonl'))
add('j_order', R('base.csv'), W('base.csv'), B('j_order.jsonl'), C('c-60606a3', 'j_order.jsonl'), W('j_order.jsonl'))
add('j_strings', R('base.csv'), W('base.csv'), B('j_strings.jsonl'), C('c-05f9f02', 'j_strings.jsonl'), C('c-9295e12', 'j_strings.jsonl'), W('j_strings.jsonl'))
add('j_bool', R('base.csv'), W('base.csv'), B('j_bool.jsonl'), W('j_bool.jsonl'))
add('savetxt', R('savetxt.csv'), W('savetxt.csv'))
json.dump(g, open('/tmp/sweep/groups4.json', 'w'), indent=1)
print(sum(len(x['cmds']) for x in g), 'commands')
