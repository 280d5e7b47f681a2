//! The object store: every object as JSON, one resourceVersion counter, a bounded history of
//! changes for watches that resume, and a broadcast channel that fans changes out live.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::resources::Kind;
use super::status::ApiError;

/// Where an object lives: its kind, namespace ("" when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// The resource type.
    pub kind: Kind,
    /// Namespace, empty for cluster-scoped kinds.
    pub ns: String,
    /// Object name.
    pub name: String,
}

impl Key {
    /// Builds a key.
    pub fn new(kind: Kind, ns: &str, name: &str) -> Self {
        Self {
            kind,
            ns: ns.to_string(),
            name: name.to_string(),
        }
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Removed.
    Deleted,
}

impl Change {
    /// The watch event `type`.
    pub fn wire(self) -> &'static str {
        match self {
            Change::Added => "ADDED",
            Change::Modified => "MODIFIED",
            Change::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it. The object is kept serialized: history holds thousands of
/// these, and a parsed `Value` costs several times the bytes; every plain watch sends the same
/// bytes, so they are made once.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    /// resourceVersion of the change.
    pub rv: u64,
    /// What happened.
    pub change: Change,
    /// Which object.
    pub key: Key,
    /// The object's labels, for label selectors.
    pub labels: Value,
    /// The object after the change (for a delete: the last state, with the delete's
    /// resourceVersion), as JSON.
    pub json: axum::body::Bytes,
}

impl WatchEvent {
    /// The object, parsed.
    pub fn object(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }
}

/// How many changes are kept for watches that resume from an older resourceVersion; older
/// ones get 410 Gone, as from a compacted etcd.
pub const HISTORY: usize = 4096;

/// The store. Not thread-safe by itself: the simulator keeps it inside its one mutex.
#[derive(Debug)]
pub struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    history: VecDeque<Arc<WatchEvent>>,
    tx: broadcast::Sender<Arc<WatchEvent>>,
    uid_counter: u64,
    uid_salt: u64,
    /// Watches may not resume from before this resourceVersion (set by `compact`).
    floor: u64,
    /// The simulated wall clock, set by the simulator before each batch of writes.
    pub now: jiff::Timestamp,
}

/// Formats a time the way the API server does: RFC 3339, whole seconds, UTC.
pub fn stamp(t: jiff::Timestamp) -> String {
    jiff::Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

impl Store {
    /// An empty store; `salt` varies the generated UIDs between simulators.
    pub fn new(salt: u64) -> Self {
        let (tx, _) = broadcast::channel(HISTORY);
        Self {
            objects: BTreeMap::new(),
            rv: 1000,
            history: VecDeque::with_capacity(HISTORY),
            tx,
            uid_counter: 0,
            uid_salt: salt,
            floor: 0,
            now: jiff::Timestamp::now(),
        }
    }

    /// The latest resourceVersion.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch can resume from without 410.
    pub fn oldest_resumable(&self) -> u64 {
        self.history
            .front()
            .map_or(self.rv, |e| e.rv - 1)
            .max(self.floor)
    }

    /// Forgets the change history, as a compacted etcd does: open watches end with an ERROR
    /// 410 (their feed closes) and resuming from any earlier resourceVersion gets 410, so
    /// clients must list again. The version moves on, so a fresh list can be resumed from.
    pub fn compact(&mut self) {
        self.rv += 1;
        self.floor = self.rv;
        self.history.clear();
        let (tx, _) = broadcast::channel(HISTORY);
        self.tx = tx;
    }

    /// A live feed of changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<WatchEvent>> {
        self.tx.subscribe()
    }

    /// Changes after `rv` still in history.
    pub fn since(&self, rv: u64) -> impl Iterator<Item = &Arc<WatchEvent>> {
        self.history.iter().filter(move |e| e.rv > rv)
    }

    /// One object.
    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key)
    }

    /// Objects of a kind, in one namespace or all, in name order.
    pub fn list<'a>(
        &'a self,
        kind: Kind,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> + 'a {
        self.objects
            .range(Key::new(kind, "", "")..)
            .take_while(move |(k, _)| k.kind == kind)
            .filter(move |(k, _)| ns.is_none_or(|n| k.ns == n))
    }

    /// A new UID (deterministic per store, formatted like a UUID v4).
    pub fn uid(&mut self) -> String {
        self.uid_counter += 1;
        let a = super::rng::mix(self.uid_salt ^ self.uid_counter);
        let b = super::rng::mix(a);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn publish(&mut self, change: Change, key: Key, object: &Value) {
        let ev = Arc::new(WatchEvent {
            rv: self.rv,
            change,
            key,
            labels: object["metadata"]["labels"].clone(),
            json: serde_json::to_vec(object).unwrap_or_default().into(),
        });
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(ev.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(ev);
    }

    /// Creates an object: fills uid, creationTimestamp, generation and resourceVersion.
    pub fn create(&mut self, key: Key, mut obj: Value) -> Result<Value, ApiError> {
        if self.objects.contains_key(&key) {
            return Err(ApiError::AlreadyExists {
                kind: key.kind,
                name: key.name,
            });
        }
        let rv = self.bump();
        let uid = self.uid();
        let d = key.kind.def();
        obj["apiVersion"] = json!(key.kind.api_version());
        obj["kind"] = json!(d.kind);
        let meta = &mut obj["metadata"];
        meta["name"] = json!(key.name);
        if d.namespaced {
            meta["namespace"] = json!(key.ns);
        }
        meta["uid"] = json!(uid);
        meta["resourceVersion"] = json!(rv.to_string());
        meta["creationTimestamp"] = json!(stamp(self.now));
        if d.generation {
            meta["generation"] = json!(1);
        }
        // managedFields are the caller's to set (crud records them per field manager).
        if let Some(m) = meta.as_object_mut() {
            m.remove("deletionTimestamp");
        }
        self.objects.insert(key.clone(), obj.clone());
        self.publish(Change::Added, key, &obj);
        Ok(obj)
    }

    /// Stores a new version of an existing object (callers check preconditions and keep
    /// identity fields); bumps resourceVersion and notifies watches. No change, no event.
    pub fn update(&mut self, key: &Key, mut obj: Value) -> Result<Value, ApiError> {
        let Some(old) = self.objects.get(key) else {
            return Err(ApiError::NotFound {
                kind: key.kind,
                name: key.name.clone(),
            });
        };
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        if *old == obj {
            return Ok(obj);
        }
        let rv = self.bump();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.objects.insert(key.clone(), obj.clone());
        self.publish(Change::Modified, key.clone(), &obj);
        Ok(obj)
    }

    /// Removes an object.
    pub fn delete(&mut self, key: &Key) -> Result<Value, ApiError> {
        let Some(mut obj) = self.objects.remove(key) else {
            return Err(ApiError::NotFound {
                kind: key.kind,
                name: key.name.clone(),
            });
        };
        let rv = self.bump();
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.publish(Change::Deleted, key.clone(), &obj);
        Ok(obj)
    }

    /// Number of stored objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.list(kind, None).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_history_and_events() {
        let mut s = Store::new(1);
        let mut rx = s.subscribe();
        let k = Key::new(Kind::Lease, "demo", "lock");
        let created = s
            .create(k.clone(), json!({"metadata": {}}))
            .expect("create");
        let rv1: u64 = created["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("rv");
        assert!(s.create(k.clone(), json!({"metadata": {}})).is_err());
        let mut next = created.clone();
        next["spec"] = json!({"holderIdentity": "a"});
        s.update(&k, next.clone()).expect("update");
        // Same content again: no new version.
        let rv_before = s.rv();
        s.update(&k, next).expect("noop");
        assert_eq!(s.rv(), rv_before);
        s.delete(&k).expect("delete");
        assert_eq!(s.since(rv1).count(), 2);
        assert_eq!(rx.try_recv().expect("added").change, Change::Added);
        assert_eq!(rx.try_recv().expect("modified").change, Change::Modified);
        assert_eq!(rx.try_recv().expect("deleted").change, Change::Deleted);
        assert_eq!(s.list(Kind::Lease, Some("demo")).count(), 0);
    }

    #[test]
    fn compaction_expires_history_and_open_feeds() {
        let mut s = Store::new(1);
        let mut rx = s.subscribe();
        let k = Key::new(Kind::Lease, "demo", "lock");
        s.create(k, json!({"metadata": {}})).expect("create");
        let before = s.rv();
        s.compact();
        assert!(
            before < s.oldest_resumable(),
            "resuming from before gets 410"
        );
        assert_eq!(s.oldest_resumable(), s.rv(), "a fresh list can be resumed");
        assert_eq!(s.since(0).count(), 0);
        assert!(rx.try_recv().is_ok(), "what was sent before still arrives");
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Closed)
        ));
    }
}
