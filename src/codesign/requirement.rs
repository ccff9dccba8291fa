//! Code requirements: the binary expression blobs (`0xfade0c00`) and the requirement sets that
//! hold them (`0xfade0c01`), decoded into an AST and printed in codesign's requirement language.
//!
//! The expression is a prefix ("Polish") program of big-endian 32-bit opcodes. The opcode values,
//! operand layouts and the printed form follow Apple's Security framework
//! (`libsecurity_codesigning/lib/requirement.h`, `reqreader.cpp`, `reqinterp.cpp`, `reqdumper.cpp`),
//! so that [`Requirement`]'s `Display` prints what `codesign -d -r-` prints for the same bytes.

use std::fmt::{self, Write as _};

use crate::codesign::superblob::{MAGIC_REQUIREMENT, MAGIC_REQUIREMENT_SET};
use crate::problem::bytes;
use crate::Problem;

const CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_REQUIREMENT;

/// Deepest nesting of `and`/`or`/`!` accepted. Apple's interpreter stops at 1000; real
/// requirements nest a few levels (a chain of N `and`s nests N deep), so 128 leaves room for long
/// generated chains while keeping decoding, printing and dropping well inside a thread's stack
/// even in unoptimised builds.
pub const MAX_DEPTH: usize = 128;
/// Most opcodes decoded from one requirement, bounding the work a hostile blob can cause.
pub const MAX_OPS: usize = 4096;
/// Most entries accepted in a requirement set; only five types exist.
pub const MAX_REQUIREMENTS: u32 = 32;

const REQUIREMENT_HEADER_SIZE: usize = 12;
const SET_HEADER_SIZE: usize = 12;
const SET_INDEX_ENTRY_SIZE: usize = 8;

/// `Requirement::exprForm`: the only kind with an opcode program.
const KIND_EXPRESSION: u32 = 1;
/// `Requirement::lwcrForm`: a DER lightweight code requirement instead of opcodes.
const KIND_LIGHTWEIGHT: u32 = 2;

/// High-byte flags of an opcode (`opFlagMask`).
pub const OP_FLAG_MASK: u32 = 0xff00_0000;
/// Unknown opcode carrying a size field that may be skipped and evaluated as false.
pub const OP_GENERIC_FALSE: u32 = 0x8000_0000;
/// Unknown opcode carrying a size field that may be skipped; evaluation continues with the next expression.
pub const OP_GENERIC_SKIP: u32 = 0x4000_0000;

/// `ExprOp` values from `requirement.h`.
mod op {
    pub const FALSE: u32 = 0;
    pub const TRUE: u32 = 1;
    pub const IDENT: u32 = 2;
    pub const APPLE_ANCHOR: u32 = 3;
    pub const ANCHOR_HASH: u32 = 4;
    pub const INFO_KEY_VALUE: u32 = 5;
    pub const AND: u32 = 6;
    pub const OR: u32 = 7;
    pub const CD_HASH: u32 = 8;
    pub const NOT: u32 = 9;
    pub const INFO_KEY_FIELD: u32 = 10;
    pub const CERT_FIELD: u32 = 11;
    pub const TRUSTED_CERT: u32 = 12;
    pub const TRUSTED_CERTS: u32 = 13;
    pub const CERT_GENERIC: u32 = 14;
    pub const APPLE_GENERIC_ANCHOR: u32 = 15;
    pub const ENTITLEMENT_FIELD: u32 = 16;
    pub const CERT_POLICY: u32 = 17;
    pub const NAMED_ANCHOR: u32 = 18;
    pub const NAMED_CODE: u32 = 19;
    pub const PLATFORM: u32 = 20;
    pub const NOTARIZED: u32 = 21;
    pub const CERT_FIELD_DATE: u32 = 22;
    pub const LEGACY_DEV_ID: u32 = 23;
    /// `exprOpCount`: opcodes below this value are known.
    pub const COUNT: u32 = 24;
}

/// `MatchOperation` values from `requirement.h`.
mod match_op {
    pub const EXISTS: u32 = 0;
    pub const EQUAL: u32 = 1;
    pub const CONTAINS: u32 = 2;
    pub const BEGINS_WITH: u32 = 3;
    pub const ENDS_WITH: u32 = 4;
    pub const LESS_THAN: u32 = 5;
    pub const GREATER_THAN: u32 = 6;
    pub const LESS_EQUAL: u32 = 7;
    pub const GREATER_EQUAL: u32 = 8;
    pub const ON: u32 = 9;
    pub const BEFORE: u32 = 10;
    pub const AFTER: u32 = 11;
    pub const ON_OR_BEFORE: u32 = 12;
    pub const ON_OR_AFTER: u32 = 13;
    pub const ABSENT: u32 = 14;
}

/// Reserved words of the requirement language (Apple's generated `RequirementKeywords.h`, plus the
/// empty string, which reqdumper adds so that an empty operand is printed as `""`). A string equal
/// to one of them is quoted even when it is otherwise a bare word.
const KEYWORDS: &[&str] = &[
    "guest",
    "host",
    "designated",
    "library",
    "plugin",
    "or",
    "and",
    "always",
    "true",
    "never",
    "false",
    "identifier",
    "cdhash",
    "platform",
    "notarized",
    "legacy",
    "anchor",
    "apple",
    "generic",
    "certificate",
    "cert",
    "trusted",
    "info",
    "entitlement",
    "exists",
    "absent",
    "leaf",
    "root",
    "timestamp",
    "",
];

/// Seconds from the Unix epoch to CFAbsoluteTime's epoch (2001-01-01T00:00:00Z).
const CF_ABSOLUTE_TIME_EPOCH: i128 = 978_307_200;

/// The type under which a requirement is stored in a set (`SecRequirementType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequirementType {
    Host,
    Guest,
    Designated,
    Library,
    Plugin,
    /// Any other value, including 0 (`kSecInvalidRequirementType`).
    Other(u32),
}

impl RequirementType {
    /// The type named by a set's index entry.
    pub fn from_u32(value: u32) -> RequirementType {
        match value {
            1 => RequirementType::Host,
            2 => RequirementType::Guest,
            3 => RequirementType::Designated,
            4 => RequirementType::Library,
            5 => RequirementType::Plugin,
            other => RequirementType::Other(other),
        }
    }

    /// The value stored in a set's index entry.
    pub fn to_u32(self) -> u32 {
        match self {
            RequirementType::Host => 1,
            RequirementType::Guest => 2,
            RequirementType::Designated => 3,
            RequirementType::Library => 4,
            RequirementType::Plugin => 5,
            RequirementType::Other(other) => other,
        }
    }

    /// The `type =>` prefix codesign prints before a requirement of this type in a set.
    pub fn prefix(self) -> String {
        match self {
            RequirementType::Host => "host => ".into(),
            RequirementType::Guest => "guest => ".into(),
            RequirementType::Designated => "designated => ".into(),
            RequirementType::Library => "library => ".into(),
            RequirementType::Plugin => "plugin => ".into(),
            // Values below kSecRequirementTypeCount are named from Apple's table, whose slot 0 is "invalid".
            RequirementType::Other(0) => "invalid => ".into(),
            // codesign prints the number with %d, so values above i32::MAX come out negative.
            RequirementType::Other(other) => format!("/*unknown type*/ {} => ", other as i32),
        }
    }
}

