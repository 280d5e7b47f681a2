use super::*;

fn pod(name: &str, reason: Option<&str>) -> Row {
    Row::Pod(PodRow {
        name: name.into(),
        version: "green".into(),
        phase: "Running".into(),
        ready: (1, 1),
        reason: reason.map(str::to_string),
        ..PodRow::default()
    })
}

fn seen(target: Target, s: Seen) -> Report {
    Report {
        target,
        what: Observed::Seen(s),
    }
}

fn failed(target: Target, kind: FailureKind, message: &str) -> Report {
    Report {
        target,
        what: Observed::Failed(Failure {
            kind,
            message: message.into(),
        }),
    }
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

#[test]
fn pods_are_listed_then_changed_only_on_change() {
    let mut t = Tracker::new("kubernetes", "demo");
    let ev = t.observe(seen(
        Target::Pods,
        Seen::Listed(vec![pod("a", None), pod("b", None)]),
    ));
    assert!(matches!(&ev[..], [Event::PodsListed { pods, .. }] if pods.len() == 2));
    assert!(
        t.observe(seen(Target::Pods, Seen::Applied(pod("a", None))))
            .is_empty()
    );
    let ev = t.observe(seen(
        Target::Pods,
        Seen::Applied(pod("a", Some("CrashLoopBackOff"))),
    ));
    assert!(matches!(&ev[..], [Event::PodChanged { pod, .. }] if pod.reason.is_some()));
    let ev = t.observe(seen(Target::Pods, Seen::Deleted("b".into())));
    assert_eq!(kinds(&ev), ["PodDeleted"]);
    assert!(
        t.observe(seen(Target::Pods, Seen::Deleted("b".into())))
            .is_empty()
    );
    // A relist always reports the whole set, even when nothing changed.
    let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![pod("c", None)])));
    assert!(matches!(&ev[..], [Event::PodsListed { pods, .. }] if pods.len() == 1));
}

#[test]
fn failures_count_attempts_and_denials_are_said_once() {
    let mut t = Tracker::new("kubernetes", "demo");
    let refused = "list pods in demo: connection refused";
    let ev = t.observe(failed(Target::Pods, FailureKind::Transient, refused));
    assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 1, .. }]));
    let ev = t.observe(failed(Target::Pods, FailureKind::Transient, refused));
    assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 2, .. }]));
    let denied =
        "forbidden: cannot list pods in namespace demo (RBAC); grant get/list/watch on pods";
    let ev = t.observe(failed(Target::Pods, FailureKind::Forbidden, denied));
    assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 3, error, .. }] if error == denied));
    assert!(
        t.observe(failed(Target::Pods, FailureKind::Forbidden, denied))
            .is_empty()
    );
    // Two watches fail; each part recovers when its own watch works.
    t.observe(failed(
        Target::Service("app".into()),
        FailureKind::Transient,
        "x",
    ));
    let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
    assert!(
        matches!(&ev[..], [Event::SourceRecovered { source }, Event::PodsListed { .. }]
        if source == "kubernetes/pods")
    );
    let ev = t.observe(seen(
        Target::Service("app".into()),
        Seen::Listed(vec![Row::Selector(
            BTreeMap::from([("v".into(), "b".into())]),
            None,
        )]),
    ));
    assert!(
        matches!(&ev[..], [Event::SourceRecovered { source }, Event::TrafficObserved { .. }]
        if source == "kubernetes/service")
    );
    // After recovery, the same denial is news again.
    let ev = t.observe(failed(Target::Pods, FailureKind::Forbidden, denied));
    assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 1, .. }]));
}

