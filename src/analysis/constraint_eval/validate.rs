//! The grammar of a constraint dictionary, checked on the plist as written.
//!
//! AMFI reports a constraint it cannot use as `m[2]` (a launch constraint in a signature) or
//! `m[4]` (a `SpawnConstraint`), with an error code `e[…]` that [`Issue::error`] gives: 1 unknown
//! operator, 2 empty, 3 element unsupported by operator, 4 operator with nothing to act on,
//! 5 unknown fact (Apple, "Applying launch environment and library constraints").

use ::plist::{Dictionary, Value};

use crate::codesign::constraints::{FactType, KNOWN_FACTS, KNOWN_OPERATORS, PLATFORM_FACTS};
use crate::codesign::der_plist::kind_name;

use super::facts::category_name;

/// Deepest nesting followed.
const MAX_DEPTH: usize = 64;
/// Most issues reported for one dictionary.
const MAX_ISSUES: usize = 64;

/// What is wrong with one place of a constraint dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// A key that is neither a documented fact nor an operator.
    UnknownFact,
    /// A fact of Apple's own constraints that is not documented for third-party code.
    PlatformFact,
    /// A fact compared with a value of the wrong type.
    WrongType,
    /// A `$` key that is not an operator.
    UnknownOperator,
    /// An operator whose value has the wrong shape.
    Shape,
    /// An empty dictionary or array.
    Empty,
    /// A value operator (`$in`, `$lt`, `$query` …) outside a fact.
    NoFact,
    /// An entitlements `$query` that is not a list of valid `[opcode, parameter]` steps.
    Query,
    /// A `validation-category` value that is not one the kernel assigns to launchable code.
    Category,
}

/// One problem, where it is (`$or.team-identifier`), and what AMFI would log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub kind: IssueKind,
    /// Keys from the top of the dictionary to the problem, joined with `.`; `[n]` for arrays.
    pub path: String,
    pub message: String,
}

impl Issue {
    /// AMFI's error code `e[…]` for this issue, when it has one.
    pub fn error(&self) -> Option<u8> {
        match self.kind {
            IssueKind::UnknownOperator => Some(1),
            IssueKind::Empty => Some(2),
            IssueKind::WrongType | IssueKind::Shape => Some(3),
            IssueKind::NoFact => Some(4),
            IssueKind::UnknownFact | IssueKind::PlatformFact => Some(5),
            IssueKind::Query | IssueKind::Category => None,
        }
    }
}

/// Every grammar issue in a constraint dictionary (the `reqs` of a blob, or a `SpawnConstraint`).
pub fn validate(dict: &Dictionary) -> Vec<Issue> {
    let mut out = Vec::new();
    walk(dict, "", 0, &mut out);
    out.truncate(MAX_ISSUES);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn push(out: &mut Vec<Issue>, kind: IssueKind, path: &str, message: String) {
    if out.len() < MAX_ISSUES {
        out.push(Issue { kind, path: path.to_owned(), message });
    }
}

fn walk(dict: &Dictionary, path: &str, depth: usize, out: &mut Vec<Issue>) {
    if depth > MAX_DEPTH || out.len() >= MAX_ISSUES {
        return;
    }
    if dict.is_empty() {
        let what = if path.is_empty() { "the constraint dictionary".to_owned() } else { format!("`{path}`") };
        push(out, IssueKind::Empty, path, format!("{what} is empty"));
        return;
    }
    for (key, value) in dict {
        let here = join(path, key);
        match key.as_str() {
            "$and" | "$or" | "$optional" => match value {
                Value::Dictionary(inner) => {
                    if key == "$optional" && inner.len() > 1 {
                        push(
                            out,
                            IssueKind::Shape,
                            &here,
                            format!("`$optional` holds exactly one fact or operator; found {}", inner.len()),
                        );
                    }
                    walk(inner, &here, depth + 1, out);
                }
                other => {
                    let hint = if matches!(other, Value::Array(_)) && key != "$optional" {
                        format!(" (alternatives that repeat a fact go in `{key}-array`, a list of [operator, dictionary] pairs)")
                    } else {
                        String::new()
                    };
                    push(
                        out,
                        IssueKind::Shape,
                        &here,
                        format!("`{key}` takes a dictionary; found {}{hint}", kind_name(other)),
                    );
                }
            },
            "$and-array" | "$or-array" => operator_pairs(key, value, &here, depth, out),
            "$in" | "$lt" | "$lte" | "$gt" | "$gte" | "$query" => push(
                out,
                IssueKind::NoFact,
                &here,
                format!("`{key}` stands outside a fact, so it has nothing to act on; write it as `fact: {{{key}: …}}`"),
            ),
            _ if key.starts_with('$') => push(
                out,
                IssueKind::UnknownOperator,
                &here,
                format!("`{key}` is not an operator of the constraint language ({})", KNOWN_OPERATORS.join(", ")),
            ),
            _ => fact(key, value, &here, depth, out),
        }
    }
}

fn operator_pairs(key: &str, value: &Value, path: &str, depth: usize, out: &mut Vec<Issue>) {
    let Value::Array(pairs) = value else {
        push(
            out,
            IssueKind::Shape,
            path,
            format!("`{key}` takes an array of [operator, dictionary] pairs; found {}", kind_name(value)),
        );
        return;
    };
    if pairs.is_empty() {
        push(out, IssueKind::Empty, path, format!("`{key}` is empty"));
    }
    for (n, pair) in pairs.iter().enumerate() {
        let here = format!("{path}[{n}]");
        match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(op), Value::Dictionary(inner)])
                if matches!(op.as_str(), "$and" | "$or" | "$optional") =>
            {
                walk(inner, &join(&here, op), depth + 1, out)
            }
            _ => push(
                out,
                IssueKind::Shape,
                &here,
                format!(
                    "each item of `{key}` is a pair [\"$and\" | \"$or\" | \"$optional\", dictionary]; found {}",
                    describe(pair)
                ),
            ),
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let kinds: Vec<&str> = items.iter().map(kind_name).collect();
            format!("an array of {}", if kinds.is_empty() { "nothing".to_owned() } else { kinds.join(", ") })
        }
        other => kind_name(other).to_owned(),
    }
}