/// One entry of a requirement set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementEntry {
    pub kind: RequirementType,
    /// Offset of the requirement blob within the set.
    pub offset: usize,
    /// The decoded requirement, or why it could not be decoded (offsets relative to the set).
    pub requirement: Result<Requirement, Problem>,
}

/// A decoded code requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub expr: Expr,
}

/// A string operand exactly as stored: usually UTF-8 text, but the format allows any bytes, and
/// codesign prints non-text operands in `0x` hex form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operand(pub Vec<u8>);

impl Operand {
    /// The operand as text, when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The operand's bytes as stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Operand {
    fn from(s: &str) -> Self {
        Operand(s.as_bytes().to_vec())
    }
}

/// A certificate position in the signing chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertSlot {
    /// Slot 0: the signing (leaf) certificate.
    Leaf,
    /// Slot -1: the anchor (root) certificate.
    Root,
    /// Any other slot, as Apple's evaluator reads it: positive values count from the leaf (1 is
    /// the leaf's issuer), negative values count back from the anchor (-2 is the certificate just
    /// below the root).
    Index(i32),
}

impl CertSlot {
    /// The slot named by a stored slot index.
    pub fn from_i32(value: i32) -> CertSlot {
        match value {
            0 => CertSlot::Leaf,
            -1 => CertSlot::Root,
            other => CertSlot::Index(other),
        }
    }
}

/// The match suffix of field tests (`MatchOperation`). Timestamps are whole seconds since
/// 2001-01-01T00:00:00Z (CFAbsoluteTime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Exists,
    Absent,
    Equal(Operand),
    Contains(Operand),
    BeginsWith(Operand),
    EndsWith(Operand),
    LessThan(Operand),
    GreaterThan(Operand),
    LessEqual(Operand),
    GreaterEqual(Operand),
    On(i64),
    Before(i64),
    After(i64),
    OnOrBefore(i64),
    OnOrAfter(i64),
    /// An unknown match operation; Apple's interpreter reads one string operand for it.
    Unknown {
        op: u32,
        value: Operand,
    },
}

/// A requirement expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `never`
    False,
    /// `always`
    True,
    /// `identifier X`: the CodeDirectory identifier equals X.
    Identifier(Operand),
    /// `anchor apple`: signed by Apple as Apple's own product.
    AnchorApple,
    /// `anchor apple generic`: chains to an Apple root in any capacity.
    AnchorAppleGeneric,
    /// `certificate SLOT = H"…"`: the SHA-1 of the certificate at SLOT.
    AnchorHash {
        slot: CertSlot,
        hash: Vec<u8>,
    },
    /// Legacy `info[KEY] = VALUE` (equality only).
    InfoKeyValue {
        key: Operand,
        value: Operand,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `cdhash H"…"`
    CdHash(Vec<u8>),
    /// `info[KEY] MATCH`: a key of the Info.plist.
    InfoKey {
        key: Operand,
        matcher: Match,
    },
    /// `entitlement[KEY] MATCH`: a key of the entitlements.
    Entitlement {
        key: Operand,
        matcher: Match,
    },
    /// `certificate SLOT[FIELD] MATCH`, FIELD such as `subject.OU`.
    CertField {
        slot: CertSlot,
        field: Operand,
        matcher: Match,
    },
    /// `certificate SLOT trusted`
    TrustedCert(CertSlot),
    /// `anchor trusted`
    TrustedCerts,
    /// `certificate SLOT[field.OID] MATCH`: a certificate extension by dotted OID.
    CertGeneric {
        slot: CertSlot,
        oid: String,
        matcher: Match,
    },
    /// `certificate SLOT[policy.OID] MATCH`
    CertPolicy {
        slot: CertSlot,
        oid: String,
        matcher: Match,
    },
    /// `certificate SLOT[timestamp.OID] MATCH`
    CertFieldDate {
        slot: CertSlot,
        oid: String,
        matcher: Match,
    },
    /// `anchor apple NAME`: a named anchor requirement shipped with the OS.
    NamedAnchor(Operand),
    /// `(NAME)`: a named requirement fragment shipped with the OS.
    NamedCode(Operand),
    /// `platform = N`
    Platform(i32),
    /// `notarized`
    Notarized,
    /// `legacy`: meets the pre-notarization Developer ID policy.
    LegacyDeveloperId,
    /// An unknown opcode flagged `opGenericFalse`: its sized payload is skipped and it evaluates
    /// to false. `opcode` keeps the flag bits.
    GenericFalse {
        opcode: u32,
        payload: Vec<u8>,
    },
    /// An unknown opcode flagged `opGenericSkip`: its sized payload is skipped and evaluation
    /// continues with `next`. `opcode` keeps the flag bits.
    GenericSkip {
        opcode: u32,
        payload: Vec<u8>,
        next: Box<Expr>,
    },
}

/// Parses a requirement set blob (`0xfade0c01`): magic, length, count, then `count` ×
/// {type, offset}. Offsets in problems are relative to `blob`. A requirement that cannot be decoded
/// is reported in its entry; `Err` means the set's own header or index is unreadable.
pub fn parse_requirement_set(blob: &[u8]) -> Result<Vec<RequirementEntry>, Problem> {
    let magic = bytes::be_u32(blob, 0).ok_or_else(|| malformed(0, "requirement set shorter than its header"))?;
    if magic != MAGIC_REQUIREMENT_SET {
        return Err(malformed(
            0,
            format!("requirement set magic is {magic:#010x}, expected {MAGIC_REQUIREMENT_SET:#010x}"),
        ));
    }
    let length = read_u32(blob, 4, "requirement set header truncated")?;
    let count = read_u32(blob, 8, "requirement set header truncated")?;
    let set = declared_blob(blob, length, SET_HEADER_SIZE, "requirement set")?;
    if count > MAX_REQUIREMENTS {
        return Err(malformed(
            8,
            format!("requirement set claims {count} entries (at most {MAX_REQUIREMENTS} are accepted)"),
        ));
    }
    // count ≤ MAX_REQUIREMENTS, so this cannot overflow.
    let index_end = SET_HEADER_SIZE + count as usize * SET_INDEX_ENTRY_SIZE;
    if index_end > set.len() {
        return Err(malformed(8, format!("index of {count} requirements does not fit in the {length}-byte set")));
    }
    let mut entries = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let at = SET_HEADER_SIZE + i * SET_INDEX_ENTRY_SIZE;
        let kind = RequirementType::from_u32(read_u32(set, at, "requirement set index truncated")?);
        let offset = read_u32(set, at + 4, "requirement set index truncated")? as usize;
        let requirement = requirement_at(set, offset, index_end);
        entries.push(RequirementEntry { kind, offset, requirement });
    }
    Ok(entries)
}

/// The requirement blob an index entry points at, decoded, with problems rebased onto the set.
fn requirement_at(set: &[u8], offset: usize, index_end: usize) -> Result<Requirement, Problem> {
    if offset < index_end {
        return Err(malformed(offset as u64, format!("requirement at {offset:#x} starts inside the set's index")));
    }
    let length = bytes::be_u32(set, offset.saturating_add(4)).ok_or_else(|| {
        malformed(offset as u64, format!("requirement at {offset:#x} lies outside the {}-byte set", set.len()))
    })?;
    let blob = bytes::range(set, offset, length as usize).ok_or_else(|| {
        malformed(
            offset as u64,
            format!("requirement at {offset:#x} claims {length} bytes; the set holds {}", set.len()),
        )
    })?;
    parse_requirement(blob).map_err(|p| p.rebased(offset as u64))
}

