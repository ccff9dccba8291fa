use ::plist::{Dictionary, Value};

use super::*;
use crate::codesign::constraints::parse_constraint_dict;

fn dict(entries: Vec<(&str, Value)>) -> Dictionary {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn d(entries: Vec<(&str, Value)>) -> Value {
    Value::Dictionary(dict(entries))
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn i(n: i64) -> Value {
    Value::Integer(n.into())
}

fn b(v: bool) -> Value {
    Value::Boolean(v)
}

fn known(v: Value) -> FactValue {
    FactValue::Known(vec![v])
}

/// A Developer ID daemon of team ABCDE12345.
fn daemon() -> Facts {
    let mut f = Facts::default();
    f.set("team-identifier", known(s("ABCDE12345")))
        .set("signing-identifier", known(s("com.example.daemon")))
        .set("validation-category", known(i(6)))
        .set("is-init-proc", known(b(false)))
        .set("cdhash", FactValue::Known(vec![Value::Data(vec![0xaa; 32]), Value::Data(vec![0xbb; 20])]))
        .set(
            "entitlements",
            known(d(vec![
                ("com.apple.security.app-sandbox", b(true)),
                ("com.apple.security.application-groups", Value::Array(vec![s("ABCDE12345.group")])),
                ("level", i(3)),
            ])),
        );
    f
}

fn eval(entries: Vec<(&str, Value)>, facts: &Facts) -> Verdict {
    evaluate(&parse_constraint_dict(&dict(entries)).unwrap(), facts)
}

#[test]
fn equal_facts_are_satisfied() {
    let v =
        eval(vec![("team-identifier", s("ABCDE12345")), ("signing-identifier", s("com.example.daemon"))], &daemon());
    assert_eq!(v, Verdict::Satisfied);
}

#[test]
fn another_team_is_a_violation_naming_both_values() {
    let v = eval(vec![("team-identifier", s("S1J6DZ9E7U"))], &daemon());
    let Verdict::Violated(violation) = &v else { panic!("{v:?}") };
    assert_eq!(violation.fact, "team-identifier");
    assert_eq!(violation.expected, "== \"S1J6DZ9E7U\"");
    assert_eq!(violation.actual, "\"ABCDE12345\"");
    assert!(!violation.undefined);
    assert_eq!(
        v.to_string(),
        "violated: requires `team-identifier == \"S1J6DZ9E7U\"`, but team-identifier is \"ABCDE12345\""
    );
}

#[test]
fn run_time_facts_are_unknown_never_violated() {
    let v = eval(vec![("launch-type", i(3)), ("team-identifier", s("ABCDE12345"))], &daemon());
    assert_eq!(v, Verdict::Unknown { facts: vec!["launch-type".into()] });
    // A known violation still wins over an unknown fact in an `$and`.
    let v = eval(vec![("launch-type", i(3)), ("team-identifier", s("OTHER"))], &daemon());
    assert!(v.is_violated());
}

#[test]
fn or_needs_one_alternative() {
    let or = |a: Value, bb: Value| vec![("$or", d(vec![("team-identifier", a), ("signing-identifier", bb)]))];
    assert_eq!(eval(or(s("OTHER"), s("com.example.daemon")), &daemon()), Verdict::Satisfied);
    assert!(eval(or(s("OTHER"), s("com.other")), &daemon()).is_violated());
    let v = eval(vec![("$or", d(vec![("team-identifier", s("OTHER")), ("on-system-volume", b(true))]))], &daemon());
    assert_eq!(v, Verdict::Unknown { facts: vec!["on-system-volume".into()] });
}

#[test]
fn or_array_and_and_array() {
    let pairs = Value::Array(vec![
        Value::Array(vec![s("$and"), d(vec![("team-identifier", s("OTHER"))])]),
        Value::Array(vec![s("$and"), d(vec![("team-identifier", s("ABCDE12345"))])]),
    ]);
    assert_eq!(eval(vec![("$or-array", pairs.clone())], &daemon()), Verdict::Satisfied);
    assert!(eval(vec![("$and-array", pairs)], &daemon()).is_violated());
}

#[test]
fn in_and_comparisons() {
    let v = eval(vec![("validation-category", d(vec![("$in", Value::Array(vec![i(4), i(6)]))]))], &daemon());
    assert_eq!(v, Verdict::Satisfied);
    let v = eval(vec![("validation-category", d(vec![("$in", Value::Array(vec![i(2), i(4)]))]))], &daemon());
    let Verdict::Violated(violation) = v else { panic!() };
    assert_eq!(violation.expected, "in [2, 4]");
    assert_eq!(violation.actual, "6");
    assert_eq!(
        eval(vec![("validation-category", d(vec![("$gte", i(6)), ("$lt", i(7))]))], &daemon()),
        Verdict::Satisfied
    );
    assert!(eval(vec![("validation-category", d(vec![("$gt", i(6))]))], &daemon()).is_violated());
    // Comparing a string fact tells nothing.
    assert!(matches!(eval(vec![("team-identifier", d(vec![("$lt", i(6))]))], &daemon()), Verdict::Unknown { .. }));
}

#[test]
fn undefined_facts_fail_unless_optional() {
    let mut adhoc = daemon();
    adhoc.set("team-identifier", FactValue::Undefined("the signature has no team identifier".into()));
    let v = eval(vec![("team-identifier", s("ABCDE12345"))], &adhoc);
    let Verdict::Violated(violation) = v else { panic!() };
    assert!(violation.undefined);
    assert_eq!(violation.actual, "undefined (the signature has no team identifier)");
    let optional = vec![("$optional", d(vec![("team-identifier", s("ABCDE12345"))]))];
    assert_eq!(eval(optional.clone(), &adhoc), Verdict::Satisfied);
    // `$optional` still tests a fact the code has.
    let other = vec![("$optional", d(vec![("team-identifier", s("OTHER"))]))];
    assert!(eval(other, &daemon()).is_violated());
    assert_eq!(eval(optional, &daemon()), Verdict::Satisfied);
}

#[test]
fn cdhashes_match_any_code_directory_and_truncation() {
    let full_b = {
        let mut h = vec![0xbb; 20];
        h.extend([0x11; 12]);
        h
    };
    assert_eq!(eval(vec![("cdhash", Value::Data(vec![0xaa; 20]))], &daemon()), Verdict::Satisfied);
    assert_eq!(eval(vec![("cdhash", Value::Data(full_b))], &daemon()), Verdict::Satisfied);
    let v = eval(vec![("cdhash", d(vec![("$in", Value::Array(vec![Value::Data(vec![0xcc; 20])]))]))], &daemon());
    let Verdict::Violated(violation) = v else { panic!() };
    assert!(violation.actual.starts_with("one of [H\"aaaa"), "{}", violation.actual);
}

#[test]
fn entitlement_queries() {
    let q = |steps: Vec<Value>| vec![("entitlements", d(vec![("$query", Value::Array(steps))]))];
    let step = |op: i64, p: Value| Value::Array(vec![i(op), p]);
    let sandbox = q(vec![step(1, s("com.apple.security.app-sandbox")), step(5, b(true))]);
    assert_eq!(eval(sandbox, &daemon()), Verdict::Satisfied);
    let missing = q(vec![step(1, s("com.apple.developer.endpoint-security.client")), step(5, b(true))]);
    let Verdict::Violated(violation) = eval(missing, &daemon()) else { panic!() };
    assert_eq!(violation.fact, "entitlements");
    assert!(violation.expected.starts_with("query [select-key("));
    let group = q(vec![step(1, s("com.apple.security.application-groups")), step(2, i(0)), step(4, s("ABCDE12345."))]);
    assert_eq!(eval(group, &daemon()), Verdict::Satisfied);
    assert_eq!(eval(q(vec![step(1, s("level")), step(7, i(3))]), &daemon()), Verdict::Satisfied);
    // Failing steps whose semantics are not certain give no verdict.
    let allowed = q(vec![step(1, s("com.apple.security.application-groups")), step(6, s("nope"))]);
    assert!(matches!(eval(allowed, &daemon()), Verdict::Unknown { .. }));
    let allowed = q(vec![step(1, s("com.apple.security.application-groups")), step(6, s("ABCDE12345.group"))]);
    assert_eq!(eval(allowed, &daemon()), Verdict::Satisfied);
}

#[test]
fn unknown_keys_give_no_verdict() {
    let v = eval(vec![("favourite-colour", s("blue"))], &daemon());
    assert_eq!(v, Verdict::Unknown { facts: vec!["favourite-colour".into()] });
    let v = eval(vec![("$or", Value::Array(vec![d(vec![("team-identifier", s("ABCDE12345"))])]))], &daemon());
    assert!(matches!(v, Verdict::Unknown { .. }));
}

#[test]
fn launchd_is_the_init_process() {
    let launchd = Facts::launchd();
    assert_eq!(eval(vec![("is-init-proc", b(true))], &launchd), Verdict::Satisfied);
    assert!(eval(vec![("is-init-proc", b(true))], &daemon()).is_violated());
    assert_eq!(eval(vec![("validation-category", i(1))], &launchd), Verdict::Satisfied);
    assert!(eval(vec![("team-identifier", s("ABCDE12345"))], &launchd).is_violated());
}

#[test]
fn empty_or_is_violated_empty_and_is_satisfied() {
    assert_eq!(evaluate(&ConstraintExpr::All(vec![]), &daemon()), Verdict::Satisfied);
    assert!(evaluate(&ConstraintExpr::Any(vec![]), &daemon()).is_violated());
}

#[test]
fn deep_nesting_is_bounded() {
    let mut expr = ConstraintExpr::All(vec![]);
    for _ in 0..(MAX_DEPTH * 2) {
        expr = ConstraintExpr::Any(vec![expr]);
    }
    assert!(matches!(evaluate(&expr, &daemon()), Verdict::Unknown { .. }));
}

fn issues(entries: Vec<(&str, Value)>) -> Vec<(IssueKind, String, Option<u8>)> {
    validate(&dict(entries)).into_iter().map(|i| (i.kind, i.path.clone(), i.error())).collect()
}

#[test]
fn a_valid_dictionary_has_no_issues() {
    let reqs = vec![
        ("team-identifier", s("ABCDE12345")),
        ("signing-identifier", d(vec![("$in", Value::Array(vec![s("a"), s("b")]))])),
        ("launch-type", d(vec![("$gte", i(1))])),
        ("$optional", d(vec![("is-sip-protected", b(true))])),
        ("$or", d(vec![("validation-category", i(6)), ("cdhash", Value::Data(vec![1; 20]))])),
        ("$or-array", Value::Array(vec![Value::Array(vec![s("$and"), d(vec![("on-system-volume", b(true))])])])),
        (
            "entitlements",
            d(vec![(
                "$query",
                Value::Array(vec![Value::Array(vec![i(1), s("k")]), Value::Array(vec![i(5), b(true)])]),
            )]),
        ),
    ];
    assert_eq!(issues(reqs), vec![]);
}

#[test]
fn grammar_issues_carry_paths_and_amfi_codes() {
    let found = issues(vec![
        ("favourite-colour", s("blue")),
        ("$nor", d(vec![])),
        ("$and", d(vec![])),
        ("$in", Value::Array(vec![])),
        ("$or", Value::Array(vec![d(vec![("team-identifier", s("X"))])])),
        ("team-identifier", i(12345)),
        ("launch-type", d(vec![("$ne", i(3))])),
        ("signing-identifier", d(vec![("$lt", i(3))])),
        ("apple-internal", b(false)),
        ("validation-category", d(vec![("$in", Value::Array(vec![i(6), i(8)]))])),
    ]);
    let expect = |kind, path: &str, e| (kind, path.to_owned(), e);
    assert!(found.contains(&expect(IssueKind::UnknownFact, "favourite-colour", Some(5))), "{found:?}");
    assert!(found.contains(&expect(IssueKind::UnknownOperator, "$nor", Some(1))));
    assert!(found.contains(&expect(IssueKind::Empty, "$and", Some(2))));
    assert!(found.contains(&expect(IssueKind::NoFact, "$in", Some(4))));
    assert!(found.contains(&expect(IssueKind::Shape, "$or", Some(3))));
    assert!(found.contains(&expect(IssueKind::WrongType, "team-identifier", Some(3))));
    assert!(found.contains(&expect(IssueKind::UnknownOperator, "launch-type.$ne", Some(1))));
    assert!(found.contains(&expect(IssueKind::WrongType, "signing-identifier.$lt", Some(3))));
    assert!(found.contains(&expect(IssueKind::PlatformFact, "apple-internal", Some(5))));
    assert!(found.contains(&expect(IssueKind::Category, "validation-category.$in[1]", None)));
    let messages: Vec<String> =
        validate(&dict(vec![("$or", Value::Array(vec![]))])).into_iter().map(|i| i.message).collect();
    assert!(messages[0].contains("`$or-array`"), "{messages:?}");
    assert_eq!(issues(vec![]), vec![(IssueKind::Empty, String::new(), Some(2))]);
}

#[test]
fn queries_are_checked_step_by_step() {
    let q = |steps: Value| issues(vec![("entitlements", d(vec![("$query", steps)]))]);
    assert_eq!(q(s("x"))[0].0, IssueKind::Query);
    assert_eq!(q(Value::Array(vec![]))[0].0, IssueKind::Query);
    let bad = q(Value::Array(vec![
        Value::Array(vec![i(12), s("k")]),
        Value::Array(vec![i(1), i(3)]),
        Value::Array(vec![s("1"), s("k")]),
        Value::Array(vec![i(11), i(9)]),
        s("step"),
    ]));
    assert_eq!(bad.len(), 5, "{bad:?}");
    assert!(bad.iter().all(|(k, _, _)| *k == IssueKind::Query));
    assert_eq!(bad[1].1, "entitlements.$query[1]");
    // `$query` on another fact, and a plain value for `entitlements`.
    assert_eq!(issues(vec![("team-identifier", d(vec![("$query", Value::Array(vec![]))]))])[0].0, IssueKind::WrongType);
    assert_eq!(issues(vec![("entitlements", b(true))])[0].0, IssueKind::WrongType);
}

#[test]
fn operator_pairs_are_checked() {
    let found = issues(vec![(
        "$and-array",
        Value::Array(vec![Value::Array(vec![s("$in"), d(vec![])]), Value::Array(vec![s("$or"), d(vec![])])]),
    )]);
    assert_eq!(
        found,
        vec![
            (IssueKind::Shape, "$and-array[0]".into(), Some(3)),
            (IssueKind::Empty, "$and-array[1].$or".into(), Some(2))
        ]
    );
    assert_eq!(issues(vec![("$or-array", Value::Array(vec![]))])[0].0, IssueKind::Empty);
    let optional = issues(vec![("$optional", d(vec![("launch-type", i(1)), ("is-init-proc", b(true))]))]);
    assert_eq!(optional[0].0, IssueKind::Shape);
}
