//! Static evaluation of launch, environment and library constraints.
//!
//! The kernel evaluates a constraint dictionary against facts about an executable when it is
//! launched (self, parent and responsible constraints, `launchd`'s `SpawnConstraint`) or loaded
//! as a library. Some facts are written in the signature and can be known from the bytes
//! (`team-identifier`, `signing-identifier`, `cdhash`, `entitlements`, `validation-category` from
//! the certificate class); others depend on where and how the code runs (`launch-type`,
//! `on-system-volume`, …). [`evaluate`] returns [`Verdict::Unknown`] for those, so that a rule
//! never predicts a failure it cannot see.
//!
//! `validate` checks a constraint dictionary as written (the raw plist) against the grammar
//! Apple documents in "Defining launch environment and library constraints"
//! (<https://developer.apple.com/documentation/security/defining-launch-environment-and-library-constraints>)
//! and returns each [`Issue`] with the AMFI error code it leads to.

pub mod facts;
pub mod validate;
pub mod verdicts;

use std::fmt;

use ::plist::Value;

use crate::codesign::constraints::{Comparison, ConstraintExpr, Predicate, QueryOp};
use crate::codesign::superblob::Slot;

pub use facts::{FactValue, Facts};
pub use validate::{validate, Issue, IssueKind};

/// Deepest nesting [`evaluate`] follows; the decoder already bounds it, this bounds hand-built
/// expressions too.
const MAX_DEPTH: usize = 96;

/// The outcome of evaluating a constraint against what the bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every fact the constraint needs is known and matches.
    Satisfied,
    /// A fact is known and does not match (or is undefined and not `$optional`).
    Violated(Violation),
    /// The outcome depends on facts only known at run time.
    Unknown { facts: Vec<String> },
}

/// The first fact that fails, with what the constraint expects and what the code has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub fact: String,
    /// The test, rendered after the fact name: `== "ABCDE12345"`, `in [4, 6]`, `< 3`.
    pub expected: String,
    /// The value the code has, rendered, or why it has none.
    pub actual: String,
    /// The fact is not defined for this code (AMFI's `m[5]`), rather than different (`m[1]`).
    pub undefined: bool,
}

impl Verdict {
    pub fn is_violated(&self) -> bool {
        matches!(self, Verdict::Violated(_))
    }

    /// A short label: `satisfied`, `violated`, `unknown`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Satisfied => "satisfied",
            Verdict::Violated(_) => "violated",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}`, but {} is {}", self.fact, self.expected, self.fact, self.actual)
    }
}

impl fmt::Display for Verdict {
    /// `satisfied`, `violated: requires …`, `unknown (depends on launch-type)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Satisfied => f.write_str("satisfied"),
            Verdict::Violated(v) => write!(f, "violated: requires {v}"),
            Verdict::Unknown { facts } => write!(f, "unknown (depends on {})", facts.join(", ")),
        }
    }
}

/// The constraint slots and how Apple's tools and logs name them.
pub fn slot_description(slot: Slot) -> &'static str {
    match slot {
        Slot::LaunchConstraintSelf => "self launch constraint (slot −8)",
        Slot::LaunchConstraintParent => "parent launch constraint (slot −9)",
        Slot::LaunchConstraintResponsible => "responsible-process launch constraint (slot −10)",
        Slot::LibraryConstraint => "library constraint (slot −11)",
        _ => "constraint",
    }
}

/// AMFI's `p[…]` field: which process a launch constraint is about.
pub fn slot_process(slot: Slot) -> Option<u8> {
    match slot {
        Slot::LaunchConstraintSelf => Some(1),
        Slot::LaunchConstraintParent => Some(2),
        Slot::LaunchConstraintResponsible => Some(3),
        _ => None,
    }
}

/// Evaluates `expr` against `facts`.
pub fn evaluate(expr: &ConstraintExpr, facts: &Facts) -> Verdict {
    eval(expr, facts, false, 0)
}