/// Parses one requirement blob (`0xfade0c00`): magic, length, kind, then the expression program.
/// Offsets in problems are relative to `blob`. Bytes after the expression are ignored, as Apple's
/// reader ignores them.
pub fn parse_requirement(blob: &[u8]) -> Result<Requirement, Problem> {
    let magic = bytes::be_u32(blob, 0).ok_or_else(|| malformed(0, "requirement shorter than its header"))?;
    if magic != MAGIC_REQUIREMENT {
        return Err(malformed(0, format!("requirement magic is {magic:#010x}, expected {MAGIC_REQUIREMENT:#010x}")));
    }
    let length = read_u32(blob, 4, "requirement header truncated")?;
    let kind = read_u32(blob, 8, "requirement header truncated")?;
    let program = declared_blob(blob, length, REQUIREMENT_HEADER_SIZE, "requirement")?;
    match kind {
        KIND_EXPRESSION => {}
        KIND_LIGHTWEIGHT => {
            return Err(malformed(
                8,
                "requirement is in lightweight (DER) form, kind 2, which has no expression program",
            ))
        }
        other => return Err(malformed(8, format!("requirement kind {other} is unknown (1 = expression form)"))),
    }
    let mut reader = Reader { data: program, pos: REQUIREMENT_HEADER_SIZE, ops: 0 };
    let expr = reader.expr(0)?;
    Ok(Requirement { expr })
}

/// The blob cut to its declared length, which must cover its header and fit in the bytes given.
fn declared_blob<'a>(blob: &'a [u8], length: u32, header: usize, what: &str) -> Result<&'a [u8], Problem> {
    let length = length as usize;
    if length < header {
        return Err(malformed(4, format!("{what} length {length} is shorter than its {header}-byte header")));
    }
    blob.get(..length)
        .ok_or_else(|| malformed(4, format!("{what} length {length} exceeds the {} bytes available", blob.len())))
}

fn read_u32(data: &[u8], offset: usize, what: &str) -> Result<u32, Problem> {
    bytes::be_u32(data, offset).ok_or_else(|| malformed(offset as u64, what))
}

fn unknown_opcode(at: usize, opcode: u32) -> Problem {
    malformed(
        at as u64,
        format!("opcode {opcode:#x} is unknown and not flagged as skippable, so the requirement cannot be evaluated"),
    )
}

fn malformed(offset: u64, message: impl Into<String>) -> Problem {
    Problem::at(CODE, offset, message)
}

/// Sequential reader over one requirement's program, mirroring `Requirement::Reader`: every read
/// must lie within the declared length.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    ops: usize,
}

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Result<u32, Problem> {
        let value = bytes::be_u32(self.data, self.pos).ok_or_else(|| self.truncated("a 32-bit value"))?;
        self.pos = self.pos.saturating_add(4);
        Ok(value)
    }

    fn i32(&mut self) -> Result<i32, Problem> {
        // Reinterpreting the bits is the format's definition of a signed field.
        self.u32().map(|v| v as i32)
    }

    fn i64(&mut self) -> Result<i64, Problem> {
        let value = bytes::be_u64(self.data, self.pos).ok_or_else(|| self.truncated("a 64-bit timestamp"))?;
        self.pos = self.pos.saturating_add(8);
        Ok(value as i64)
    }

    /// A length-prefixed byte string. The cursor then moves to the next 4-byte boundary; like Apple's
    /// reader, padding that runs past the end is only an error if something else is read after it.
    fn data(&mut self) -> Result<&'a [u8], Problem> {
        let at = self.pos;
        let length = self.u32()? as usize;
        let value = bytes::range(self.data, self.pos, length).ok_or_else(|| {
            malformed(
                at as u64,
                format!("{length}-byte operand runs past the end of the {}-byte requirement", self.data.len()),
            )
        })?;
        self.pos = self.pos.saturating_add(length.checked_next_multiple_of(4).unwrap_or(usize::MAX));
        Ok(value)
    }

    fn operand(&mut self) -> Result<Operand, Problem> {
        self.data().map(|d| Operand(d.to_vec()))
    }

    fn slot(&mut self) -> Result<CertSlot, Problem> {
        self.i32().map(CertSlot::from_i32)
    }

    fn oid(&mut self) -> Result<String, Problem> {
        self.data().map(dotted_oid)
    }

    /// A sized payload of a generic opcode: a length, then exactly that many bytes (no padding,
    /// as `Reader::skip` moves by the raw size).
    fn sized_payload(&mut self) -> Result<Vec<u8>, Problem> {
        let at = self.pos;
        let length = self.u32()? as usize;
        let payload = bytes::range(self.data, self.pos, length).ok_or_else(|| {
            malformed(
                at as u64,
                format!("{length}-byte opcode payload runs past the end of the {}-byte requirement", self.data.len()),
            )
        })?;
        self.pos = self.pos.saturating_add(length);
        Ok(payload.to_vec())
    }

    fn truncated(&self, what: &str) -> Problem {
        malformed(
            self.pos as u64,
            format!("requirement ends where {what} was expected ({} bytes long)", self.data.len()),
        )
    }

    /// One expression. Only the composite opcodes recurse; everything else, including error
    /// construction, is kept out of line so that each level of recursion costs a small stack frame.
    fn expr(&mut self, depth: usize) -> Result<Expr, Problem> {
        self.enter(depth)?;
        let at = self.pos;
        let opcode = self.u32()?;
        // Known opcodes are recognised whatever their flag bits, as in Apple's interpreter.
        match opcode & !OP_FLAG_MASK {
            op::AND => {
                let left = self.boxed_expr(depth)?;
                Ok(Expr::And(left, self.boxed_expr(depth)?))
            }
            op::OR => {
                let left = self.boxed_expr(depth)?;
                Ok(Expr::Or(left, self.boxed_expr(depth)?))
            }
            op::NOT => Ok(Expr::Not(self.boxed_expr(depth)?)),
            known if known < op::COUNT => self.leaf(known, at),
            _ if opcode & OP_GENERIC_FALSE == 0 && opcode & OP_GENERIC_SKIP != 0 => {
                let payload = self.sized_payload()?;
                Ok(Expr::GenericSkip { opcode, payload, next: self.boxed_expr(depth)? })
            }
            _ => self.generic_false(opcode, at),
        }
    }

    fn boxed_expr(&mut self, depth: usize) -> Result<Box<Expr>, Problem> {
        self.expr(depth.saturating_add(1)).map(Box::new)
    }

    /// Counts one more operation at `depth`, refusing hostile nesting and size.
    #[inline(never)]
    fn enter(&mut self, depth: usize) -> Result<(), Problem> {
        if depth >= MAX_DEPTH {
            return Err(malformed(self.pos as u64, format!("expression nests deeper than {MAX_DEPTH} levels")));
        }
        self.ops = self.ops.saturating_add(1);
        if self.ops > MAX_OPS {
            return Err(malformed(self.pos as u64, format!("requirement holds more than {MAX_OPS} operations")));
        }
        Ok(())
    }

    /// An unknown opcode: skippable as false when flagged `opGenericFalse` (which wins over
    /// `opGenericSkip`, as in Apple's interpreter), otherwise unusable.
    #[inline(never)]
    fn generic_false(&mut self, opcode: u32, at: usize) -> Result<Expr, Problem> {
        if opcode & OP_GENERIC_FALSE != 0 {
            return Ok(Expr::GenericFalse { opcode, payload: self.sized_payload()? });
        }
        Err(unknown_opcode(at, opcode))
    }

    /// The operands of a known, non-composite opcode.
    #[inline(never)]
    fn leaf(&mut self, opcode: u32, at: usize) -> Result<Expr, Problem> {
        let expr = match opcode {
            op::FALSE => Expr::False,
            op::TRUE => Expr::True,
            op::IDENT => Expr::Identifier(self.operand()?),
            op::APPLE_ANCHOR => Expr::AnchorApple,
            op::ANCHOR_HASH => Expr::AnchorHash { slot: self.slot()?, hash: self.data()?.to_vec() },
            op::INFO_KEY_VALUE => Expr::InfoKeyValue { key: self.operand()?, value: self.operand()? },
            op::CD_HASH => Expr::CdHash(self.data()?.to_vec()),
            op::INFO_KEY_FIELD => Expr::InfoKey { key: self.operand()?, matcher: self.matcher()? },
            op::CERT_FIELD => Expr::CertField { slot: self.slot()?, field: self.operand()?, matcher: self.matcher()? },
            op::TRUSTED_CERT => Expr::TrustedCert(self.slot()?),
            op::TRUSTED_CERTS => Expr::TrustedCerts,
            op::CERT_GENERIC => Expr::CertGeneric { slot: self.slot()?, oid: self.oid()?, matcher: self.matcher()? },
            op::APPLE_GENERIC_ANCHOR => Expr::AnchorAppleGeneric,
            op::ENTITLEMENT_FIELD => Expr::Entitlement { key: self.operand()?, matcher: self.matcher()? },
            op::CERT_POLICY => Expr::CertPolicy { slot: self.slot()?, oid: self.oid()?, matcher: self.matcher()? },
            op::NAMED_ANCHOR => Expr::NamedAnchor(self.operand()?),
            op::NAMED_CODE => Expr::NamedCode(self.operand()?),
            op::PLATFORM => Expr::Platform(self.i32()?),
            op::NOTARIZED => Expr::Notarized,
            op::CERT_FIELD_DATE => {
                Expr::CertFieldDate { slot: self.slot()?, oid: self.oid()?, matcher: self.matcher()? }
            }
            op::LEGACY_DEV_ID => Expr::LegacyDeveloperId,
            _ => return Err(unknown_opcode(at, opcode)),
        };
        Ok(expr)
    }

    fn matcher(&mut self) -> Result<Match, Problem> {
        let op = self.u32()?;
        let matcher = match op {
            match_op::EXISTS => Match::Exists,
            match_op::ABSENT => Match::Absent,
            match_op::EQUAL => Match::Equal(self.operand()?),
            match_op::CONTAINS => Match::Contains(self.operand()?),
            match_op::BEGINS_WITH => Match::BeginsWith(self.operand()?),
            match_op::ENDS_WITH => Match::EndsWith(self.operand()?),
            match_op::LESS_THAN => Match::LessThan(self.operand()?),
            match_op::GREATER_THAN => Match::GreaterThan(self.operand()?),
            match_op::LESS_EQUAL => Match::LessEqual(self.operand()?),
            match_op::GREATER_EQUAL => Match::GreaterEqual(self.operand()?),
            match_op::ON => Match::On(self.i64()?),
            match_op::BEFORE => Match::Before(self.i64()?),
            match_op::AFTER => Match::After(self.i64()?),
            match_op::ON_OR_BEFORE => Match::OnOrBefore(self.i64()?),
            match_op::ON_OR_AFTER => Match::OnOrAfter(self.i64()?),
            other => Match::Unknown { op: other, value: self.operand()? },
        };
        Ok(matcher)
    }
}

