//! Launch and library constraints: the `0xfade8181` blobs in special slots −8 (self), −9
//! (parent), −10 (responsible process) and −11 (library).
//!
//! The payload is a DER plist (see [`der_plist`](super::der_plist)) of
//! `{ ccat: int, comp: int, reqs: dict, vers: int }`. `reqs` is a constraint dictionary in the
//! language Apple documents in "Defining launch environment and library constraints"
//! (<https://developer.apple.com/documentation/security/defining-launch-environment-and-library-constraints>),
//! the same language as `SpawnConstraint` in launchd property lists: keys are facts about the
//! code, or `$`-operators combining them; the dictionary as a whole is an implicit `$and`.
//!
//! Unknown facts and operators are kept as [`ConstraintExpr::Unknown`] / [`Predicate::Unknown`]
//! rather than rejected, so that rules can name them.

use std::fmt;

use ::plist::{Dictionary, Value};

use super::der_plist::{self, kind_name};
use crate::Problem;

const CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_CONSTRAINTS;

/// Deepest nesting of operators accepted in a constraint dictionary.
pub const MAX_DEPTH: usize = 64;

/// The kind of value a fact is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactType {
    Bool,
    Integer,
    String,
    Data,
    /// `entitlements`: tested with a `$query` only.
    EntitlementsQuery,
}

/// Facts documented for third-party constraints, with their value types. Source: Apple,
/// "Defining launch environment and library constraints",
/// <https://developer.apple.com/documentation/security/defining-launch-environment-and-library-constraints>.
pub const KNOWN_FACTS: &[(&str, FactType)] = &[
    ("cdhash", FactType::Data),
    ("entitlements", FactType::EntitlementsQuery),
    ("is-init-proc", FactType::Bool),
    ("is-sip-protected", FactType::Bool),
    ("launch-type", FactType::Integer),
    ("on-authorized-authapfs-volume", FactType::Bool),
    ("on-system-volume", FactType::Bool),
    ("signing-identifier", FactType::String),
    ("team-identifier", FactType::String),
    ("validation-category", FactType::Integer),
];

/// Facts the OS evaluates for its own code but does not document for third parties.
/// `apple-internal` and `in-tc-with-constraint-category` appear in the trust-cache constraint
/// categories of macOS and iOS (e.g. <https://gist.github.com/LinusHenze/4cd5d7ef057a144cda7234e2c247c056>);
/// the others are facts that Security's `LWCRHelper.mm` (apple-oss-distributions/Security,
/// `OSX/libsecurity_codesigning/lib/LWCRHelper.mm`) binds as `kLWCRFact_*`, whose spellings are
/// not published.
pub const PLATFORM_FACTS: &[(&str, FactType)] = &[
    ("apple-internal", FactType::Bool),
    ("developer-mode", FactType::Bool),
    ("in-tc-with-constraint-category", FactType::Integer),
    ("info-plist-hash", FactType::Data),
    ("is-main-binary", FactType::Bool),
    ("platform-type", FactType::Integer),
];

/// Operators of the constraint language (same source as [`KNOWN_FACTS`]).
pub const KNOWN_OPERATORS: &[&str] =
    &["$and", "$and-array", "$or", "$or-array", "$in", "$lt", "$lte", "$gt", "$gte", "$optional", "$query"];

/// The value type of a documented or platform fact.
pub fn fact_type(name: &str) -> Option<FactType> {
    KNOWN_FACTS.iter().chain(PLATFORM_FACTS).find(|(fact, _)| *fact == name).map(|(_, kind)| *kind)
}

/// A decoded constraint blob.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraints {
    /// Constraint category (rcodesign writes 0).
    pub ccat: Option<i64>,
    /// Compatibility version (rcodesign writes 1).
    pub comp: Option<i64>,
    /// Format version (rcodesign writes 1).
    pub vers: Option<i64>,
    /// The requirements; an empty [`ConstraintExpr::All`] when `reqs` is absent.
    pub reqs: ConstraintExpr,
    /// The whole decoded plist.
    pub raw: Value,
    /// Top-level keys other than `ccat`, `comp`, `reqs` and `vers`.
    pub extra_keys: Vec<String>,
    /// Whether the DER encoding is canonical (see [`der_plist::DerPlist::canonical`]).
    pub canonical: bool,
}

