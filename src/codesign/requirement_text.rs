//! Code requirements written in codesign's requirement language (as `CodeResources` records them
//! for nested code), parsed into the same [`Expr`] the binary decoder produces.
//!
//! Grammar (Apple's `requirements.grammar`, the subset codesign writes and users type):
//! `or`/`and`/`!`/parentheses; `always`, `never`; `identifier [=] S`; `anchor apple [generic]`,
//! `anchor trusted`, `anchor H"…"`; `certificate SLOT[FIELD] MATCH`, `certificate SLOT = H"…"`,
//! `certificate SLOT trusted`; `cdhash H"…"`; `info[KEY] MATCH`; `entitlement[KEY] MATCH`;
//! `notarized`; `platform = N`; `/* comments */`.

use super::requirement::{CertSlot, Expr, Match, Operand};
use crate::Problem;

/// Deepest nesting of parentheses and negations accepted.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Hash(Vec<u8>),
    Punct(&'static str),
}

/// Parses requirement text.
pub fn parse_requirement_text(text: &str) -> Result<Expr, Problem> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, at: 0, depth: 0 };
    let expr = p.or()?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(problem(format!("unexpected {t:?} after a complete requirement"))),
    }
}

fn problem(message: String) -> Problem {
    Problem::new(crate::rule_id::MALFORMED_REQUIREMENT, format!("requirement text: {message}"))
}

