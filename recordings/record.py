#!/usr/bin/env python3
"""Re-records the sessions in this directory from `warroom demo --headless`.

Usage: python3 recordings/record.py target/debug/warroom [NAME ...]

Each recording drives the demo the way a deployment lead would, through the headless
commands: an approval from a second "terminal" (`warroom approve --as approver`, which the
demo's config allows outside production), `go`, then `shift` whenever the plan offers the next
step, until the scenario ends the release:
  healthy      the whole plan (10/25/50/100 %) and the completion
  bad-canary   the candidate fails ~8 % of requests; auto-rollback at the first step
  slow-canary  the candidate's p99 is ~3x; auto-rollback on the p99 rule
  crashloop    healthy until the first step, then the candidate's pods crash-loop
               (a fault injected through POST /sim/faults); auto-rollback on the crash loop
"""
import json, os, subprocess, sys, tempfile, threading, time, urllib.request

B = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = {"healthy": "healthy", "bad-canary": "bad-canary",
             "slow-canary": "slow-canary", "crashloop": "healthy"}

def record(name):
    home = tempfile.mkdtemp()
    out = os.path.join(HERE, name + ".jsonl")
    for p in (out, os.path.join(HERE, name + ".allowed_signers")):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, HOME=home, TMPDIR=home, XDG_STATE_HOME=home + "/state",
               XDG_DATA_HOME=home + "/data", XDG_CONFIG_HOME=home + "/cfg")
    w = subprocess.Popen([B, "demo", "--headless", "--scenario", SCENARIOS[name],
                          "--session", out, "--operator", "lead"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    url = w.stderr.readline().split()[1]
    threading.Thread(target=lambda: w.stderr.read(), daemon=True).start()
    lines = []
    def read():
        for l in w.stdout:
            lines.append(json.loads(l))
    threading.Thread(target=read, daemon=True).start()
    def seen(kind, pred=lambda l: True):
        return any(l["event"]["type"] == kind and pred(l) for l in list(lines))
    def wait(kind, limit=180, pred=lambda l: True):
        end = time.time() + limit
        while time.time() < end:
            if seen(kind, pred):
                return
            time.sleep(0.1)
        raise SystemExit(f"{name}: no {kind} within {limit}s")
    def say(cmd):
        w.stdin.write(cmd + "\n")
        w.stdin.flush()
    wait("SamplesObserved")
    time.sleep(3)
    subprocess.run([B, "approve", out, "--as", "approver", "--reason", "staging soak reviewed"],
                   env=env, capture_output=True, check=True)
    say("go --reason \"gates green\"")
    wait("GoNoGoDecided")
    say("shift")
    wait("ActionOutcome")
    if name == "crashloop":
        req = urllib.request.Request(url + "/sim/faults", method="POST",
                                     data=b'{"version":"green","fault":"crashloop"}')
        urllib.request.urlopen(req).read()
    if name == "healthy":
        # The demo's bakes: each step's, plus a few seconds, then the next step (the last
        # `shift` completes the release).
        for n, bake in enumerate([15, 15, 30, 30], start=2):
            time.sleep(bake + 4)
            say("shift")
            if n <= 4:
                wait("ActionOutcome", pred=lambda l, n=n: l["event"].get("id") == f"a{n}")
        wait("ReleaseCompleted", 60)
    else:
        wait("RollbackVerified", 180)
    time.sleep(4)
    say("quit")
    w.stdin.close()
    w.wait(30)
    print(name, len(lines), "lines", flush=True)

names = sys.argv[2:] or list(SCENARIOS)
threads = [threading.Thread(target=record, args=(n,)) for n in names]
for t in threads:
    t.start()
for t in threads:
    t.join()