fn type_name(ty: FactType) -> &'static str {
    match ty {
        FactType::Bool => "a boolean",
        FactType::Integer => "an integer",
        FactType::String => "a string",
        FactType::Data => "data",
        FactType::EntitlementsQuery => "a `$query`",
    }
}

fn fact(name: &str, value: &Value, path: &str, depth: usize, out: &mut Vec<Issue>) {
    let documented = KNOWN_FACTS.iter().find(|(f, _)| *f == name).map(|(_, t)| *t);
    let platform = PLATFORM_FACTS.iter().find(|(f, _)| *f == name).map(|(_, t)| *t);
    let ty = match (documented, platform) {
        (Some(ty), _) => ty,
        (None, Some(ty)) => {
            push(
                out,
                IssueKind::PlatformFact,
                path,
                format!("`{name}` is a fact of Apple's own launch constraints, not documented for third-party code"),
            );
            ty
        }
        (None, None) => {
            let known: Vec<&str> = KNOWN_FACTS.iter().map(|(f, _)| *f).collect();
            push(
                out,
                IssueKind::UnknownFact,
                path,
                format!("`{name}` is not a fact the kernel knows ({})", known.join(", ")),
            );
            return;
        }
    };
    match value {
        Value::Dictionary(ops) if ops.keys().any(|k| k.starts_with('$')) => {
            if ops.keys().any(|k| !k.starts_with('$')) {
                push(out, IssueKind::Shape, path, format!("`{name}` mixes operators and plain keys"));
            }
            for (op, arg) in ops {
                operator(name, ty, op, arg, &join(path, op), depth, out);
            }
        }
        other => value_type(name, ty, other, path, out),
    }
}

fn operator(name: &str, ty: FactType, op: &str, arg: &Value, path: &str, depth: usize, out: &mut Vec<Issue>) {
    match op {
        "$in" => match arg {
            Value::Array(values) if values.is_empty() => push(out, IssueKind::Empty, path, "`$in` is empty".into()),
            Value::Array(values) => {
                for (n, v) in values.iter().enumerate() {
                    value_type(name, ty, v, &format!("{path}[{n}]"), out);
                }
            }
            other => push(out, IssueKind::Shape, path, format!("`$in` takes an array; found {}", kind_name(other))),
        },
        "$lt" | "$lte" | "$gt" | "$gte" => {
            if ty != FactType::Integer {
                push(
                    out,
                    IssueKind::WrongType,
                    path,
                    format!("`{op}` compares integers, and `{name}` is {}", type_name(ty)),
                );
            } else if !matches!(arg, Value::Integer(_)) {
                push(out, IssueKind::WrongType, path, format!("`{op}` takes an integer; found {}", kind_name(arg)));
            }
        }
        "$query" if ty != FactType::EntitlementsQuery => push(
            out,
            IssueKind::WrongType,
            path,
            format!("`$query` tests `entitlements` only; `{name}` takes {}", type_name(ty)),
        ),
        "$query" => query(arg, path, out),
        _ if KNOWN_OPERATORS.contains(&op) => {
            let _ = depth;
            push(out, IssueKind::Shape, path, format!("`{op}` combines facts; it cannot test the value of `{name}`"))
        }
        _ => push(
            out,
            IssueKind::UnknownOperator,
            path,
            format!("`{op}` is not an operator of the constraint language ({})", KNOWN_OPERATORS.join(", ")),
        ),
    }
}

