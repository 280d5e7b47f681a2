#!/usr/bin/env python3
"""Breach visible -> rollback request sent, end to end: `warroom demo --headless`, go (with a
declared approval), one traffic step, then the candidate fails half its requests; for each run,
the time from the recorded scrape that made the auto-rollback rule fire to the PATCH the
simulator received for that rollback (its write log, GET /sim/requests).

Usage: python3 benches/breach.py target/release/warroom 10
"""
import subprocess, json, time, sys, os, tempfile, urllib.request, threading, datetime
B=sys.argv[1]; N=int(sys.argv[2])
def ts(s):
    return datetime.datetime.fromisoformat(s.replace('Z','+00:00')).timestamp()*1000
res=[]
for run in range(N):
    d=tempfile.mkdtemp()
    sess=os.path.join(d,'s.jsonl')
    env=dict(os.environ,HOME=d,TMPDIR=d,XDG_STATE_HOME=d+'/state',XDG_DATA_HOME=d+'/data',XDG_CONFIG_HOME=d+'/cfg')
    w=subprocess.Popen([B,'demo','--headless','--session',sess,'--operator','lead'],stdin=subprocess.PIPE,stdout=subprocess.PIPE,stderr=subprocess.PIPE,text=True,env=env)
    url=w.stderr.readline().split()[1]
    class S:
        def kill(self): pass
    sim=S()
    lines=[]
    def rd():
        for l in w.stdout: lines.append(json.loads(l))
    threading.Thread(target=rd,daemon=True).start()
    def wait(pred,t=60):
        end=time.time()+t
        while time.time()<end:
            for l in list(lines):
                if pred(l): return l
            time.sleep(0.05)
        raise SystemExit('timeout; last: %s'%[l['event']['type'] for l in lines[-5:]])
    wait(lambda l:l['event']['type']=='SamplesObserved')
    time.sleep(3)
    subprocess.run([B,'approve',sess,'--as','approver','--reason','m'],env=env,capture_output=True)
    w.stdin.write('go --reason measure\n'); w.stdin.flush()
    wait(lambda l:l['event']['type']=='GoNoGoDecided')
    w.stdin.write('shift\n'); w.stdin.flush()
    wait(lambda l:l['event']['type']=='ActionOutcome')
    req=urllib.request.Request(url+'/sim/faults',data=b'{"version":"green","fault":"errors","error_ratio":0.5}',method='POST')
    urllib.request.urlopen(req).read()
    a=wait(lambda l:l['event']['type']=='ActionRequested' and str(l['event'].get('id','')).startswith('auto'),120)
    i=lines.index(a)
    obs=[l for l in lines[:i] if l['event']['type']=='SamplesObserved'][-1]
    time.sleep(1)
    writes=json.load(urllib.request.urlopen(url+'/sim/requests'))
    ws=writes if isinstance(writes,list) else writes.get('writes',writes)
    patch=[x for x in ws if x.get('action')==a['event']['id'] and x['method'] in('PATCH','PUT')][0]
    res.append((patch['at_ms']-ts(obs['at']), ts(a['at'])-ts(obs['at'])))
    print(run, res[-1], flush=True)
    w.stdin.write('quit\n'); w.stdin.flush(); time.sleep(3); w.kill()
r=sorted(x[0] for x in res); print('observed->PATCH ms sorted', [round(x,1) for x in r])