fn sources(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::SourceStarted { source, .. }
            | Event::SourceFailed { source, .. }
            | Event::SourceRecovered { source }
            | Event::PodsListed { source, .. }
            | Event::WorkloadObserved { source, .. }
            | Event::TrafficObserved { source, .. } => Some(source.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn each_kind_of_object_is_its_own_source() {
    let mut t = Tracker::new("kubernetes", "demo");
    let blue = Target::Deployment("app-blue".into());
    let green = Target::Deployment("app-green".into());
    let targets = [
        Target::Pods,
        blue.clone(),
        green.clone(),
        Target::Service("app".into()),
        Target::Route("app".into()),
    ];
    assert_eq!(
        sources(&t.started(&targets, "ctx")),
        [
            "kubernetes",
            "kubernetes/pods",
            "kubernetes/deployments",
            "kubernetes/service",
            "kubernetes/httproute"
        ]
    );
    // A failing Service watch is the service's failure, never the pods'.
    let ev = t.observe(failed(
        Target::Service("app".into()),
        FailureKind::Forbidden,
        "forbidden: cannot watch services",
    ));
    assert_eq!(sources(&ev), ["kubernetes/service"]);
    let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![pod("a", None)])));
    assert_eq!(sources(&ev), ["kubernetes/pods"]);
    let w = |name: &str| {
        Row::Workload(WorkloadRow {
            name: name.into(),
            ..WorkloadRow::default()
        })
    };
    let ev = t.observe(seen(blue.clone(), Seen::Listed(vec![w("app-blue")])));
    assert_eq!(sources(&ev), ["kubernetes/deployments"]);
    // Both Deployments share a part: it recovers once neither fails.
    t.observe(failed(blue.clone(), FailureKind::Transient, "b"));
    t.observe(failed(green.clone(), FailureKind::Transient, "g"));
    let ev = t.observe(seen(blue, Seen::Applied(w("app-blue"))));
    assert!(sources(&ev).is_empty(), "{ev:?}");
    let ev = t.observe(seen(green, Seen::Listed(vec![w("app-green")])));
    assert_eq!(
        sources(&ev),
        ["kubernetes/deployments", "kubernetes/deployments"]
    );
    assert_eq!(kinds(&ev), ["SourceRecovered", "WorkloadObserved"]);
    // Expired credentials are every watch's problem: the shared source's.
    let ev = t.observe(failed(
        Target::Pods,
        FailureKind::Unauthorized,
        "unauthorized",
    ));
    assert_eq!(sources(&ev), ["kubernetes"]);
    let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
    assert_eq!(sources(&ev), ["kubernetes", "kubernetes/pods"]);
    assert_eq!(kinds(&ev), ["SourceRecovered", "PodsListed"]);
}

#[test]
fn unauthorized_is_said_once_across_watches() {
    let mut t = Tracker::new("kubernetes", "demo");
    let msg = "unauthorized: credentials expired or invalid; re-authenticate";
    assert_eq!(
        kinds(&t.observe(failed(Target::Pods, FailureKind::Unauthorized, msg))),
        ["SourceFailed"]
    );
    assert!(
        t.observe(failed(
            Target::Service("app".into()),
            FailureKind::Unauthorized,
            msg
        ))
        .is_empty()
    );
    // Recovered once every watch that got it works again.
    assert!(
        t.observe(seen(Target::Pods, Seen::Listed(vec![])))
            .iter()
            .all(|e| !matches!(e, Event::SourceRecovered { .. }))
    );
    let ev = t.observe(seen(
        Target::Service("app".into()),
        Seen::Listed(vec![Row::Selector(BTreeMap::new(), None)]),
    ));
    assert!(
        matches!(&ev[0], Event::SourceRecovered { source } if source == "kubernetes"),
        "{ev:?}"
    );
}

#[test]
fn workloads_and_traffic_on_change_only() {
    let mut t = Tracker::new("kubernetes", "demo");
    let blue = Target::Deployment("app-blue".into());
    let w = WorkloadRow {
        name: "app-blue".into(),
        desired: 3,
        ..WorkloadRow::default()
    };
    let ev = t.observe(seen(
        blue.clone(),
        Seen::Listed(vec![Row::Workload(w.clone())]),
    ));
    assert_eq!(kinds(&ev), ["WorkloadObserved"]);
    assert!(
        t.observe(seen(blue.clone(), Seen::Applied(Row::Workload(w.clone()))))
            .is_empty()
    );
    let ev = t.observe(seen(
        blue.clone(),
        Seen::Applied(Row::Workload(WorkloadRow { ready: 3, ..w })),
    ));
    assert_eq!(kinds(&ev), ["WorkloadObserved"]);

    let route = Target::Route("app".into());
    let weights = vec![("app-blue".to_string(), 100), ("app-green".to_string(), 0)];
    let apply = Some("kubectl-client-side-apply".to_string());
    let ev = t.observe(seen(
        route.clone(),
        Seen::Listed(vec![Row::Weights(weights.clone(), apply.clone())]),
    ));
    assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
        if traffic.weights == weights && traffic.selector.is_empty()
            && traffic.manager == apply));
    let svc = Target::Service("app".into());
    let sel = BTreeMap::from([("version".to_string(), "blue".to_string())]);
    let ev = t.observe(seen(
        svc.clone(),
        Seen::Applied(Row::Selector(sel.clone(), apply.clone())),
    ));
    assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
        if traffic.weights == weights && traffic.selector == sel));
    assert!(
        t.observe(seen(
            svc.clone(),
            Seen::Applied(Row::Selector(sel.clone(), apply.clone()))
        ))
        .is_empty()
    );
    // Someone else moves the weights: the row names them.
    let moved = vec![("app-blue".to_string(), 0), ("app-green".to_string(), 100)];
    let ev = t.observe(seen(
        route.clone(),
        Seen::Applied(Row::Weights(moved.clone(), Some("argocd".into()))),
    ));
    assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
        if traffic.weights == moved && traffic.manager.as_deref() == Some("argocd")));
    // The selector's half, unchanged, does not take the name back.
    assert!(
        t.observe(seen(svc, Seen::Applied(Row::Selector(sel, apply))))
            .is_empty()
    );
}