/// A constraint expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstraintExpr {
    /// All must hold: a constraint dictionary, `$and`, `$and-array`.
    All(Vec<ConstraintExpr>),
    /// One must hold: `$or`, `$or-array`.
    Any(Vec<ConstraintExpr>),
    /// `$optional`: holds when its facts are undefined for the code, or when they match.
    Optional(Box<ConstraintExpr>),
    /// A test of a documented or platform fact.
    Fact { name: String, predicate: Predicate },
    /// An unknown fact or operator, or an operator whose value has the wrong shape; kept as found.
    Unknown { key: String, value: Value },
}

/// How a fact's value is tested.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// The fact equals the value (the plain `fact: value` form).
    Equals(Value),
    /// `$in`: the fact equals one of the values.
    In(Vec<Value>),
    /// `$lt`, `$lte`, `$gt`, `$gte`.
    Compare(Comparison, Value),
    /// `$query` (entitlements): a CoreEntitlements query program.
    Query(Vec<QueryOp>),
    /// Several operators on the same fact, all of which must hold.
    All(Vec<Predicate>),
    /// An unknown operator, or a known one whose value has the wrong shape.
    Unknown { operator: String, value: Value },
}

/// The ordering operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

impl Comparison {
    /// The operator's key in a constraint dictionary.
    pub fn operator(self) -> &'static str {
        match self {
            Comparison::Less => "$lt",
            Comparison::LessEqual => "$lte",
            Comparison::Greater => "$gt",
            Comparison::GreaterEqual => "$gte",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterEqual => ">=",
        }
    }
}

/// One step of an entitlements `$query`: an `[opcode, parameter]` pair.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOp {
    pub opcode: i64,
    pub param: Value,
}

/// CoreEntitlements query opcodes (`CEQueryOpOpcode`) and their names.
const QUERY_OPCODES: &[(i64, &str)] = &[
    (1, "select-key"),
    (2, "select-index"),
    (3, "match-string"),
    (4, "match-string-prefix"),
    (5, "match-bool"),
    (6, "string-value-allowed"),
    (7, "match-integer"),
    (8, "string-prefix-value-allowed"),
    (9, "select-key-prefix"),
    (10, "integer-value-allowed"),
    (11, "match-type"),
];

impl QueryOp {
    /// The opcode's name, when it is one CoreEntitlements defines (1–11).
    pub fn name(&self) -> Option<&'static str> {
        QUERY_OPCODES.iter().find(|(code, _)| *code == self.opcode).map(|(_, name)| *name)
    }
}

impl ConstraintExpr {
    /// Calls `visit` on this expression and every expression inside it, parents first.
    pub fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a ConstraintExpr)) {
        visit(self);
        match self {
            ConstraintExpr::All(items) | ConstraintExpr::Any(items) => items.iter().for_each(|item| item.visit(visit)),
            ConstraintExpr::Optional(inner) => inner.visit(visit),
            ConstraintExpr::Fact { .. } | ConstraintExpr::Unknown { .. } => {}
        }
    }
}

/// Decodes the payload of a constraint blob (after its 8-byte magic and length). DER problems
/// carry their offset within `payload`; problems with the decoded values are reported at offset 0.
pub fn decode_constraints(payload: &[u8]) -> Result<Constraints, Problem> {
    let plist = der_plist::decode_document(payload, CODE)?;
    let Value::Dictionary(top) = &plist.value else {
        return Err(malformed(format!("constraints are {}, not a dictionary", kind_name(&plist.value))));
    };
    let reqs = match top.get("reqs") {
        None => ConstraintExpr::All(Vec::new()),
        Some(Value::Dictionary(reqs)) => parse_constraint_dict(reqs)?,
        Some(other) => return Err(malformed(format!("reqs is {}, expected a dictionary", kind_name(other)))),
    };
    let extra_keys =
        top.keys().filter(|key| !matches!(key.as_str(), "ccat" | "comp" | "reqs" | "vers")).cloned().collect();
    Ok(Constraints {
        ccat: integer_field(top, "ccat")?,
        comp: integer_field(top, "comp")?,
        vers: integer_field(top, "vers")?,
        reqs,
        extra_keys,
        canonical: plist.canonical,
        raw: plist.value.clone(),
    })
}