fn eval(expr: &ConstraintExpr, facts: &Facts, optional: bool, depth: usize) -> Verdict {
    if depth > MAX_DEPTH {
        return Verdict::Unknown { facts: vec!["(nesting too deep)".into()] };
    }
    match expr {
        ConstraintExpr::All(items) => all(items.iter().map(|i| eval(i, facts, optional, depth + 1))),
        ConstraintExpr::Any(items) => any(items.iter().map(|i| eval(i, facts, optional, depth + 1)), items.is_empty()),
        ConstraintExpr::Optional(inner) => eval(inner, facts, true, depth + 1),
        ConstraintExpr::Fact { name, predicate } => eval_fact(name, predicate, facts, optional),
        // Unknown facts and operators make the whole constraint unparseable for the kernel; the
        // grammar rules report them, the verdict only says it cannot tell.
        ConstraintExpr::Unknown { key, .. } => Verdict::Unknown { facts: vec![key.clone()] },
    }
}

/// All must hold: the first violation wins, else any unknown, else satisfied.
fn all(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut unknown: Vec<String> = Vec::new();
    for v in verdicts {
        match v {
            Verdict::Violated(_) => return v,
            Verdict::Unknown { facts } => merge(&mut unknown, facts),
            Verdict::Satisfied => {}
        }
    }
    if unknown.is_empty() {
        Verdict::Satisfied
    } else {
        Verdict::Unknown { facts: unknown }
    }
}

/// One must hold: any satisfied wins, else any unknown, else the first violation.
fn any(verdicts: impl Iterator<Item = Verdict>, empty: bool) -> Verdict {
    if empty {
        return Verdict::Violated(Violation {
            fact: "$or".into(),
            expected: "with at least one alternative".into(),
            actual: "empty".into(),
            undefined: false,
        });
    }
    let mut unknown: Vec<String> = Vec::new();
    let mut first: Option<Verdict> = None;
    for v in verdicts {
        match v {
            Verdict::Satisfied => return Verdict::Satisfied,
            Verdict::Unknown { facts } => merge(&mut unknown, facts),
            Verdict::Violated(_) => {
                first.get_or_insert(v);
            }
        }
    }
    if !unknown.is_empty() {
        return Verdict::Unknown { facts: unknown };
    }
    first.unwrap_or(Verdict::Satisfied)
}

fn merge(into: &mut Vec<String>, facts: Vec<String>) {
    for f in facts {
        if !into.contains(&f) {
            into.push(f);
        }
    }
}

fn eval_fact(name: &str, predicate: &Predicate, facts: &Facts, optional: bool) -> Verdict {
    let unknown = || Verdict::Unknown { facts: vec![name.to_owned()] };
    let value = match facts.get(name) {
        FactValue::Unknown => return unknown(),
        FactValue::Undefined(why) if optional => {
            let _ = why;
            return Verdict::Satisfied;
        }
        FactValue::Undefined(why) => {
            return Verdict::Violated(Violation {
                fact: name.to_owned(),
                expected: render_predicate(predicate),
                actual: format!("undefined ({why})"),
                undefined: true,
            })
        }
        FactValue::Known(values) => values,
    };
    match test(predicate, &value) {
        Some(true) => Verdict::Satisfied,
        None => unknown(),
        Some(false) => Verdict::Violated(Violation {
            fact: name.to_owned(),
            expected: render_predicate(predicate),
            actual: render_values(&value),
            undefined: false,
        }),
    }
}

