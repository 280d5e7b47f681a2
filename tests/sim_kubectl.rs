//! kubectl conformance: the kubectl on PATH and Debian's 1.20 run unchanged against
//! `warroom sim`, and the objects (and the traffic) end up as kubectl said.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::kubectl::{self, Kubectl};
use support::{SimProcess, eventually, http};

const LIMIT: Duration = Duration::from_secs(20);

struct Ctx<'a> {
    k: &'a Kubectl,
    sim: &'a SimProcess,
}

impl Ctx<'_> {
    fn ok(&self, args: &[&str]) -> String {
        self.k.ok(&self.sim.kubeconfig(), self.sim.path(), args)
    }

    fn fails(&self, args: &[&str]) -> String {
        let r = self.k.run(&self.sim.kubeconfig(), self.sim.path(), args);
        assert!(
            !r.ok,
            "[{}] kubectl {args:?} should fail:\n{}",
            self.k.label, r.stdout
        );
        r.stderr
    }

    fn jsonpath(&self, what: &str, path: &str) -> String {
        self.ok(&["get", what, "-o", &format!("jsonpath={path}")])
    }
}

fn each(test: impl Fn(&Ctx<'_>)) {
    each_in(&[], test);
}

fn each_in(extra: &[&str], test: impl Fn(&Ctx<'_>)) {
    for k in kubectl::all() {
        let mut args = vec!["--pod-step-ms", "40", "--tick-ms", "20"];
        args.extend_from_slice(extra);
        let sim = SimProcess::start(&args);
        eprintln!("-- kubectl {} against {}", k.label, sim.url);
        test(&Ctx { k: &k, sim: &sim });
    }
}

#[test]
fn get_prints_the_usual_columns() {
    each(|c| {
        let pods = c.ok(&["get", "pods"]);
        let header: Vec<&str> = pods
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        assert_eq!(
            header,
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            "{pods}"
        );
        assert_eq!(
            pods.lines()
                .filter(|l| l.contains("1/1") && l.contains("Running"))
                .count(),
            6,
            "{pods}"
        );
        let deploy = c.ok(&["get", "deployments"]);
        assert!(
            deploy.starts_with("NAME")
                && deploy.contains("UP-TO-DATE")
                && deploy.contains("AVAILABLE"),
            "{deploy}"
        );
        assert!(
            deploy
                .lines()
                .any(|l| l.starts_with("app-blue") && l.contains("3/3")),
            "{deploy}"
        );
        let rs = c.ok(&["get", "replicasets"]);
        assert!(
            rs.contains("DESIRED") && rs.contains("CURRENT") && rs.lines().count() == 3,
            "{rs}"
        );
        let svc = c.ok(&["get", "services", "-o", "wide"]);
        assert!(
            svc.contains("CLUSTER-IP") && svc.contains("app=app,version=blue"),
            "{svc}"
        );
        let green = c.ok(&["get", "pods", "-l", "version=green", "-o", "name"]);
        assert_eq!(green.lines().count(), 3, "{green}");
        let route = c.ok(&["get", "httproute", "app"]);
        assert!(
            route.contains("HOSTNAMES") && route.contains("app.demo.example"),
            "{route}"
        );
        let missing = c.fails(&["get", "deployment", "nope"]);
        assert!(
            missing.contains("deployments.apps \"nope\" not found"),
            "{missing}"
        );
    });
}

#[test]
fn scale_rollout_status_history_and_undo() {
    each(|c| {
        let status = c.ok(&["rollout", "status", "deployment/app-blue", "--timeout=20s"]);
        assert!(status.contains("successfully rolled out"), "{status}");
        assert!(
            c.ok(&["scale", "deployment/app-blue", "--replicas=5"])
                .contains("scaled")
        );
        c.ok(&["rollout", "status", "deployment/app-blue", "--timeout=20s"]);
        assert_eq!(
            c.jsonpath("deployment/app-blue", "{.status.readyReplicas}"),
            "5"
        );
        let refused = c.fails(&[
            "scale",
            "deployment/app-blue",
            "--current-replicas=2",
            "--replicas=3",
        ]);
        assert!(
            refused.contains("Expected replicas to be 2, was 5"),
            "{refused}"
        );
        c.ok(&[
            "scale",
            "deployment/app-blue",
            "--current-replicas=5",
            "--replicas=3",
        ]);
        assert_eq!(c.jsonpath("deployment/app-blue", "{.spec.replicas}"), "3");

        let before = c.jsonpath(
            "deployment/app-green",
            "{.spec.template.spec.containers[0].image}",
        );
        let patch = r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example.com/demo/app:1.2.4"}]}}}}"#;
        c.ok(&["patch", "deployment", "app-green", "-p", patch]);
        let status = c.ok(&["rollout", "status", "deployment/app-green", "--timeout=20s"]);
        assert!(status.contains("successfully rolled out"), "{status}");
        let history = c.ok(&["rollout", "history", "deployment/app-green"]);
        assert!(
            history.contains("REVISION") && history.lines().any(|l| l.starts_with('2')),
            "{history}"
        );
        assert!(
            c.ok(&["rollout", "undo", "deployment/app-green"])
                .contains("rolled back")
        );
        c.ok(&["rollout", "status", "deployment/app-green", "--timeout=20s"]);
        assert_eq!(
            c.jsonpath(
                "deployment/app-green",
                "{.spec.template.spec.containers[0].image}"
            ),
            before
        );
        // The old ReplicaSet is revived as revision 3, as the real controller does.
        eventually(LIMIT, "revisions 2 and 3", || {
            let h = c.ok(&["rollout", "history", "deployment/app-green"]);
            let revs: Vec<&str> = h
                .lines()
                .skip(2)
                .filter_map(|l| l.split_whitespace().next())
                .collect();
            (revs == ["2", "3"]).then_some(())
        });
        let pods = c.ok(&[
            "get",
            "pods",
            "-l",
            "version=green",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ]);
        assert!(pods.split_whitespace().all(|i| i == before), "{pods}");
    });
}

#[test]
fn patch_service_moves_traffic() {
    each(|c| {
        let sim = c.sim;
        // Strategic merge (kubectl's default): all traffic to green.
        c.ok(&[
            "patch",
            "service",
            "app",
            "-p",
            r#"{"spec":{"selector":{"version":"green"}}}"#,
        ]);
        assert_eq!(
            c.jsonpath("service/app", "{.spec.selector.version}"),
            "green"
        );
        eventually(LIMIT, "traffic to follow the selector to green", || {
            let (b0, g0) = (sim.requests("blue"), sim.requests("green"));
            std::thread::sleep(Duration::from_millis(400));
            let (b1, g1) = (sim.requests("blue"), sim.requests("green"));
            (b1 == b0 && g1 > g0).then_some(())
        });
        let health = http::get(&format!("{}/health/ready", sim.url)).body;
        assert!(health.contains("\"version\":\"1.2.3\""), "{health}");
        // Merge patch back to blue.
        c.ok(&[
            "patch",
            "service",
            "app",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"selector":{"version":"blue"}}}"#,
        ]);
        eventually(LIMIT, "traffic back on blue", || {
            let (b0, g0) = (sim.requests("blue"), sim.requests("green"));
            std::thread::sleep(Duration::from_millis(400));
            let (b1, g1) = (sim.requests("blue"), sim.requests("green"));
            (b1 > b0 && g1 == g0).then_some(())
        });
        // JSON patch: drop the version key, so both colours serve.
        c.ok(&[
            "patch",
            "service",
            "app",
            "--type",
            "json",
            "-p",
            r#"[{"op":"remove","path":"/spec/selector/version"}]"#,
        ]);
        assert_eq!(
            c.jsonpath("service/app", "{.spec.selector}"),
            r#"{"app":"app"}"#
        );
        eventually(LIMIT, "traffic on both colours", || {
            let (b0, g0) = (sim.requests("blue"), sim.requests("green"));
            std::thread::sleep(Duration::from_millis(400));
            (sim.requests("blue") > b0 && sim.requests("green") > g0).then_some(())
        });
    });
}