fn integer_field(top: &Dictionary, key: &str) -> Result<Option<i64>, Problem> {
    match top.get(key) {
        None => Ok(None),
        Some(Value::Integer(i)) => i
            .as_signed()
            .map(Some)
            .ok_or_else(|| malformed(format!("{key} {i} does not fit in a signed 64-bit integer"))),
        Some(other) => Err(malformed(format!("{key} is {}, expected an integer", kind_name(other)))),
    }
}

fn malformed(message: impl Into<String>) -> Problem {
    Problem::at(CODE, 0, message)
}

/// Parses a constraint dictionary (the `reqs` of a blob, or a launchd `SpawnConstraint`) into an
/// implicit `$and` of its entries. Fails only on nesting deeper than [`MAX_DEPTH`].
pub fn parse_constraint_dict(dict: &Dictionary) -> Result<ConstraintExpr, Problem> {
    parse_dict(dict, 0).map(ConstraintExpr::All)
}

fn parse_dict(dict: &Dictionary, depth: usize) -> Result<Vec<ConstraintExpr>, Problem> {
    if depth >= MAX_DEPTH {
        return Err(malformed(format!("constraint operators nest deeper than {MAX_DEPTH} levels")));
    }
    dict.iter().map(|(key, value)| parse_entry(key, value, depth + 1)).collect()
}

/// One `key: value` entry of a constraint dictionary.
fn parse_entry(key: &str, value: &Value, depth: usize) -> Result<ConstraintExpr, Problem> {
    let unknown = || ConstraintExpr::Unknown { key: key.to_owned(), value: value.clone() };
    let expr = match (key, value) {
        ("$and", Value::Dictionary(d)) => ConstraintExpr::All(parse_dict(d, depth)?),
        ("$or", Value::Dictionary(d)) => ConstraintExpr::Any(parse_dict(d, depth)?),
        ("$optional", Value::Dictionary(d)) => ConstraintExpr::Optional(Box::new(single_or_all(parse_dict(d, depth)?))),
        ("$and-array", Value::Array(pairs)) => match parse_operator_pairs(pairs, depth)? {
            Some(items) => ConstraintExpr::All(items),
            None => unknown(),
        },
        ("$or-array", Value::Array(pairs)) => match parse_operator_pairs(pairs, depth)? {
            Some(items) => ConstraintExpr::Any(items),
            None => unknown(),
        },
        _ if key.starts_with('$') => unknown(),
        _ if fact_type(key).is_some() => {
            ConstraintExpr::Fact { name: key.to_owned(), predicate: parse_predicate(value) }
        }
        _ => unknown(),
    };
    Ok(expr)
}

/// The items of `$and-array` / `$or-array`: `[operator, dictionary]` pairs whose operator is
/// `$and`, `$or` or `$optional`. `None` when any item has another shape.
fn parse_operator_pairs(pairs: &[Value], depth: usize) -> Result<Option<Vec<ConstraintExpr>>, Problem> {
    let mut items = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let Some([Value::String(operator), dict @ Value::Dictionary(_)]) = pair.as_array().map(Vec::as_slice) else {
            return Ok(None);
        };
        if !matches!(operator.as_str(), "$and" | "$or" | "$optional") {
            return Ok(None);
        }
        items.push(parse_entry(operator, dict, depth.saturating_add(1))?);
    }
    Ok(Some(items))
}