/// Dotted form of DER OID content bytes, decoded the way Apple's `CssmData::toOid` does: the first
/// sub-identifier splits into two arcs (the first capped at 2), a sub-identifier cut short by the end
/// of the data ends there, and empty data gives an empty string. Arcs wrap at 64 bits.
fn dotted_oid(data: &[u8]) -> String {
    let mut arcs = data.iter().peekable();
    let mut out = String::new();
    let mut first = true;
    while arcs.peek().is_some() {
        let mut value: u64 = 0;
        for &byte in arcs.by_ref() {
            value = value.wrapping_mul(128).wrapping_add(u64::from(byte & 0x7f));
            if byte & 0x80 == 0 {
                break;
            }
        }
        if first {
            let head = (value / 40).min(2);
            // head * 40 ≤ value by construction, so this subtraction cannot underflow.
            let _ = write!(out, "{head}.{}", value - head * 40);
            first = false;
        } else {
            let _ = write!(out, ".{value}");
        }
    }
    out
}

/// Syntax levels of reqdumper, deciding where parentheses go: an `and` inside a `!` is
/// parenthesised, an `or` inside an `and` or `!` is parenthesised, nothing else is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Primary,
    And,
    Or,
    Top,
}

impl fmt::Display for Requirement {
    /// The requirement as `codesign -d -r-` prints a single requirement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.expr.to_string();
        // reqdumper removes one leading space (which only the generic-opcode forms produce).
        f.write_str(text.strip_prefix(' ').unwrap_or(&text))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, Level::Top)
    }
}

impl Expr {
    /// Prints the expression at syntax level `level`. Only the composite forms recurse; leaves are
    /// printed by [`Expr::write_leaf`], kept out of line so deep trees use small stack frames.
    fn write(&self, f: &mut fmt::Formatter<'_>, level: Level) -> fmt::Result {
        match self {
            Expr::And(left, right) => write_binary(f, level, Level::And, " and ", left, right),
            Expr::Or(left, right) => write_binary(f, level, Level::Or, " or ", left, right),
            Expr::Not(inner) => {
                f.write_str("! ")?;
                inner.write(f, Level::Primary)
            }
            Expr::GenericSkip { opcode, next, .. } => {
                write!(f, " /* opcode {} */ ", opcode & !OP_FLAG_MASK)?;
                next.write(f, level)
            }
            leaf => leaf.write_leaf(f),
        }
    }