#[test]
fn the_lock_is_reported_when_its_holder_changes() {
    let mut t = Tracker::new("kubernetes", "demo");
    let target = Target::Lease("warroom-app".into());
    // No lock at all: free, and nothing to say (no warning either).
    assert!(
        t.observe(seen(target.clone(), Seen::Listed(vec![])))
            .is_empty()
    );
    let at = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).ok();
    let theirs = LeaseRow {
        name: "warroom-app".into(),
        holder: Some("bob@ops s-2".into()),
        renewed: at(0),
        duration_s: 30,
        ours: false,
    };
    let ev = t.observe(seen(
        target.clone(),
        Seen::Applied(Row::Lease(theirs.clone())),
    ));
    assert!(matches!(&ev[..], [Event::LeaseObserved { lease }] if *lease == theirs));
    // Their renewals keep their hold alive in the state: each is reported.
    let renewed = LeaseRow {
        renewed: at(5),
        ..theirs.clone()
    };
    assert_eq!(
        kinds(&t.observe(seen(target.clone(), Seen::Applied(Row::Lease(renewed))))),
        ["LeaseObserved"]
    );
    // Ours: reported once, our own renewals are not news.
    let ours = LeaseRow {
        holder: Some("alice@laptop s-1".into()),
        ours: true,
        ..theirs
    };
    assert_eq!(
        kinds(&t.observe(seen(
            target.clone(),
            Seen::Applied(Row::Lease(ours.clone()))
        ))),
        ["LeaseObserved"]
    );
    let ours_later = LeaseRow {
        renewed: at(10),
        ..ours
    };
    assert!(
        t.observe(seen(target.clone(), Seen::Applied(Row::Lease(ours_later))))
            .is_empty()
    );
    let ev = t.observe(seen(target.clone(), Seen::Deleted("warroom-app".into())));
    assert!(matches!(&ev[..], [Event::LeaseObserved { lease }]
        if lease.holder.is_none() && !lease.ours));
    // No list/watch on leases: one warning, and the source is not failing for it.
    let denied = "forbidden: cannot list leases in namespace demo (RBAC)";
    let ev = t.observe(failed(target.clone(), FailureKind::Forbidden, denied));
    assert!(matches!(&ev[..], [Event::ConfigWarned { message }] if message.contains(denied)));
    assert!(
        t.observe(failed(target, FailureKind::Forbidden, denied))
            .is_empty()
    );
    let ev = t.observe(failed(Target::Pods, FailureKind::Transient, "x"));
    assert_eq!(kinds(&ev), ["SourceFailed"]);
    let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
    assert_eq!(
        kinds(&ev),
        ["SourceRecovered", "PodsListed"],
        "the lock is not failing"
    );
}

#[test]
fn missing_objects_are_warned_once() {
    let mut t = Tracker::new("kubernetes", "demo");
    let green = Target::Deployment("app-green".into());
    let ev = t.observe(seen(green.clone(), Seen::Listed(vec![])));
    assert!(matches!(&ev[..], [Event::ConfigWarned { message }]
        if message.contains("deployment app-green not found in namespace demo")));
    assert!(
        t.observe(seen(green.clone(), Seen::Listed(vec![])))
            .is_empty()
    );
    // A missing service at start reports no empty traffic row, only the warning.
    let ev = t.observe(seen(Target::Service("app".into()), Seen::Listed(vec![])));
    assert_eq!(kinds(&ev), ["ConfigWarned"]);
}