fn single_or_all(mut items: Vec<ConstraintExpr>) -> ConstraintExpr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    ConstraintExpr::All(items)
}

/// The test applied to a fact: a plain value, or a dictionary of `$`-operators.
fn parse_predicate(value: &Value) -> Predicate {
    let Value::Dictionary(ops) = value else {
        return Predicate::Equals(value.clone());
    };
    if !ops.keys().any(|k| k.starts_with('$')) {
        return Predicate::Equals(value.clone());
    }
    let mut predicates: Vec<Predicate> = ops.iter().map(|(operator, value)| parse_operator(operator, value)).collect();
    if predicates.len() == 1 {
        if let Some(only) = predicates.pop() {
            return only;
        }
    }
    Predicate::All(predicates)
}

fn parse_operator(operator: &str, value: &Value) -> Predicate {
    let comparison = match operator {
        "$lt" => Some(Comparison::Less),
        "$lte" => Some(Comparison::LessEqual),
        "$gt" => Some(Comparison::Greater),
        "$gte" => Some(Comparison::GreaterEqual),
        _ => None,
    };
    match (operator, value) {
        ("$in", Value::Array(values)) => Predicate::In(values.clone()),
        ("$query", Value::Array(steps)) => match parse_query(steps) {
            Some(ops) => Predicate::Query(ops),
            None => Predicate::Unknown { operator: operator.to_owned(), value: value.clone() },
        },
        (_, Value::Array(_) | Value::Dictionary(_)) => {
            Predicate::Unknown { operator: operator.to_owned(), value: value.clone() }
        }
        _ => match comparison {
            Some(comparison) => Predicate::Compare(comparison, value.clone()),
            None => Predicate::Unknown { operator: operator.to_owned(), value: value.clone() },
        },
    }
}

/// A `$query` program: an array of `[integer opcode, parameter]` pairs.
fn parse_query(steps: &[Value]) -> Option<Vec<QueryOp>> {
    steps
        .iter()
        .map(|step| match step.as_array().map(Vec::as_slice) {
            Some([Value::Integer(opcode), param]) => {
                Some(QueryOp { opcode: opcode.as_signed()?, param: param.clone() })
            }
            _ => None,
        })
        .collect()
}

impl fmt::Display for Constraints {
    /// The requirements, e.g. `team-identifier == "ABCDE12345" and launch-type == 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reqs, f)
    }
}

impl fmt::Display for ConstraintExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstraintExpr::All(items) if items.is_empty() => f.write_str("true"),
            ConstraintExpr::Any(items) if items.is_empty() => f.write_str("false"),
            ConstraintExpr::All(items) => {
                write_joined(f, items, " and ", |item| matches!(item, ConstraintExpr::Any(i) if i.len() > 1))
            }
            ConstraintExpr::Any(items) => {
                write_joined(f, items, " or ", |item| matches!(item, ConstraintExpr::All(i) if i.len() > 1))
            }
            ConstraintExpr::Optional(inner) => write!(f, "optional({inner})"),
            ConstraintExpr::Fact { name, predicate } => write_predicate(f, name, predicate),
            ConstraintExpr::Unknown { key, value } => write!(f, "unknown({key}: {})", PlistText(value)),
        }
    }
}