    #[inline(never)]
    fn write_leaf(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::False => f.write_str("never"),
            Expr::True => f.write_str("always"),
            Expr::Identifier(id) => {
                f.write_str("identifier ")?;
                write_operand(f, id, false)
            }
            Expr::AnchorApple => f.write_str("anchor apple"),
            Expr::AnchorAppleGeneric => f.write_str("anchor apple generic"),
            Expr::AnchorHash { slot, hash } => {
                write!(f, "certificate{slot} = ")?;
                write_hash(f, hash)
            }
            Expr::InfoKeyValue { key, value } => {
                f.write_str("info[")?;
                write_operand(f, key, true)?;
                f.write_str("] = ")?;
                write_operand(f, value, false)
            }
            Expr::CdHash(hash) => {
                f.write_str("cdhash ")?;
                write_hash(f, hash)
            }
            Expr::InfoKey { key, matcher } => {
                f.write_str("info[")?;
                write_operand(f, key, true)?;
                write!(f, "]{matcher}")
            }
            Expr::Entitlement { key, matcher } => {
                f.write_str("entitlement[")?;
                write_operand(f, key, true)?;
                write!(f, "]{matcher}")
            }
            Expr::CertField { slot, field, matcher } => {
                write!(f, "certificate{slot}[")?;
                write_operand(f, field, true)?;
                write!(f, "]{matcher}")
            }
            // reqdumper omits the space before "trusted" ("certificate leaftrusted"), which its own
            // parser cannot read back; the grammar's form is printed instead.
            Expr::TrustedCert(slot) => write!(f, "certificate{slot} trusted"),
            Expr::TrustedCerts => f.write_str("anchor trusted"),
            Expr::CertGeneric { slot, oid, matcher } => write!(f, "certificate{slot}[field.{oid}]{matcher}"),
            Expr::CertPolicy { slot, oid, matcher } => write!(f, "certificate{slot}[policy.{oid}]{matcher}"),
            Expr::CertFieldDate { slot, oid, matcher } => write!(f, "certificate{slot}[timestamp.{oid}]{matcher}"),
            Expr::NamedAnchor(name) => {
                f.write_str("anchor apple ")?;
                write_operand(f, name, false)
            }
            Expr::NamedCode(name) => {
                f.write_str("(")?;
                write_operand(f, name, false)?;
                f.write_str(")")
            }
            Expr::Platform(platform) => write!(f, "platform = {platform}"),
            Expr::Notarized => f.write_str("notarized"),
            Expr::LegacyDeveloperId => f.write_str("legacy"),
            Expr::GenericFalse { opcode, .. } => write!(f, " false /* opcode {} */", opcode & !OP_FLAG_MASK),
            // Composite forms are printed by `write`.
            Expr::And(..) | Expr::Or(..) | Expr::Not(..) | Expr::GenericSkip { .. } => self.write(f, Level::Primary),
        }
    }
}

fn write_binary(
    f: &mut fmt::Formatter<'_>,
    outer: Level,
    own: Level,
    joiner: &str,
    left: &Expr,
    right: &Expr,
) -> fmt::Result {
    let parenthesise = outer < own;
    if parenthesise {
        f.write_str("(")?;
    }
    left.write(f, own)?;
    f.write_str(joiner)?;
    right.write(f, own)?;
    if parenthesise {
        f.write_str(")")?;
    }
    Ok(())
}

impl fmt::Display for CertSlot {
    /// The slot with its leading space, as reqdumper prints it after "certificate".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertSlot::Leaf => f.write_str(" leaf"),
            CertSlot::Root => f.write_str(" root"),
            CertSlot::Index(n) => write!(f, " {n}"),
        }
    }
}

impl fmt::Display for Match {
    /// The match suffix with its leading space, as reqdumper prints it after the field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (symbol, operand) = match self {
            Match::Exists => return f.write_str(" /* exists */"),
            // reqdumper prints a trailing space after "absent".
            Match::Absent => return f.write_str(" absent "),
            Match::Equal(v) => (" = ", v),
            Match::Contains(v) => (" ~ ", v),
            Match::BeginsWith(v) => {
                f.write_str(" = ")?;
                write_operand(f, v, false)?;
                return f.write_str("*");
            }
            Match::EndsWith(v) => (" = *", v),
            Match::LessThan(v) => (" < ", v),
            Match::GreaterThan(v) => (" > ", v),
            Match::LessEqual(v) => (" <= ", v),
            Match::GreaterEqual(v) => (" >= ", v),
            Match::On(t) => return write!(f, " = <{}>", CfDate(*t)),
            Match::Before(t) => return write!(f, " < <{}>", CfDate(*t)),
            Match::After(t) => return write!(f, " > <{}>", CfDate(*t)),
            Match::OnOrBefore(t) => return write!(f, " <= <{}>", CfDate(*t)),
            Match::OnOrAfter(t) => return write!(f, " >= <{}>", CfDate(*t)),
            Match::Unknown { op, .. } => return write!(f, "MATCH OPCODE {op} NOT UNDERSTOOD"),
        };
        f.write_str(symbol)?;
        write_operand(f, operand, false)
    }
}

/// How reqdumper prints a string operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrintMode {
    /// A bare word: letters and digits (and dots, for keys), not starting with a digit, not a keyword.
    Bare,
    /// Printable text: quoted, with `\` and `"` escaped.
    Quoted,
    /// Anything else: `0x` and lowercase hex.
    Hex,
}

fn print_mode(data: &[u8], dot_okay: bool) -> PrintMode {
    let mut mode = PrintMode::Bare;
    for (n, &byte) in data.iter().enumerate() {
        if byte.is_ascii_alphanumeric() || (byte == b'.' && dot_okay) {
            if n == 0 && byte.is_ascii_digit() {
                mode = PrintMode::Quoted;
            }
        } else if is_c_graph(byte) || is_c_space(byte) {
            mode = PrintMode::Quoted;
        } else {
            return PrintMode::Hex;
        }
    }
    if mode == PrintMode::Bare && KEYWORDS.iter().any(|k| k.as_bytes() == data) {
        mode = PrintMode::Quoted;
    }
    mode
}

/// C's `isgraph` in the "C" locale.
fn is_c_graph(byte: u8) -> bool {
    (0x21..=0x7e).contains(&byte)
}

/// C's `isspace` in the "C" locale (space, \t, \n, \v, \f, \r).
fn is_c_space(byte: u8) -> bool {
    byte == b' ' || (0x09..=0x0d).contains(&byte)
}

fn write_operand(f: &mut fmt::Formatter<'_>, operand: &Operand, dot_okay: bool) -> fmt::Result {
    let data = operand.as_bytes();
    match print_mode(data, dot_okay) {
        // Bare and quoted modes only admit ASCII bytes, so each byte is one char.
        PrintMode::Bare => data.iter().try_for_each(|&b| f.write_char(char::from(b))),
        PrintMode::Quoted => {
            f.write_char('"')?;
            for &byte in data {
                if byte == b'\\' || byte == b'"' {
                    f.write_char('\\')?;
                }
                f.write_char(char::from(byte))?;
            }
            f.write_char('"')
        }
        PrintMode::Hex => {
            f.write_str("0x")?;
            write_hex(f, data)
        }
    }
}

fn write_hash(f: &mut fmt::Formatter<'_>, hash: &[u8]) -> fmt::Result {
    f.write_str("H\"")?;
    write_hex(f, hash)?;
    f.write_str("\"")
}