#[test]
fn httproute_weights_and_leases() {
    each(|c| {
        let weights = r#"{"spec":{"rules":[{"backendRefs":[{"name":"app-blue","port":80,"weight":90},{"name":"app-green","port":80,"weight":10}]}]}}"#;
        c.ok(&[
            "patch",
            "httproute",
            "app",
            "--type",
            "merge",
            "-p",
            weights,
        ]);
        assert_eq!(
            c.jsonpath("httproute/app", "{.spec.rules[0].backendRefs[1].weight}"),
            "10"
        );
        let refused = c.fails(&["patch", "httproute", "app", "-p", weights]);
        assert!(
            refused.contains("unknown format") || refused.contains("not supported"),
            "{refused}"
        );

        let lease = c.sim.file("lease.yaml");
        std::fs::write(&lease, "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: warroom-app\n  namespace: demo\nspec:\n  holderIdentity: lead-a\n  leaseDurationSeconds: 30\n").expect("write lease");
        let path = lease.to_string_lossy().into_owned();
        assert!(c.ok(&["create", "-f", &path]).contains("created"));
        let table = c.ok(&["get", "lease", "warroom-app"]);
        assert!(
            table.contains("HOLDER") && table.contains("lead-a"),
            "{table}"
        );
        let current = c.ok(&["get", "lease", "warroom-app", "-o", "yaml"]);
        std::fs::write(&lease, current.replace("lead-a", "lead-b")).expect("write");
        c.ok(&["replace", "-f", &path]);
        assert_eq!(
            c.jsonpath("lease/warroom-app", "{.spec.holderIdentity}"),
            "lead-b"
        );
        // The file still carries the old resourceVersion: a stale update conflicts.
        let conflict = c.fails(&["replace", "-f", &path]);
        assert!(
            conflict.contains("Conflict") && conflict.contains("the object has been modified"),
            "{conflict}"
        );
        assert!(
            c.ok(&["delete", "lease", "warroom-app"])
                .contains("deleted")
        );
        assert!(
            c.fails(&["get", "lease", "warroom-app"])
                .contains("not found")
        );
        let invalid = c.fails(&[
            "patch",
            "deployment",
            "app-blue",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"replicas":-1}}"#,
        ]);
        assert!(
            invalid.contains("is invalid") && invalid.contains("spec.replicas"),
            "{invalid}"
        );
    });
}

