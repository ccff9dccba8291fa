//! `smjb-requirement-stale`: SMJobBless requirement strings pin a certificate's common name or
//! hash, or a cdhash, and stop matching when the certificate is renewed or the code rebuilt.

use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::requirement::{CertSlot, Expr};

use super::smjb::{blessers, compile, item_at, AUTHORIZED, PRIVILEGED};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_REQUIREMENT_STALE, check: Check::Scan(check) };

const HELP: &str = "pin the team instead: `identifier \"com.example.helper\" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = \"TEAMID\"` (what codesign derives for Developer ID)";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        if let (Some(listed), Some(info_path)) = (b.privileged().and_then(plist::Value::as_dictionary), b.info_path()) {
            for (label, value) in listed {
                let Some(pin) = value.as_string().and_then(stale_pin) else { continue };
                let mut f = sink
                    .finding(RULE.id, info_path, format!("{PRIVILEGED}[{label:?}] in `{info_path}` pins {pin}: the next certificate renewal or rebuild stops matching and SMJobBless fails with CFErrorDomainLaunchd error 3 (kSMErrorInvalidSignature)"))
                    .item(b.app.item.path.clone())
                    .help(HELP);
                if let Some(doc) = b.info {
                    f = f.span(doc.key_span(&format!("{PRIVILEGED}/{label}")));
                }
                sink.push(f);
            }
        }
        for (_, path, _) in b.tools() {
            let Some(tool) = item_at(cx, &path) else { continue };
            let clients: Vec<String> = tool
                .slices()
                .first()
                .and_then(|s| s.facts.info_plist.as_ref()?.as_ref().ok()?.dict()?.get(AUTHORIZED)?.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_string().map(str::to_owned))
                .collect();
            for text in clients {
                let Some(pin) = stale_pin(&text) else { continue };
                let f = sink
                    .finding(RULE.id, &path, format!("{AUTHORIZED} of privileged tool `{path}` pins {pin}: once the app is signed with a renewed certificate, the installed tool no longer accepts it"))
                    .item(tool.item.path.clone())
                    .help(HELP);
                sink.push(f);
            }
        }
    }
}

/// The brittle clause a requirement pins, if any.
fn stale_pin(text: &str) -> Option<String> {
    let expr = compile(text).ok()?;
    let mut found = None;
    walk(&expr, &mut found, 0);
    found
}

fn walk(expr: &Expr, found: &mut Option<String>, depth: usize) {
    if found.is_some() || depth > 64 {
        return;
    }
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            walk(a, found, depth + 1);
            walk(b, found, depth + 1);
        }
        Expr::Not(a) => walk(a, found, depth + 1),
        Expr::CertField { slot: CertSlot::Leaf, field, .. } if field.as_bytes() == b"subject.CN" => {
            *found = Some("the leaf certificate's common name (`certificate leaf[subject.CN]`)".into());
        }
        Expr::AnchorHash { slot: CertSlot::Leaf, .. } => {
            *found = Some("the leaf certificate's hash (`certificate leaf = H\"…\"`)".into());
        }
        Expr::CdHash(_) => *found = Some("a cdhash (`cdhash H\"…\"`), which changes with every build".into()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::stale_pin;

    #[test]
    fn pins() {
        assert!(stale_pin(r#"identifier "a" and anchor apple generic and certificate leaf[subject.CN] = "Developer ID Application: X (ABCDE12345)""#).unwrap().contains("common name"));
        assert!(stale_pin(r#"identifier "a" and certificate leaf = H"0123456789012345678901234567890123456789""#)
            .unwrap()
            .contains("hash"));
        assert_eq!(
            stale_pin(r#"identifier "a" and anchor apple generic and certificate leaf[subject.OU] = "ABCDE12345""#),
            None
        );
    }
}