fn write_hex(f: &mut fmt::Formatter<'_>, data: &[u8]) -> fmt::Result {
    data.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

/// A CFAbsoluteTime in whole seconds, printed as `CFCopyDescription` of a CFDate does on macOS
/// (`2001-01-01 00:00:00 +0000`).
struct CfDate(i64);

impl fmt::Display for CfDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // i128 holds any i64 seconds value shifted to the Unix epoch, and the civil-date arithmetic
        // below only divides by constants, so nothing here can overflow or panic.
        let unix = i128::from(self.0) + CF_ABSOLUTE_TIME_EPOCH;
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        // Any i64 seconds value gives a day count far inside i64.
        let (year, month, day) = crate::time::civil_from_days(i64::try_from(days).unwrap_or(0));
        write!(f, "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

/// A requirement set as `codesign -d -r-` prints it: one `type => requirement` line per entry, in
/// index order, each ending in a newline. An entry that cannot be decoded is shown as a comment
/// naming the problem (codesign itself refuses to print such a set).
pub fn render_requirement_set(entries: &[RequirementEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(&entry.kind.prefix());
        match &entry.requirement {
            // In a set, reqdumper keeps any leading space of the expression.
            Ok(requirement) => out.push_str(&requirement.expr.to_string()),
            Err(problem) => {
                let _ = write!(out, "/* {problem} */");
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds expression programs and blobs in the binary format, for tests.
    #[derive(Default)]
    struct Program(Vec<u8>);

    impl Program {
        fn u32(mut self, v: u32) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn i64(mut self, v: i64) -> Self {
            self.0.extend_from_slice(&v.to_be_bytes());
            self
        }
        fn data(mut self, d: &[u8]) -> Self {
            self.0.extend_from_slice(&(d.len() as u32).to_be_bytes());
            self.0.extend_from_slice(d);
            while !self.0.len().is_multiple_of(4) {
                self.0.push(0);
            }
            self
        }
        fn op(self, op: u32) -> Self {
            self.u32(op)
        }
        fn ident(self, id: &str) -> Self {
            self.op(op::IDENT).data(id.as_bytes())
        }
        fn blob(self) -> Vec<u8> {
            requirement_blob(&self.0)
        }
    }

    fn requirement_blob(program: &[u8]) -> Vec<u8> {
        let mut blob = Vec::new();
        blob.extend_from_slice(&MAGIC_REQUIREMENT.to_be_bytes());
        blob.extend_from_slice(&((program.len() + 12) as u32).to_be_bytes());
        blob.extend_from_slice(&KIND_EXPRESSION.to_be_bytes());
        blob.extend_from_slice(program);
        blob
    }

    fn requirement_set(entries: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let header = SET_HEADER_SIZE + entries.len() * SET_INDEX_ENTRY_SIZE;
        let total = header + entries.iter().map(|(_, b)| b.len()).sum::<usize>();
        let mut set = Vec::new();
        set.extend_from_slice(&MAGIC_REQUIREMENT_SET.to_be_bytes());
        set.extend_from_slice(&(total as u32).to_be_bytes());
        set.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        let mut offset = header;
        for (kind, blob) in entries {
            set.extend_from_slice(&kind.to_be_bytes());
            set.extend_from_slice(&(offset as u32).to_be_bytes());
            offset += blob.len();
        }
        for (_, blob) in entries {
            set.extend_from_slice(blob);
        }
        set
    }

    fn text(program: Program) -> String {
        parse_requirement(&program.blob()).unwrap().to_string()
    }

    const DEVELOPER_ID_CA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x02, 0x06];
    const DEVELOPER_ID_LEAF: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x06, 0x01, 0x0d];

    fn developer_id_program(identifier: &str, team: &str) -> Program {
        Program::default()
            .op(op::AND)
            .op(op::AND)
            .op(op::AND)
            .op(op::AND)
            .ident(identifier)
            .op(op::APPLE_GENERIC_ANCHOR)
            .op(op::CERT_GENERIC)
            .u32(1)
            .data(DEVELOPER_ID_CA)
            .u32(match_op::EXISTS)
            .op(op::CERT_GENERIC)
            .u32(0)
            .data(DEVELOPER_ID_LEAF)
            .u32(match_op::EXISTS)
            .op(op::CERT_FIELD)
            .u32(0)
            .data(b"subject.OU")
            .u32(match_op::EQUAL)
            .data(team.as_bytes())
    }

    #[test]
    fn developer_id_designated_requirement() {
        let text = text(developer_id_program("com.example.app", "ABCDE12345"));
        assert_eq!(
            text,
            "identifier \"com.example.app\" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] \
             /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and \
             certificate leaf[subject.OU] = ABCDE12345"
        );
    }

    #[test]
    fn and_or_not_parenthesisation_follows_reqdumper() {
        // a and (b or c)
        let p = Program::default().op(op::AND).ident("a").op(op::OR).ident("b").ident("c");
        assert_eq!(text(p), "identifier a and (identifier b or identifier c)");
        // (a and b) or c prints without parentheses
        let p = Program::default().op(op::OR).op(op::AND).ident("a").ident("b").ident("c");
        assert_eq!(text(p), "identifier a and identifier b or identifier c");
        // ! (a and b)
        let p = Program::default().op(op::NOT).op(op::AND).ident("a").ident("b");
        assert_eq!(text(p), "! (identifier a and identifier b)");
        // ! (a or b), and a double negation
        let p = Program::default().op(op::NOT).op(op::OR).ident("a").op(op::NOT).op(op::NOT).ident("b");
        assert_eq!(text(p), "! (identifier a or ! ! identifier b)");
        // a or b at the top: no parentheses
        let p = Program::default().op(op::OR).op(op::TRUE).op(op::FALSE);
        assert_eq!(text(p), "always or never");
    }

    #[test]
    fn operand_quoting_follows_reqdumper() {
        let cases: &[(&[u8], bool, &str)] = &[
            (b"simple", false, "simple"),
            (b"S8XHQB96PW", false, "S8XHQB96PW"),
            (b"1ABCDEFGHI", false, "\"1ABCDEFGHI\""),
            (b"com.example", false, "\"com.example\""),
            (b"com.example", true, "com.example"),
            (b"subject.OU", true, "subject.OU"),
            (b"anchor", false, "\"anchor\""),
            (b"Anchor", false, "Anchor"),
            (b"", false, "\"\""),
            (b"with space", false, "\"with space\""),
            (b"q\"uo\\te", false, "\"q\\\"uo\\\\te\""),
            (b"\x01\xff", false, "0x01ff"),
            ("é".as_bytes(), false, "0xc3a9"),
            (b"com.apple.security.app-sandbox", true, "\"com.apple.security.app-sandbox\""),
        ];
        struct Shown<'a>(&'a [u8], bool);
        impl fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_operand(f, &Operand(self.0.to_vec()), self.1)
            }
        }
        for (data, dot_okay, expected) in cases {
            assert_eq!(Shown(data, *dot_okay).to_string(), *expected, "{data:?}");
        }
    }

    #[test]
    fn every_opcode_prints() {
        let hash = [0xab; 20];
        let cases: Vec<(Program, &str)> = vec![
            (Program::default().op(op::FALSE), "never"),
            (Program::default().op(op::TRUE), "always"),
            (Program::default().op(op::APPLE_ANCHOR), "anchor apple"),
            (Program::default().op(op::APPLE_GENERIC_ANCHOR), "anchor apple generic"),
            (
                Program::default().op(op::ANCHOR_HASH).u32(u32::MAX).data(&hash),
                "certificate root = H\"abababababababababababababababababababab\"",
            ),
            (
                Program::default().op(op::INFO_KEY_VALUE).data(b"CFBundleVersion").data(b"1.0"),
                "info[CFBundleVersion] = \"1.0\"",
            ),
            (Program::default().op(op::CD_HASH).data(&[1, 2, 3]), "cdhash H\"010203\""),
            (
                Program::default()
                    .op(op::INFO_KEY_FIELD)
                    .data(b"CFBundleShortVersionString")
                    .u32(match_op::GREATER_EQUAL)
                    .data(b"2.0"),
                "info[CFBundleShortVersionString] >= \"2.0\"",
            ),
            (
                Program::default()
                    .op(op::ENTITLEMENT_FIELD)
                    .data(b"com.apple.security.app-sandbox")
                    .u32(match_op::EXISTS),
                "entitlement[\"com.apple.security.app-sandbox\"] /* exists */",
            ),
            (
                Program::default()
                    .op(op::CERT_FIELD)
                    .u32(2)
                    .data(b"subject.CN")
                    .u32(match_op::BEGINS_WITH)
                    .data(b"Apple"),
                "certificate 2[subject.CN] = Apple*",
            ),
            (
                Program::default().op(op::CERT_FIELD).u32(0).data(b"subject.CN").u32(match_op::ENDS_WITH).data(b"Inc."),
                "certificate leaf[subject.CN] = *\"Inc.\"",
            ),
            (
                Program::default().op(op::CERT_FIELD).u32(0).data(b"subject.O").u32(match_op::CONTAINS).data(b"x y"),
                "certificate leaf[subject.O] ~ \"x y\"",
            ),
            (
                Program::default().op(op::CERT_FIELD).u32(0).data(b"subject.O").u32(match_op::ABSENT),
                "certificate leaf[subject.O] absent ",
            ),
            (Program::default().op(op::TRUSTED_CERT).u32(0), "certificate leaf trusted"),
            (Program::default().op(op::TRUSTED_CERTS), "anchor trusted"),
            (
                Program::default().op(op::CERT_POLICY).u32(0).data(&[0x2a, 0x03]).u32(match_op::EXISTS),
                "certificate leaf[policy.1.2.3] /* exists */",
            ),
            (
                Program::default().op(op::CERT_FIELD_DATE).u32(0).data(&[0x2a, 0x03]).u32(match_op::AFTER).i64(0),
                "certificate leaf[timestamp.1.2.3] > <2001-01-01 00:00:00 +0000>",
            ),
            (
                Program::default()
                    .op(op::CERT_FIELD_DATE)
                    .u32(0)
                    .data(&[0x2a, 0x03])
                    .u32(match_op::ON_OR_AFTER)
                    .i64(602_000_000),
                "certificate leaf[timestamp.1.2.3] >= <2020-01-29 14:13:20 +0000>",
            ),
            (Program::default().op(op::NAMED_ANCHOR).data(b"developer"), "anchor apple developer"),
            (Program::default().op(op::NAMED_CODE).data(b"frag"), "(frag)"),
            (Program::default().op(op::PLATFORM).u32(2), "platform = 2"),
            (Program::default().op(op::NOTARIZED), "notarized"),
            (Program::default().op(op::LEGACY_DEV_ID), "legacy"),
            (
                Program::default().op(op::CERT_FIELD).u32(0).data(b"x").u32(99).data(b"v"),
                "certificate leaf[x]MATCH OPCODE 99 NOT UNDERSTOOD",
            ),
            (Program::default().op(OP_GENERIC_FALSE | 77).data(b"xyz!"), "false /* opcode 77 */"),
            (Program::default().op(OP_GENERIC_SKIP | 78).u32(0).op(op::TRUE), "/* opcode 78 */ always"),
            // Flag bits on a known opcode are ignored.
            (Program::default().op(OP_GENERIC_FALSE | op::TRUE), "always"),
        ];
        for (program, expected) in cases {
            assert_eq!(text(program), expected);
        }
    }

    #[test]
    fn ast_is_structured_for_evaluation() {
        let req = parse_requirement(&developer_id_program("com.example.app", "ABCDE12345").blob()).unwrap();
        let Expr::And(rest, team) = &req.expr else { panic!("{:?}", req.expr) };
        assert_eq!(
            **team,
            Expr::CertField {
                slot: CertSlot::Leaf,
                field: "subject.OU".into(),
                matcher: Match::Equal("ABCDE12345".into())
            }
        );
        let Expr::And(rest, leaf) = &**rest else { panic!() };
        assert_eq!(
            **leaf,
            Expr::CertGeneric { slot: CertSlot::Leaf, oid: "1.2.840.113635.100.6.1.13".into(), matcher: Match::Exists }
        );
        let Expr::And(rest, _) = &**rest else { panic!() };
        let Expr::And(id, anchor) = &**rest else { panic!() };
        assert_eq!(**id, Expr::Identifier("com.example.app".into()));
        assert_eq!(**anchor, Expr::AnchorAppleGeneric);
    }

    #[test]
    fn oids_decode_like_apple() {
        assert_eq!(dotted_oid(&[]), "");
        assert_eq!(dotted_oid(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(dotted_oid(DEVELOPER_ID_LEAF), "1.2.840.113635.100.6.1.13");
        // A first sub-identifier ≥ 80 stays under arc 2.
        assert_eq!(dotted_oid(&[0x81, 0x34, 0x03]), "2.100.3");
        // Truncated last arc: whatever was read.
        assert_eq!(dotted_oid(&[0x2a, 0x86]), "1.2.6");
    }

    #[test]
    fn dates_print_like_cfdate() {
        assert_eq!(CfDate(0).to_string(), "2001-01-01 00:00:00 +0000");
        assert_eq!(CfDate(-1).to_string(), "2000-12-31 23:59:59 +0000");
        assert!(CfDate(i64::MAX).to_string().len() > 10);
        assert!(CfDate(i64::MIN).to_string().ends_with("+0000"));
    }

    #[test]
    fn set_renders_with_type_prefixes() {
        let set = requirement_set(&[
            (3, developer_id_program("com.example.app", "ABCDE12345").blob()),
            (1, Program::default().op(op::APPLE_ANCHOR).blob()),
            (9, Program::default().op(op::TRUE).blob()),
            (0, Program::default().op(op::FALSE).blob()),
        ]);
        let entries = parse_requirement_set(&set).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].kind, RequirementType::Designated);
        assert_eq!(entries[0].offset, 12 + 4 * 8);
        let text = render_requirement_set(&entries);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("designated => identifier \"com.example.app\" and anchor apple generic"));
        assert_eq!(lines[1], "host => anchor apple");
        assert_eq!(lines[2], "/*unknown type*/ 9 => always");
        assert_eq!(lines[3], "invalid => never");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn bad_entries_are_reported_per_entry_with_set_offsets() {
        let good = Program::default().op(op::TRUE).blob();
        let bad = Program::default().op(0x1234).blob();
        let set = requirement_set(&[(3, good), (1, bad)]);
        let entries = parse_requirement_set(&set).unwrap();
        assert!(entries[0].requirement.is_ok());
        let problem = entries[1].requirement.clone().unwrap_err();
        assert_eq!(problem.code, "malformed-requirement");
        // The unknown opcode sits right after the second blob's 12-byte header.
        assert_eq!(problem.offset, Some((entries[1].offset + 12) as u64));
        assert!(render_requirement_set(&entries).contains("host => /* malformed-requirement at byte"));
    }

    #[test]
    fn malformed_headers_are_problems() {
        assert_eq!(parse_requirement(&[]).unwrap_err().offset, Some(0));
        let mut wrong_magic = Program::default().op(op::TRUE).blob();
        wrong_magic[3] = 0x01;
        assert!(parse_requirement(&wrong_magic).unwrap_err().message.contains("magic"));
        let mut long = Program::default().op(op::TRUE).blob();
        long[7] = 200;
        assert_eq!(parse_requirement(&long).unwrap_err().offset, Some(4));
        let mut lwcr = Program::default().op(op::TRUE).blob();
        lwcr[11] = 2;
        assert!(parse_requirement(&lwcr).unwrap_err().message.contains("lightweight"));
        let truncated = Program::default().op(op::IDENT).u32(100).blob();
        assert_eq!(parse_requirement(&truncated).unwrap_err().offset, Some(16));
        let mut set = requirement_set(&[(3, Program::default().op(op::TRUE).blob())]);
        set[11] = 200;
        assert!(parse_requirement_set(&set).unwrap_err().message.contains("200"));
        let mut set = requirement_set(&[(3, Program::default().op(op::TRUE).blob())]);
        set[19] = 4;
        assert!(parse_requirement_set(&set).unwrap()[0].requirement.clone().unwrap_err().message.contains("index"));
    }

    #[test]
    fn hostile_nesting_and_op_counts_are_bounded() {
        let mut deep = Program::default();
        for _ in 0..(MAX_DEPTH + 10) {
            deep = deep.op(op::NOT);
        }
        let deep = deep.op(op::TRUE);
        assert!(parse_requirement(&deep.blob()).unwrap_err().message.contains("nests"));

        // The deepest accepted tree parses, prints, compares and drops within a quarter of the
        // 2 MiB stack that spawned threads get by default, even unoptimised.
        let mut chain = Program::default();
        for _ in 0..MAX_DEPTH - 2 {
            chain = chain.op(op::AND);
        }
        chain = chain.op(op::TRUE);
        for _ in 0..MAX_DEPTH - 2 {
            chain = chain.op(op::NOT).op(op::FALSE);
        }
        let blob = chain.blob();
        let worker = std::thread::Builder::new().stack_size(512 * 1024).spawn(move || {
            let requirement = parse_requirement(&blob).unwrap();
            let text = requirement.to_string();
            assert!(text.starts_with("always and ! never and "));
            assert_eq!(requirement.clone(), requirement);
        });
        worker.unwrap().join().unwrap();

        // A balanced tree of depth 12 is shallow but holds 8191 operations.
        fn balanced(program: Program, depth: u32) -> Program {
            if depth == 0 {
                return program.op(op::TRUE);
            }
            let program = balanced(program.op(op::AND), depth - 1);
            balanced(program, depth - 1)
        }
        let wide = balanced(Program::default(), 12);
        assert!(parse_requirement(&wide.blob()).unwrap_err().message.contains("operations"));

        // The last padding may be missing at the end of the blob, as Apple's reader allows.
        let mut program = Program::default().ident("abc").0;
        program.truncate(program.len() - 1);
        assert_eq!(parse_requirement(&requirement_blob(&program)).unwrap().to_string(), "identifier abc");
    }

    /// Feeds every truncation and every single-bit flip of `blob` to `decode`; it must return.
    fn assert_no_panic_on_mutations(blob: &[u8], decode: impl Fn(&[u8])) {
        for len in 0..blob.len() {
            decode(&blob[..len]);
        }
        let mut mutated = blob.to_vec();
        for i in 0..blob.len() {
            for bit in 0..8 {
                mutated[i] ^= 1 << bit;
                decode(&mutated);
                mutated[i] ^= 1 << bit;
            }
        }
    }

    #[test]
    fn mutations_never_panic() {
        let set = requirement_set(&[
            (3, developer_id_program("com.example.app", "ABCDE12345").blob()),
            (
                1,
                Program::default()
                    .op(op::OR)
                    .op(op::CERT_FIELD_DATE)
                    .u32(0)
                    .data(&[0x2a, 0x03])
                    .u32(match_op::BEFORE)
                    .i64(5)
                    .op(OP_GENERIC_SKIP | 40)
                    .u32(3)
                    .u32(0)
                    .op(op::NOT)
                    .op(op::ANCHOR_HASH)
                    .u32(u32::MAX)
                    .data(&[1; 20])
                    .blob(),
            ),
        ]);
        assert_no_panic_on_mutations(&set, |b| {
            if let Ok(entries) = parse_requirement_set(b) {
                let _ = render_requirement_set(&entries);
            }
        });
        let real = real_requirement_set(MITMPROXY).expect("kept in the repository");
        assert_no_panic_on_mutations(&real, |b| {
            if let Ok(entries) = parse_requirement_set(b) {
                let _ = render_requirement_set(&entries);
            }
        });
    }

    const MITMPROXY: &str = "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector";

    /// The first requirement set in a corpus file, found by scanning for its magic (test helper
    /// only: real code reaches it through the SuperBlob); `None` when the file is a shared item
    /// and the shared corpus is absent.
    fn real_requirement_set(path: &str) -> Option<Vec<u8>> {
        let bytes = crate::real_corpus::read(path)?;
        let magic = MAGIC_REQUIREMENT_SET.to_be_bytes();
        let at = bytes.windows(4).position(|w| w == magic).unwrap();
        let length = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        Some(bytes[at..at + length].to_vec())
    }

    fn real_text(path: &str) -> Option<String> {
        Some(render_requirement_set(&parse_requirement_set(&real_requirement_set(path)?).unwrap()))
    }

    /// The designated requirement Xcode writes for a Developer ID app: "Mac App Store, or
    /// Developer ID of this team".
    #[test]
    fn real_developer_id_app() {
        assert_eq!(
            real_text(MITMPROXY).unwrap(),
            "designated => anchor apple generic and identifier \"org.mitmproxy.macos-redirector\" and \
             (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or \
             certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and \
             certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and \
             certificate leaf[subject.OU] = S8XHQB96PW)\n"
        );
        let entries = parse_requirement_set(&real_requirement_set(MITMPROXY).unwrap()).unwrap();
        let Ok(Requirement { expr: Expr::And(_, either) }) = &entries[0].requirement else { panic!() };
        assert!(matches!(**either, Expr::Or(..)));
    }

    /// A requirement pinning the leaf's common name, whose value needs quotes.
    #[test]
    fn real_app_store_distribution_framework() {
        let Some(text) = real_text("app-info/payload/frameworks/FMDB.framework/FMDB") else { return };
        assert_eq!(
            text,
            "designated => identifier \"org.cocoapods.FMDB\" and anchor apple generic and \
             certificate leaf[subject.CN] = \"Apple Distribution: Niceliving (Beijing) Technology Co., Ltd. (WKR87TTKML)\" and \
             certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */\n"
        );
    }

    /// A bare word identifier (no dots or dashes) is printed without quotes.
    #[test]
    fn real_development_signed_tool() {
        let Some(text) = real_text("santa/testdata/signed-with-teamid") else { return };
        assert_eq!(
            text,
            "designated => identifier goodcert and anchor apple generic and \
             certificate leaf[subject.CN] = \"Apple Development: Google Development (69FHSU289T)\" and \
             certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */\n"
        );
    }

    #[test]
    fn real_corpus_sets_all_decode() {
        let paths = [
            "santa/testdata/signed-with-teamid",
            "santa/testdata/cal-yikes-universal_adhoc",
            "small/libextfunc_rpath.dylib",
            "sparkle/Sparkle.framework/Versions/B/Sparkle",
            "sparkle-tests/SUUpdateValidatorTest/CodeSignedOnly.bundle/Contents/_CodeSignature/CodeRequirements",
        ];
        for path in paths {
            let Some(set) = real_requirement_set(path) else { continue };
            let entries = parse_requirement_set(&set).unwrap();
            for entry in &entries {
                assert!(entry.requirement.is_ok(), "{path}: {:?}", entry.requirement);
            }
        }
        let sparkle =
            "sparkle-tests/SUUpdateValidatorTest/CodeSignedOnly.bundle/Contents/_CodeSignature/CodeRequirements";
        let Some(text) = real_text(sparkle) else { return };
        assert_eq!(
            text,
            "designated => identifier \"org.sparkle-project.Sparkle.SUUpdateValidatorTestBundle.CodeSigned\"\n"
        );
    }
}