/// Whether one of `values` (a fact can have several: the cdhashes of every CodeDirectory)
/// passes `predicate`; `None` when that cannot be told statically.
fn test(predicate: &Predicate, values: &[Value]) -> Option<bool> {
    match predicate {
        Predicate::Equals(expected) => Some(values.iter().any(|v| equal(v, expected))),
        Predicate::In(expected) => Some(values.iter().any(|v| expected.iter().any(|e| equal(v, e)))),
        Predicate::Compare(comparison, bound) => {
            let bound = integer(bound)?;
            let results: Vec<bool> =
                values.iter().filter_map(integer).map(|v| compare(*comparison, v, bound)).collect();
            (!results.is_empty()).then(|| results.iter().any(|r| *r))
        }
        Predicate::Query(ops) => {
            let root = values.first()?;
            let outcome = run_query(ops, root);
            // Only the opcodes whose meaning is certain may fail a launch here.
            match outcome {
                Some(false) if ops.iter().any(|op| !matches!(op.opcode, 1..=5 | 7)) => None,
                other => other,
            }
        }
        Predicate::All(predicates) => {
            let mut unknown = false;
            for p in predicates {
                match test(p, values) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        Predicate::Unknown { .. } => None,
    }
}

fn compare(comparison: Comparison, value: i128, bound: i128) -> bool {
    match comparison {
        Comparison::Less => value < bound,
        Comparison::LessEqual => value <= bound,
        Comparison::Greater => value > bound,
        Comparison::GreaterEqual => value >= bound,
    }
}

fn integer(value: &Value) -> Option<i128> {
    let i = value.as_signed_integer().map(i128::from);
    i.or_else(|| value.as_unsigned_integer().map(i128::from))
}

/// Plist equality with integers compared by value, and cdhashes compared on the 20 bytes the
/// kernel uses (a full SHA-256 cdhash matches its truncation and the reverse).
fn equal(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Integer(_), Value::Integer(_)) => integer(actual) == integer(expected),
        (Value::Data(a), Value::Data(e)) => {
            let n = 20.min(a.len()).min(e.len());
            a.len() >= 20 && e.len() >= 20 && a.get(..n) == e.get(..n) || a == e
        }
        _ => actual == expected,
    }
}

/// Runs a CoreEntitlements query on `root`: each step selects into or tests the current value;
/// the query holds when a value remains selected at the end. `None` for steps it cannot run.
fn run_query(ops: &[QueryOp], root: &Value) -> Option<bool> {
    let mut current = Some(root);
    for op in ops {
        let Some(value) = current else { return Some(false) };
        current = match (op.opcode, &op.param) {
            (1, Value::String(key)) => value.as_dictionary().and_then(|d| d.get(key)),
            (2, index) => {
                let index = usize::try_from(integer(index)?).ok()?;
                value.as_array().and_then(|a| a.get(index))
            }
            (3, Value::String(s)) => (value.as_string() == Some(s.as_str())).then_some(value),
            (4, Value::String(p)) => value.as_string().is_some_and(|v| v.starts_with(p.as_str())).then_some(value),
            (5, Value::Boolean(b)) => (value.as_boolean() == Some(*b)).then_some(value),
            (6, Value::String(s)) => allowed(value, |v| v.as_string() == Some(s.as_str())).then_some(value),
            (7, n @ Value::Integer(_)) => (integer(value) == integer(n)).then_some(value),
            (8, Value::String(p)) => {
                allowed(value, |v| v.as_string().is_some_and(|v| v.starts_with(p.as_str()))).then_some(value)
            }
            (10, n @ Value::Integer(_)) => allowed(value, |v| integer(v) == integer(n)).then_some(value),
            _ => return None,
        };
    }
    Some(current.is_some())
}

/// A value, or an array of values, in which one element passes `test`.
fn allowed(value: &Value, test: impl Fn(&Value) -> bool) -> bool {
    match value {
        Value::Array(items) => items.iter().any(&test),
        other => test(other),
    }
}

/// The test of a fact, as it follows the fact's name: `== "X"`, `in [1, 2]`.
pub fn render_predicate(predicate: &Predicate) -> String {
    let shown = ConstraintExpr::Fact { name: String::new(), predicate: predicate.clone() }.to_string();
    shown.trim_start().to_owned()
}

fn render_values(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().map(render_value).collect();
    match shown.as_slice() {
        [one] => one.clone(),
        many => format!("one of [{}]", many.join(", ")),
    }
}

/// One plist value as constraint text: `"ABCDE12345"`, `6`, `H"ab12…"`.
pub fn render_value(value: &Value) -> String {
    let shown = ConstraintExpr::Fact { name: String::new(), predicate: Predicate::Equals(value.clone()) }.to_string();
    shown.trim_start().trim_start_matches("==").trim_start().to_owned()
}

#[cfg(test)]
mod tests;