/// Items joined by `joiner`; when there are several, those for which `needs_parentheses` holds
/// are parenthesised.
fn write_joined(
    f: &mut fmt::Formatter<'_>,
    items: &[ConstraintExpr],
    joiner: &str,
    needs_parentheses: impl Fn(&ConstraintExpr) -> bool,
) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(joiner)?;
        }
        if items.len() > 1 && needs_parentheses(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

fn write_predicate(f: &mut fmt::Formatter<'_>, name: &str, predicate: &Predicate) -> fmt::Result {
    match predicate {
        Predicate::Equals(value) => write!(f, "{name} == {}", PlistText(value)),
        Predicate::In(values) => {
            write!(f, "{name} in [")?;
            for (n, value) in values.iter().enumerate() {
                if n > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", PlistText(value))?;
            }
            f.write_str("]")
        }
        Predicate::Compare(comparison, value) => write!(f, "{name} {} {}", comparison.symbol(), PlistText(value)),
        Predicate::Query(ops) => {
            write!(f, "{name} query [")?;
            for (n, op) in ops.iter().enumerate() {
                if n > 0 {
                    f.write_str(", ")?;
                }
                match op.name() {
                    Some(opcode) => write!(f, "{opcode}({})", PlistText(&op.param))?,
                    None => write!(f, "op{}({})", op.opcode, PlistText(&op.param))?,
                }
            }
            f.write_str("]")
        }
        Predicate::All(predicates) => {
            f.write_str("(")?;
            for (n, predicate) in predicates.iter().enumerate() {
                if n > 0 {
                    f.write_str(" and ")?;
                }
                write_predicate(f, name, predicate)?;
            }
            f.write_str(")")
        }
        Predicate::Unknown { operator, value } => write!(f, "{name} {operator} {}", PlistText(value)),
    }
}

/// A plist value in compact text: strings quoted, data as `H"hex"`, arrays and dictionaries
/// in brackets and braces.
struct PlistText<'a>(&'a Value);

