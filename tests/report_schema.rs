//! `--format json` against docs/report.schema.json: real reports of every kind of session and
//! real metrics validate, and the checker rejects what the schema forbids.
//!
//! The checker is small and written here: it implements the keywords the schema uses
//! (`$ref`, `oneOf`, `anyOf`, `type`, `enum`, `const`, `required`, `properties`,
//! `additionalProperties: false`, `items`, `prefixItems`, `minItems`, `maxItems`, `minimum`)
//! and fails on any other, so the schema cannot silently grow past what is checked. The
//! `jsonschema` crate would bring a regex engine, URL and e-mail parsers and an HTTP client
//! for remote references into the build for one test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod report_common;

use serde_json::Value;
use warroom::report::{self, Format};

const KNOWN: &[&str] = &[
    "$schema",
    "$ref",
    "$defs",
    "title",
    "description",
    "oneOf",
    "anyOf",
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "minimum",
];

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/report.schema.json"
    ))
    .unwrap();
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_u64() || v.is_i64(),
        other => panic!("unknown type {other} in the schema"),
    }
}

/// Every violation of `s` by `v`, as `path: problem`.
fn check(root: &Value, s: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let obj = s.as_object().expect("a schema is an object");
    for k in obj.keys() {
        assert!(
            KNOWN.contains(&k.as_str()),
            "the checker does not know {k:?}"
        );
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local refs only");
        let target = &root["$defs"][name];
        assert!(!target.is_null(), "no definition {name}");
        check(root, target, v, path, errs);
    }
    for (key, need) in [("oneOf", 1usize), ("anyOf", 0)] {
        if let Some(list) = obj.get(key).and_then(Value::as_array) {
            let passing = list
                .iter()
                .filter(|alt| {
                    let mut e = Vec::new();
                    check(root, alt, v, path, &mut e);
                    e.is_empty()
                })
                .count();
            let ok = if need == 1 {
                passing == 1
            } else {
                passing >= 1
            };
            if !ok {
                errs.push(format!("{path}: {passing} of the {key} alternatives match"));
            }
        }
    }
    if let Some(t) = obj.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("bad type keyword"),
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} is not one of {e:?}"));
    }
    if let Some(c) = obj.get("const")
        && c != v
    {
        errs.push(format!("{path}: {v} is not {c}"));
    }
    if let Some(m) = obj.get("minimum").and_then(Value::as_f64)
        && v.as_f64().is_some_and(|x| x < m)
    {
        errs.push(format!("{path}: {v} is below {m}"));
    }
    if let Some(o) = v.as_object() {
        if let Some(req) = obj.get("required").and_then(Value::as_array) {
            for r in req {
                if !o.contains_key(r.as_str().unwrap()) {
                    errs.push(format!("{path}: missing {r}"));
                }
            }
        }
        let props = obj.get("properties").and_then(Value::as_object);
        for (k, val) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(root, ps, val, &format!("{path}.{k}"), errs),
                None if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errs.push(format!("{path}: {k} is not in the schema"));
                }
                None => {}
            }
        }
    }
    if let Some(a) = v.as_array() {
        let prefix = obj.get("prefixItems").and_then(Value::as_array);
        for (i, item) in a.iter().enumerate() {
            let p = format!("{path}[{i}]");
            match prefix.and_then(|p| p.get(i)) {
                Some(ps) => check(root, ps, item, &p, errs),
                None => {
                    if let Some(is) = obj.get("items") {
                        check(root, is, item, &p, errs);
                    }
                }
            }
        }
        if let Some(n) = obj.get("minItems").and_then(Value::as_u64)
            && (a.len() as u64) < n
        {
            errs.push(format!("{path}: fewer than {n} items"));
        }
        if let Some(n) = obj.get("maxItems").and_then(Value::as_u64)
            && (a.len() as u64) > n
        {
            errs.push(format!("{path}: more than {n} items"));
        }
    }
}

fn violations(v: &Value) -> Vec<String> {
    let root = schema();
    let mut errs = Vec::new();
    check(&root, &root, v, "$", &mut errs);
    errs
}

fn json_of(path: &std::path::Path) -> Value {
    let r = report::from_file(path).unwrap();
    serde_json::from_str(&report::render(&r, Format::Json).unwrap()).unwrap()
}

#[test]
fn every_kind_of_report_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for path in [
        report_common::bad_canary(d),
        report_common::manual_rollback(d),
        report_common::no_go(d),
        report_common::completed(d),
        report_common::crashed(d),
    ] {
        let v = json_of(&path);
        let errs = violations(&v);
        assert!(errs.is_empty(), "{}:\n{}", path.display(), errs.join("\n"));
    }
}

#[test]
fn metrics_validate_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    report_common::bad_canary(d);
    report_common::completed(d);
    std::fs::write(d.join("notes.jsonl"), "not a session\n").unwrap();
    let m = report::metrics::from_dir(d).unwrap();
    let v = serde_json::to_value(&m).unwrap();
    let errs = violations(&v);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert_eq!(v["bad_files"].as_array().unwrap().len(), 1);
}

#[test]
fn the_checker_rejects_what_the_schema_forbids() {
    let dir = tempfile::tempdir().unwrap();
    let good = json_of(&report_common::bad_canary(dir.path()));
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        violations(&v)
    };
    assert!(
        !broken(&|v| {
            v["summary"].as_object_mut().unwrap().remove("outcome");
        })
        .is_empty()
    );
    assert!(!broken(&|v| v["summary"]["outcome"] = "went-fine".into()).is_empty());
    assert!(!broken(&|v| v["timeline"][0]["seq"] = "one".into()).is_empty());
    assert!(!broken(&|v| v["verification"]["surprise"] = true.into()).is_empty());
    assert!(!broken(&|v| v["charts"]["share"][0] = serde_json::json!([1])).is_empty());
    assert!(!broken(&|v| v["kind"] = "something-else".into()).is_empty());
}