fn tokenize(text: &str) -> Result<Vec<Token>, Problem> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '/' if chars.get(i + 1) == Some(&'*') => {
                let rest: String = chars[i + 2..].iter().collect();
                let end = rest.find("*/").ok_or_else(|| problem("unterminated comment".into()))?;
                i += 2 + rest[..end].chars().count() + 2;
            }
            '"' => {
                let (s, next) = quoted(&chars, i + 1)?;
                out.push(Token::Str(s));
                i = next;
            }
            'H' if chars.get(i + 1) == Some(&'"') => {
                let (s, next) = quoted(&chars, i + 2)?;
                out.push(Token::Hash(hex::decode(&s).map_err(|_| problem(format!("H\"{s}\" is not hexadecimal")))?));
                i = next;
            }
            '(' | ')' | '[' | ']' | '!' => {
                out.push(Token::Punct(match c {
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    _ => "!",
                }));
                i += 1;
            }
            '<' | '>' | '=' | '~' => {
                let two = chars.get(i + 1) == Some(&'=');
                out.push(Token::Punct(match (c, two) {
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    ('~', _) => "~",
                    _ => "=",
                }));
                i += if two && c != '=' { 2 } else { 1 };
            }
            _ => {
                let start = i;
                while chars.get(i).is_some_and(|c| !c.is_whitespace() && !"()[]!<>=~\"".contains(*c)) {
                    i += 1;
                }
                if i == start {
                    return Err(problem(format!("unexpected character {c:?}")));
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

/// A quoted string starting after its opening quote; returns it and the index after the closing one.
fn quoted(chars: &[char], mut i: usize) -> Result<(String, usize), Problem> {
    let mut s = String::new();
    loop {
        match chars.get(i) {
            None => return Err(problem("unterminated string".into())),
            Some('"') => return Ok((s, i + 1)),
            Some('\\') => {
                s.extend(chars.get(i + 1));
                i += 2;
            }
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn word_is(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(x)) if x == w)
    }

    fn punct_is(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Token::Punct(x)) if *x == p)
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), Problem> {
        match self.next() {
            Some(Token::Punct(x)) if x == p => Ok(()),
            other => Err(problem(format!("expected `{p}`, found {other:?}"))),
        }
    }

    fn deeper(&mut self) -> Result<(), Problem> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(problem(format!("nested deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, Problem> {
        let mut left = self.and()?;
        while self.word_is("or") {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Problem> {
        let mut left = self.unary()?;
        while self.word_is("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Problem> {
        if self.punct_is("!") {
            self.at += 1;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.punct_is("(") {
            self.at += 1;
            self.deeper()?;
            let inner = self.or()?;
            self.depth -= 1;
            self.expect_punct(")")?;
            return Ok(inner);
        }
        self.primary()
    }

    fn string(&mut self) -> Result<Operand, Problem> {
        match self.next() {
            Some(Token::Str(s)) | Some(Token::Word(s)) => Ok(Operand(s.into_bytes())),
            other => Err(problem(format!("expected a string, found {other:?}"))),
        }
    }

    fn hash(&mut self) -> Result<Vec<u8>, Problem> {
        match self.next() {
            Some(Token::Hash(h)) => Ok(h),
            other => Err(problem(format!("expected H\"…\", found {other:?}"))),
        }
    }

    fn primary(&mut self) -> Result<Expr, Problem> {
        let Some(Token::Word(word)) = self.next() else {
            return Err(problem(format!(
                "expected a requirement, found {:?}",
                self.tokens.get(self.at.saturating_sub(1))
            )));
        };
        match word.as_str() {
            "always" | "true" => Ok(Expr::True),
            "never" | "false" => Ok(Expr::False),
            "notarized" => Ok(Expr::Notarized),
            "legacy" => Ok(Expr::LegacyDeveloperId),
            "identifier" => {
                if self.punct_is("=") {
                    self.at += 1;
                }
                Ok(Expr::Identifier(self.string()?))
            }
            "cdhash" => Ok(Expr::CdHash(self.hash()?)),
            "platform" => {
                self.expect_punct("=")?;
                let n = self.string()?;
                let n = n
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| problem("platform is not a number".into()))?;
                Ok(Expr::Platform(n))
            }
            "anchor" => match self.next() {
                Some(Token::Word(w)) if w == "apple" => {
                    if self.word_is("generic") {
                        self.at += 1;
                        Ok(Expr::AnchorAppleGeneric)
                    } else {
                        Ok(Expr::AnchorApple)
                    }
                }
                Some(Token::Word(w)) if w == "trusted" => Ok(Expr::TrustedCert(CertSlot::Root)),
                Some(Token::Hash(h)) => Ok(Expr::AnchorHash { slot: CertSlot::Root, hash: h }),
                Some(Token::Punct("=")) => Ok(Expr::AnchorHash { slot: CertSlot::Root, hash: self.hash()? }),
                other => Err(problem(format!("unknown anchor {other:?}"))),
            },
            "info" | "entitlement" => {
                self.expect_punct("[")?;
                let key = self.string()?;
                self.expect_punct("]")?;
                let matcher = self.matcher()?;
                Ok(if word == "info" { Expr::InfoKey { key, matcher } } else { Expr::Entitlement { key, matcher } })
            }
            "certificate" | "cert" => self.certificate(),
            other => Err(problem(format!("unknown requirement keyword `{other}`"))),
        }
    }

    fn certificate(&mut self) -> Result<Expr, Problem> {
        let slot = match self.next() {
            Some(Token::Word(w)) if w == "leaf" => CertSlot::Leaf,
            Some(Token::Word(w)) if w == "root" || w == "anchor" => CertSlot::Root,
            Some(Token::Word(w)) => {
                CertSlot::Index(w.parse().map_err(|_| problem(format!("unknown certificate `{w}`")))?)
            }
            other => Err(problem(format!("expected a certificate position, found {other:?}")))?,
        };
        if self.word_is("trusted") {
            self.at += 1;
            return Ok(Expr::TrustedCert(slot));
        }
        if self.punct_is("=") {
            self.at += 1;
            return Ok(Expr::AnchorHash { slot, hash: self.hash()? });
        }
        self.expect_punct("[")?;
        let field = self.string()?;
        self.expect_punct("]")?;
        let matcher = self.matcher()?;
        let name = field.as_str().unwrap_or_default().to_owned();
        Ok(if let Some(oid) = name.strip_prefix("field.") {
            Expr::CertGeneric { slot, oid: oid.to_owned(), matcher }
        } else if let Some(oid) = name.strip_prefix("policy.") {
            Expr::CertPolicy { slot, oid: oid.to_owned(), matcher }
        } else if let Some(oid) = name.strip_prefix("timestamp.") {
            Expr::CertFieldDate { slot, oid: oid.to_owned(), matcher }
        } else {
            Expr::CertField { slot, field, matcher }
        })
    }

    /// `exists`, `absent`, or an operator and a value; `*` at either end of an `=` value means
    /// begins/ends with/contains, as in Apple's grammar.
    fn matcher(&mut self) -> Result<Match, Problem> {
        if self.word_is("exists") {
            self.at += 1;
            return Ok(Match::Exists);
        }
        if self.word_is("absent") {
            self.at += 1;
            return Ok(Match::Absent);
        }
        let op = match self.next() {
            Some(Token::Punct(p)) if MATCH_OPERATORS.contains(&p) => p,
            // A bare field with no operator means it exists (codesign prints `/* exists */`), also
            // when a `)` or another clause follows: `(certificate 1[field.1.2.3] /* exists */)`.
            other => {
                self.at -= usize::from(other.is_some());
                return Ok(Match::Exists);
            }
        };
        let value = self.string()?;
        Ok(match op {
            "=" => {
                let bytes = value.as_bytes();
                let (lead, trail) = (bytes.first() == Some(&b'*'), bytes.len() > 1 && bytes.last() == Some(&b'*'));
                let inner = |from: usize, to: usize| Operand(bytes.get(from..to).unwrap_or_default().to_vec());
                match (lead, trail) {
                    (true, true) => Match::Contains(inner(1, bytes.len() - 1)),
                    (true, false) => Match::EndsWith(inner(1, bytes.len())),
                    (false, true) => Match::BeginsWith(inner(0, bytes.len() - 1)),
                    _ => Match::Equal(value),
                }
            }
            "~" => Match::Contains(value),
            "<" => Match::LessThan(value),
            ">" => Match::GreaterThan(value),
            "<=" => Match::LessEqual(value),
            ">=" => Match::GreaterEqual(value),
            other => return Err(problem(format!("unknown operator `{other}`"))),
        })
    }
}

/// The operators that may follow a field, an entitlement key or an info key.
const MATCH_OPERATORS: &[&str] = &["=", "~", "<", ">", "<=", ">="];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_field_inside_parentheses_means_exists() {
        let text = "anchor apple generic and (certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.1]) and certificate leaf[subject.OU] = ABCDE12345";
        let parsed = parse_requirement_text(text);
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn codesign_output_round_trips() {
        for text in [
            r#"identifier "org.mitmproxy.macos-redirector" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = S8XHQB96PW"#,
            r#"anchor apple generic and identifier "x" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[subject.OU] = S8XHQB96PW)"#,
            r#"identifier libfixture and certificate leaf = H"09a5201dec73420c9cc5fa3e277c0116914b97ee""#,
            r#"cdhash H"e29c6a32f77120c8a434351f4f8a0b7627c3e35a" or !anchor apple"#,
        ] {
            let expr = parse_requirement_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let printed = crate::codesign::requirement::Requirement { expr }.to_string();
            let again = parse_requirement_text(&printed).unwrap();
            assert_eq!(crate::codesign::requirement::Requirement { expr: again }.to_string(), printed, "{text}");
        }
    }

    #[test]
    fn malformed_text_is_a_problem() {
        for bad in [
            "identifier",
            "anchor banana",
            "(identifier x",
            "certificate leaf[subject.CN = x",
            "identifier \"x",
            "/* open",
            "x and",
        ] {
            assert!(parse_requirement_text(bad).is_err(), "{bad}");
        }
        let deep = "(".repeat(1000) + "always" + &")".repeat(1000);
        assert!(parse_requirement_text(&deep).is_err());
    }
}