impl fmt::Display for PlistText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::String(s) => write!(f, "{s:?}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Data(d) => write!(f, "H\"{}\"", hex::encode(d)),
            Value::Array(items) => {
                f.write_str("[")?;
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", PlistText(item))?;
                }
                f.write_str("]")
            }
            Value::Dictionary(d) => {
                f.write_str("{")?;
                for (n, (key, value)) in d.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key:?}: {}", PlistText(value))?;
                }
                f.write_str("}")
            }
            other => write!(f, "{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::der_plist::test_der::*;
    use super::*;

    fn blob(reqs: Vec<u8>) -> Vec<u8> {
        document(&dict(&[("ccat", integer(0)), ("comp", integer(1)), ("reqs", reqs), ("vers", integer(1))]))
    }

    fn fact(name: &str, predicate: Predicate) -> ConstraintExpr {
        ConstraintExpr::Fact { name: name.into(), predicate }
    }

    #[test]
    fn simple_self_constraint() {
        let c =
            decode_constraints(&blob(dict(&[("launch-type", integer(3)), ("team-identifier", utf8("ABCDE12345"))])))
                .unwrap();
        assert_eq!((c.ccat, c.comp, c.vers), (Some(0), Some(1), Some(1)));
        assert!(c.extra_keys.is_empty());
        assert!(c.canonical);
        assert_eq!(
            c.reqs,
            ConstraintExpr::All(vec![
                fact("launch-type", Predicate::Equals(Value::Integer(3.into()))),
                fact("team-identifier", Predicate::Equals(Value::String("ABCDE12345".into()))),
            ])
        );
        assert_eq!(c.to_string(), "launch-type == 3 and team-identifier == \"ABCDE12345\"");
        assert_eq!(c.raw.as_dictionary().unwrap().len(), 4);
    }

    #[test]
    fn operators_are_structured() {
        let reqs = dict(&[
            (
                "$or",
                dict(&[
                    ("signing-identifier", utf8("com.example.helper")),
                    ("$and", dict(&[("is-init-proc", boolean(true)), ("validation-category", integer(6))])),
                ]),
            ),
            ("$optional", dict(&[("team-identifier", utf8("ABCDE12345"))])),
            ("cdhash", dict(&[("$in", array(&[tlv(0x04, &[0xab; 4]), tlv(0x04, &[0xcd; 4])]))])),
            ("launch-type", dict(&[("$gt", integer(0)), ("$lt", integer(3))])),
            (
                "entitlements",
                dict(&[(
                    "$query",
                    array(&[
                        array(&[integer(1), utf8("com.apple.security.app-sandbox")]),
                        array(&[integer(5), boolean(true)]),
                    ]),
                )]),
            ),
            (
                "$or-array",
                array(&[
                    array(&[utf8("$and"), dict(&[("on-system-volume", boolean(true))])]),
                    array(&[utf8("$optional"), dict(&[("is-sip-protected", boolean(true))])]),
                ]),
            ),
        ]);
        let c = decode_constraints(&blob(reqs)).unwrap();
        let ConstraintExpr::All(items) = &c.reqs else { panic!() };
        assert_eq!(items.len(), 6);
        assert!(matches!(&items[0], ConstraintExpr::Any(any) if any.len() == 2));
        assert_eq!(
            items[1],
            ConstraintExpr::Optional(Box::new(fact(
                "team-identifier",
                Predicate::Equals(Value::String("ABCDE12345".into()))
            )))
        );
        assert_eq!(
            items[2],
            fact("cdhash", Predicate::In(vec![Value::Data(vec![0xab; 4]), Value::Data(vec![0xcd; 4])]))
        );
        assert_eq!(
            items[3],
            fact(
                "launch-type",
                Predicate::All(vec![
                    Predicate::Compare(Comparison::Greater, Value::Integer(0.into())),
                    Predicate::Compare(Comparison::Less, Value::Integer(3.into())),
                ])
            )
        );
        let ConstraintExpr::Fact { predicate: Predicate::Query(ops), .. } = &items[4] else { panic!("{:?}", items[4]) };
        assert_eq!(ops[0].name(), Some("select-key"));
        assert_eq!(ops[1].param, Value::Boolean(true));
        assert!(matches!(&items[5], ConstraintExpr::Any(any) if any.len() == 2));
        assert_eq!(
            c.to_string(),
            "(signing-identifier == \"com.example.helper\" or (is-init-proc == true and validation-category == 6)) and \
             optional(team-identifier == \"ABCDE12345\") and \
             cdhash in [H\"abababab\", H\"cdcdcdcd\"] and \
             (launch-type > 0 and launch-type < 3) and \
             entitlements query [select-key(\"com.apple.security.app-sandbox\"), match-bool(true)] and \
             (on-system-volume == true or optional(is-sip-protected == true))"
        );
    }

    #[test]
    fn unknown_facts_and_operators_are_kept() {
        let reqs = dict(&[
            ("$nor", dict(&[("team-identifier", utf8("X"))])),
            ("$or", array(&[])),
            ("favourite-colour", utf8("blue")),
            ("launch-type", dict(&[("$ne", integer(3))])),
            ("team-identifier", dict(&[("$query", utf8("not an array"))])),
            ("apple-internal", boolean(false)),
        ]);
        let c = decode_constraints(&blob(reqs)).unwrap();
        let ConstraintExpr::All(items) = &c.reqs else { panic!() };
        assert!(matches!(&items[0], ConstraintExpr::Unknown { key, .. } if key == "$nor"));
        assert!(matches!(&items[1], ConstraintExpr::Unknown { key, .. } if key == "$or"));
        assert!(matches!(&items[2], ConstraintExpr::Unknown { key, .. } if key == "favourite-colour"));
        assert_eq!(
            items[3],
            fact("launch-type", Predicate::Unknown { operator: "$ne".into(), value: Value::Integer(3.into()) })
        );
        assert!(
            matches!(&items[4], ConstraintExpr::Fact { predicate: Predicate::Unknown { operator, .. }, .. } if operator == "$query")
        );
        assert_eq!(items[5], fact("apple-internal", Predicate::Equals(Value::Boolean(false))));
        let mut unknown = 0;
        c.reqs.visit(&mut |e| unknown += usize::from(matches!(e, ConstraintExpr::Unknown { .. })));
        assert_eq!(unknown, 3);
        assert!(c.to_string().starts_with("unknown($nor: {\"team-identifier\": \"X\"}) and unknown($or: [])"));
    }

    #[test]
    fn fact_table_lookups() {
        assert_eq!(fact_type("team-identifier"), Some(FactType::String));
        assert_eq!(fact_type("entitlements"), Some(FactType::EntitlementsQuery));
        assert_eq!(fact_type("in-tc-with-constraint-category"), Some(FactType::Integer));
        assert_eq!(fact_type("colour"), None);
        assert!(KNOWN_OPERATORS.contains(&"$optional"));
    }

    #[test]
    fn top_level_shape_is_checked() {
        let extra = document(&dict(&[("ccat", integer(0)), ("extra", boolean(true)), ("reqs", dict(&[]))]));
        let c = decode_constraints(&extra).unwrap();
        assert_eq!(c.extra_keys, vec!["extra".to_string()]);
        assert_eq!(c.vers, None);
        assert_eq!(c.to_string(), "true");

        let no_reqs = decode_constraints(&document(&dict(&[("vers", integer(1))]))).unwrap();
        assert_eq!(no_reqs.reqs, ConstraintExpr::All(vec![]));

        let problem = |payload: Vec<u8>| decode_constraints(&payload).unwrap_err();
        assert_eq!(problem(document(&array(&[]))).code, "malformed-constraints");
        assert!(problem(document(&dict(&[("reqs", utf8("x"))]))).message.contains("reqs"));
        assert!(problem(document(&dict(&[("ccat", utf8("0"))]))).message.contains("ccat"));
        let too_big = tlv(0x02, &[0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert!(problem(document(&dict(&[("comp", too_big)]))).message.contains("comp"));
        // DER problems keep their offsets, under this blob's code.
        let truncated = blob(dict(&[("launch-type", integer(3))]));
        let p = problem(truncated[..truncated.len() - 1].to_vec());
        assert_eq!(p.code, "malformed-constraints");
        assert_eq!(p.offset, Some(0));
        let mut bad_bool = blob(dict(&[("is-init-proc", boolean(true))]));
        let at = bad_bool.len() - 3;
        bad_bool[at + 1] = 2;
        assert_eq!(problem(bad_bool).offset, Some(at as u64));
    }

    #[test]
    fn bare_dictionary_is_accepted_as_non_canonical() {
        let c = decode_constraints(&dict(&[("reqs", dict(&[("on-system-volume", boolean(true))]))])).unwrap();
        assert!(!c.canonical);
        assert_eq!(c.to_string(), "on-system-volume == true");
    }

    #[test]
    fn nesting_is_bounded() {
        let mut nested = dict(&[("is-init-proc", boolean(true))]);
        for _ in 0..MAX_DEPTH {
            nested = dict(&[("$and", nested)]);
        }
        // The DER decoder's own depth limit is reached first for blobs.
        assert!(decode_constraints(&blob(nested)).is_err());
        // A deep dictionary from elsewhere (a launchd plist) hits this module's limit.
        let mut value = Dictionary::new();
        value.insert("is-init-proc".into(), Value::Boolean(true));
        for _ in 0..MAX_DEPTH + 1 {
            let mut outer = Dictionary::new();
            outer.insert("$or".into(), Value::Dictionary(value));
            value = outer;
        }
        assert!(parse_constraint_dict(&value).unwrap_err().message.contains("nest"));
    }

    #[test]
    fn mutations_never_panic() {
        let payload = blob(dict(&[
            (
                "$or",
                dict(&[
                    ("signing-identifier", utf8("a")),
                    ("team-identifier", dict(&[("$in", array(&[utf8("T1"), utf8("T2")]))])),
                ]),
            ),
            ("launch-type", integer(3)),
            ("entitlements", dict(&[("$query", array(&[array(&[integer(1), utf8("k")])]))])),
        ]));
        for len in 0..payload.len() {
            if let Ok(c) = decode_constraints(&payload[..len]) {
                let _ = c.to_string();
            }
        }
        let mut mutated = payload.clone();
        for i in 0..payload.len() {
            for bit in 0..8 {
                mutated[i] ^= 1 << bit;
                if let Ok(c) = decode_constraints(&mutated) {
                    let _ = c.to_string();
                }
                mutated[i] ^= 1 << bit;
            }
        }
    }
}
