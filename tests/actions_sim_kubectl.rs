//! What the executors rely on from the simulator, checked with real kubectl (the one on PATH
//! and Debian's 1.20): a resourceVersion in a PATCH is a precondition for every kind, a
//! second create of a Lease is 409 AlreadyExists, `managedFields` name each writer's fields
//! (and kubectl shows them), and a write by one manager keeps the annotations of another.

mod support;

use serde_json::Value;
use support::SimProcess;
use support::kubectl::{self, Kubectl};

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

    fn json(&self, what: &str) -> Value {
        let mut args = vec!["get", what, "-o", "json"];
        // 1.21 and later hide managedFields unless asked; 1.20 always prints them.
        if self.k.label != "debian-1.20" {
            args.push("--show-managed-fields");
        }
        serde_json::from_str(&self.ok(&args)).expect("kubectl -o json")
    }
}

fn each(test: impl Fn(&Ctx<'_>)) {
    let all = kubectl::all();
    assert!(
        !(all.is_empty() && std::env::var_os("CI").is_some()),
        "kubectl is required in CI"
    );
    for k in all {
        let sim = SimProcess::start(&["--pod-step-ms", "40", "--tick-ms", "20"]);
        eprintln!("-- kubectl {} against {}", k.label, sim.url);
        test(&Ctx { k: &k, sim: &sim });
    }
}

fn managers(obj: &Value) -> Vec<String> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["manager"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_stale_resource_version_in_a_patch_conflicts_for_every_kind() {
    each(|c| {
        for (what, patch) in [
            (
                "service/app",
                r#"{"spec":{"selector":{"version":"green"}}}"#,
            ),
            ("deployment/app-green", r#"{"spec":{"replicas":2}}"#),
            (
                "httproute/app",
                r#"{"metadata":{"labels":{"touched":"yes"}}}"#,
            ),
        ] {
            let obj = c.json(what);
            let rv = obj["metadata"]["resourceVersion"]
                .as_str()
                .expect("rv")
                .to_string();
            let with_rv = |rv: &str| {
                let mut p: Value = serde_json::from_str(patch).expect("patch");
                p["metadata"]["resourceVersion"] = Value::from(rv);
                p.to_string()
            };
            let stale = c.fails(&["patch", what, "--type=merge", "-p", &with_rv("1")]);
            assert!(
                stale.contains("Conflict") || stale.contains("the object has been modified"),
                "[{}] {what}: {stale}",
                c.k.label
            );
            c.ok(&["patch", what, "--type=merge", "-p", &with_rv(&rv)]);
        }
        let lease = c.sim.file("lock.yaml");
        std::fs::write(
            &lease,
            "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: warroom-app\n  namespace: demo\nspec:\n  holderIdentity: a\n  leaseDurationSeconds: 30\n",
        )
        .expect("write");
        let path = lease.to_string_lossy().into_owned();
        c.ok(&["create", "-f", &path]);
        let again = c.fails(&["create", "-f", &path]);
        assert!(
            again.contains("AlreadyExists") || again.contains("already exists"),
            "{again}"
        );
        let rv = c.json("lease/warroom-app")["metadata"]["resourceVersion"]
            .as_str()
            .expect("rv")
            .to_string();
        let stale = c.fails(&[
            "patch",
            "lease",
            "warroom-app",
            "--type=merge",
            "-p",
            r#"{"metadata":{"resourceVersion":"2"},"spec":{"holderIdentity":"b"}}"#,
        ]);
        assert!(
            stale.contains("Conflict") || stale.contains("modified"),
            "{stale}"
        );
        c.ok(&[
            "patch",
            "lease",
            "warroom-app",
            "--type=merge",
            "-p",
            &format!(
                r#"{{"metadata":{{"resourceVersion":"{rv}"}},"spec":{{"holderIdentity":"b"}}}}"#
            ),
        ]);
    });
}

#[test]
fn managed_fields_name_each_writer_and_annotations_are_kept() {
    each(|c| {
        let before = c.json("service/app");
        assert_eq!(
            managers(&before),
            ["kubectl-client-side-apply"],
            "[{}]",
            c.k.label
        );
        c.ok(&[
            "patch", "service", "app", "--type=merge", "--field-manager=warroom", "-p",
            r#"{"metadata":{"annotations":{"warroom.io/seq":"7"}},"spec":{"selector":{"version":"green"}}}"#,
        ]);
        c.ok(&[
            "annotate",
            "service",
            "app",
            "gitops/revision=abc",
            "--field-manager=argocd",
        ]);
        let svc = c.json("service/app");
        let ann = &svc["metadata"]["annotations"];
        assert_eq!(ann["warroom.io/seq"], "7", "kept: {ann}");
        assert_eq!(ann["gitops/revision"], "abc");
        let entries = svc["metadata"]["managedFields"]
            .as_array()
            .expect("managedFields");
        let entry = |m: &str| {
            entries
                .iter()
                .find(|e| e["manager"] == m)
                .unwrap_or_else(|| panic!("[{}] no {m} entry: {entries:?}", c.k.label))
        };
        let warroom = entry("warroom");
        assert_eq!(warroom["operation"], "Update");
        assert_eq!(warroom["fieldsType"], "FieldsV1");
        assert!(warroom["time"].is_string());
        assert!(
            warroom["fieldsV1"]["f:spec"]["f:selector"]["f:version"].is_object(),
            "{warroom}"
        );
        let argocd = entry("argocd");
        assert!(
            argocd["fieldsV1"]["f:metadata"]["f:annotations"]["f:gitops/revision"].is_object(),
            "{argocd}"
        );
        assert!(
            argocd["fieldsV1"].get("f:spec").is_none(),
            "argocd changed no spec field"
        );
        // The selector key the apply set first is now warroom's alone.
        let apply = entry("kubectl-client-side-apply");
        assert!(
            apply["fieldsV1"]["f:spec"]["f:selector"]
                .get("f:version")
                .is_none(),
            "{apply}"
        );
    });
}