#[test]
fn get_pods_watch_sees_new_pods() {
    each(|c| {
        let mut child = Command::new(&c.k.path)
            .args(["get", "pods", "-w"])
            .env("KUBECONFIG", c.sim.kubeconfig())
            .env("HOME", c.sim.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kubectl get pods -w");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx.recv_timeout(LIMIT).expect("a header line");
        assert!(first.starts_with("NAME"), "{first}");
        let before = c.ok(&["get", "pods", "-o", "name"]);
        c.ok(&["scale", "deployment/app-green", "--replicas=4"]);
        let mut saw_new_ready = false;
        while let Ok(line) = rx.recv_timeout(LIMIT) {
            let name = line.split_whitespace().next().unwrap_or("").to_string();
            if !before.contains(&name) && line.contains("1/1") && line.contains("Running") {
                saw_new_ready = true;
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            saw_new_ready,
            "[{}] the watch never showed the new pod ready",
            c.k.label
        );
    });
}

#[test]
fn crashloop_shows_and_rollout_status_times_out() {
    each_in(&["--scenario", "crashloop"], |c| {
        let pods = eventually(LIMIT, "green pods in CrashLoopBackOff", || {
            let p = c.ok(&["get", "pods", "-l", "version=green"]);
            (p.matches("CrashLoopBackOff").count() >= 1).then_some(p)
        });
        assert!(pods.contains("0/1"), "{pods}");
        c.ok(&[
            "patch",
            "deployment",
            "app-green",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"progressDeadlineSeconds":1}}"#,
        ]);
        let r = c.k.run(
            &c.sim.kubeconfig(),
            c.sim.path(),
            &["rollout", "status", "deployment/app-green", "--timeout=20s"],
        );
        assert!(
            !r.ok,
            "[{}] a crash-looping rollout must not succeed",
            c.k.label
        );
        assert!(
            r.stderr.contains("exceeded its progress deadline"),
            "{}",
            r.stderr
        );
    });
}

#[test]
fn configmaps_and_a_read_only_user() {
    each(|c| {
        // Nothing yet, then one created from a manifest, listed with its data count. (The
        // simulator speaks JSON only: `kubectl create configmap` sends protobuf, a manifest
        // goes as JSON.)
        let empty = c.ok(&["get", "configmaps"]);
        assert!(
            empty.trim().is_empty() || empty.contains("No resources found"),
            "{empty}"
        );
        let manifest = |name: &str| {
            let path = c.sim.path().join(format!("{name}.yaml"));
            std::fs::write(
                &path,
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels:\n    \
                     warroom.dev/approval: \"true\"\ndata:\n  a: \"1\"\n  b: \"2\"\n"
                ),
            )
            .expect("manifest");
            path.display().to_string()
        };
        let notes = manifest("notes");
        c.ok(&["create", "-f", &notes]);
        let got = c.ok(&["get", "cm", "-l", "warroom.dev/approval=true"]);
        let header: Vec<&str> = got
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(header, ["NAME", "DATA", "AGE"], "{got}");
        let row: Vec<&str> = got
            .lines()
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(row[..2], ["notes", "2"], "{got}");
        assert_eq!(c.jsonpath("configmap/notes", "{.data.b}"), "2");
        // The read-only user reads, and is refused writes the way RBAC words it.
        let read = c.ok(&[
            "--context",
            "warroom-sim-viewer",
            "get",
            "configmap",
            "notes",
            "-o",
            "name",
        ]);
        assert_eq!(read.trim(), "configmap/notes");
        let mine = manifest("mine");
        let err = c.fails(&["--context", "warroom-sim-viewer", "create", "-f", &mine]);
        assert!(
            err.contains(
                "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\" \
                 in API group \"\" in the namespace \"demo\""
            ),
            "[{}] {err}",
            c.k.label
        );
        assert!(err.contains("Forbidden"), "{err}");
        // The second user may write, and a watch (from the list's resourceVersion) sees it.
        let mut child = Command::new(&c.k.path)
            .args(["get", "configmaps", "-w", "-o", "name"])
            .env("KUBECONFIG", c.sim.kubeconfig())
            .env("HOME", c.sim.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kubectl get configmaps -w");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx.recv_timeout(LIMIT).expect("the listed configmap");
        assert_eq!(first, "configmap/notes", "[{}]", c.k.label);
        c.ok(&["--context", "warroom-sim-approver", "create", "-f", &mine]);
        let next = rx.recv_timeout(LIMIT);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            next.as_deref(),
            Ok("configmap/mine"),
            "[{}] the watch did not show the new configmap",
            c.k.label
        );
    });
}
