//! A small encoder for binary code requirements (the `csreq -b` format).
//!
//! Layout (all integers big-endian u32):
//!
//! * requirement blob: magic `0xfade0c00`, total length, kind (1 = expression
//!   form), then one expression;
//! * an expression is an opcode followed by its operands; `and`/`or` are prefix
//!   operators taking two sub-expressions;
//! * "data" operands are a length followed by the bytes, zero-padded to a
//!   multiple of 4;
//! * certificate slots are signed: 0 = leaf, 1 = first intermediate, -1 = anchor.
//!
//! Opcodes used here: ident = 2, and = 6, or = 7, certField = 11,
//! certGeneric = 14, appleGenericAnchor = 15. Match operations: exists = 0,
//! equal = 1.

pub const REQUIREMENT_MAGIC: u32 = 0xfade_0c00;

const OP_IDENT: u32 = 2;
const OP_AND: u32 = 6;
const OP_CERT_FIELD: u32 = 11;
const OP_CERT_GENERIC: u32 = 14;
const OP_APPLE_GENERIC_ANCHOR: u32 = 15;

const MATCH_EXISTS: u32 = 0;
const MATCH_EQUAL: u32 = 1;

pub const SLOT_LEAF: i32 = 0;

/// One requirement expression, already encoded.
#[derive(Clone)]
pub struct Expr(Vec<u8>);

fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

fn put_data(buf: &mut Vec<u8>, data: &[u8]) {
    put_u32(buf, data.len() as u32);
    buf.extend_from_slice(data);
    while buf.len() % 4 != 0 {
        buf.push(0);
    }
}

/// DER content octets of a dotted OID (no tag, no length), as stored by
/// `certificate N[field.OID]` terms.
pub fn oid_content(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().expect("numeric OID arc")).collect();
    assert!(arcs.len() >= 2);
    let mut out = Vec::new();
    let mut push_arc = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend(tmp);
    };
    push_arc(arcs[0] * 40 + arcs[1]);
    for a in &arcs[2..] {
        push_arc(*a);
    }
    out
}

/// `identifier "ID"`
pub fn identifier(id: &str) -> Expr {
    let mut b = Vec::new();
    put_u32(&mut b, OP_IDENT);
    put_data(&mut b, id.as_bytes());
    Expr(b)
}

/// `anchor apple generic`
pub fn anchor_apple_generic() -> Expr {
    let mut b = Vec::new();
    put_u32(&mut b, OP_APPLE_GENERIC_ANCHOR);
    Expr(b)
}

/// `certificate SLOT[field.OID] /* exists */`
pub fn cert_generic_exists(slot: i32, oid: &str) -> Expr {
    let mut b = Vec::new();
    put_u32(&mut b, OP_CERT_GENERIC);
    put_u32(&mut b, slot as u32);
    put_data(&mut b, &oid_content(oid));
    put_u32(&mut b, MATCH_EXISTS);
    Expr(b)
}

/// `certificate SLOT[FIELD] = "VALUE"`, e.g. FIELD = `subject.OU`.
pub fn cert_field_equal(slot: i32, field: &str, value: &str) -> Expr {
    let mut b = Vec::new();
    put_u32(&mut b, OP_CERT_FIELD);
    put_u32(&mut b, slot as u32);
    put_data(&mut b, field.as_bytes());
    put_u32(&mut b, MATCH_EQUAL);
    put_data(&mut b, value.as_bytes());
    Expr(b)
}

/// `a and b and c ...`, left-associative like the requirement compiler:
/// `and(and(a, b), c)`.
pub fn and_all(exprs: Vec<Expr>) -> Expr {
    let mut it = exprs.into_iter();
    let mut acc = it.next().expect("at least one expression");
    for e in it {
        let mut b = Vec::new();
        put_u32(&mut b, OP_AND);
        b.extend(acc.0);
        b.extend(e.0);
        acc = Expr(b);
    }
    acc
}

/// Wrap an expression in a requirement blob (`0xfade0c00`).
pub fn requirement_blob(expr: &Expr) -> Vec<u8> {
    let mut b = Vec::new();
    put_u32(&mut b, REQUIREMENT_MAGIC);
    put_u32(&mut b, (12 + expr.0.len()) as u32);
    put_u32(&mut b, 1); // kind: expression form
    b.extend_from_slice(&expr.0);
    b
}

/// The designated requirement Xcode gives Developer ID–signed code:
///
/// `identifier "ID" and anchor apple generic and
///  certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and
///  certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and
///  certificate leaf[subject.OU] = "TEAM"`
pub fn developer_id_designated(identifier_: &str, team: &str) -> Vec<u8> {
    requirement_blob(&and_all(vec![
        identifier(identifier_),
        anchor_apple_generic(),
        cert_generic_exists(1, "1.2.840.113635.100.6.2.6"),
        cert_generic_exists(SLOT_LEAF, "1.2.840.113635.100.6.1.13"),
        cert_field_equal(SLOT_LEAF, "subject.OU", team),
    ]))
}

/// `identifier "ID" and anchor apple generic and certificate leaf[subject.OU] = "TEAM"`
pub fn team_designated(identifier_: &str, team: &str) -> Vec<u8> {
    requirement_blob(&and_all(vec![
        identifier(identifier_),
        anchor_apple_generic(),
        cert_field_equal(SLOT_LEAF, "subject.OU", team),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encoding() {
        assert_eq!(
            oid_content("1.2.840.113635.100.6.2.6"),
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06]
        );
    }

    #[test]
    fn ident_padding() {
        let e = identifier("abcde");
        assert_eq!(e.0.len(), 4 + 4 + 8);
    }
}