/// A value compared with fact `name` of type `ty`.
fn value_type(name: &str, ty: FactType, value: &Value, path: &str, out: &mut Vec<Issue>) {
    let fits = match ty {
        FactType::Bool => matches!(value, Value::Boolean(_)),
        FactType::Integer => matches!(value, Value::Integer(_)),
        FactType::String => matches!(value, Value::String(_)),
        FactType::Data => matches!(value, Value::Data(_)),
        FactType::EntitlementsQuery => {
            push(
                out,
                IssueKind::WrongType,
                path,
                format!("`{name}` is tested with `$query` only; found {}", kind_name(value)),
            );
            return;
        }
    };
    if !fits {
        push(
            out,
            IssueKind::WrongType,
            path,
            format!("`{name}` takes {}; found {} ({})", type_name(ty), kind_name(value), super::render_value(value)),
        );
        return;
    }
    if name == "validation-category" {
        if let Some(category) = value.as_signed_integer() {
            if !matches!(category, 1..=6 | 10) {
                let why = match category {
                    7..=9 => "a category the kernel gives only to local signing, Rosetta or out-of-process JIT code, never to a shipped product".to_owned(),
                    _ => "not a validation category (1 platform, 2 TestFlight, 3 development, 4 App Store, 5 enterprise, 6 Developer ID, 10 none)".to_owned(),
                };
                push(
                    out,
                    IssueKind::Category,
                    path,
                    format!("`validation-category` {category} ({}) is {why}", category_name(category)),
                );
            }
        }
    }
}

/// A parameter's expected type, named, and its test.
type ParamCheck = (&'static str, fn(&Value) -> bool);

/// Parameter type each CoreEntitlements query opcode takes.
fn opcode_param(opcode: i64) -> Option<ParamCheck> {
    let string: fn(&Value) -> bool = |v| matches!(v, Value::String(_));
    let integer: fn(&Value) -> bool = |v| matches!(v, Value::Integer(_));
    let boolean: fn(&Value) -> bool = |v| matches!(v, Value::Boolean(_));
    let kind: fn(&Value) -> bool = |v| v.as_signed_integer().is_some_and(|t| (1..=5).contains(&t));
    Some(match opcode {
        1 => ("a key string", string),
        2 => ("an integer index", integer),
        3 | 4 | 6 | 8 | 9 => ("a string", string),
        5 => ("a boolean", boolean),
        7 | 10 => ("an integer", integer),
        11 => ("a type code 1–5", kind),
        _ => return None,
    })
}

fn query(arg: &Value, path: &str, out: &mut Vec<Issue>) {
    let Value::Array(steps) = arg else {
        push(
            out,
            IssueKind::Query,
            path,
            format!("`$query` takes an array of [opcode, parameter] steps; found {}", kind_name(arg)),
        );
        return;
    };
    if steps.is_empty() {
        push(out, IssueKind::Query, path, "`$query` has no steps".into());
    }
    for (n, step) in steps.iter().enumerate() {
        let here = format!("{path}[{n}]");
        let Some([opcode, param]) = step.as_array().map(Vec::as_slice) else {
            push(
                out,
                IssueKind::Query,
                &here,
                format!("a query step is an [opcode, parameter] pair; found {}", describe(step)),
            );
            continue;
        };
        let Some(code) = opcode.as_signed_integer() else {
            push(out, IssueKind::Query, &here, format!("the opcode is {}, not an integer", kind_name(opcode)));
            continue;
        };
        match opcode_param(code) {
            None => push(
                out,
                IssueKind::Query,
                &here,
                format!("opcode {code} is not a CoreEntitlements query operation (1–11)"),
            ),
            Some((wanted, fits)) if !fits(param) => push(
                out,
                IssueKind::Query,
                &here,
                format!("opcode {code} takes {wanted}; found {} ({})", kind_name(param), super::render_value(param)),
            ),
            Some(_) => {}
        }
    }
}
