//! `notary-ticket-missing`: a signed package or disk image submitted for distribution carries
//! its notarization ticket, stapled.

use crate::checks::{Check, Context, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_TICKET_MISSING, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let certificate_signed = |c: &crate::input::container_signature::ContainerSignature| {
        c.signature.as_ref().is_some_and(|s| s.rsa.is_some() || s.cms.is_some())
    };
    for c in cx.scan.tree.signatures.iter().filter(|c| c.submitted && c.ticket.is_none() && certificate_signed(c)) {
        let message = format!("the {} `{}` has no stapled notarization ticket", c.format.noun(), c.path);
        let help = "after the notary service accepts it, staple the ticket: `xcrun stapler staple` on the file (Gatekeeper then needs no network on first launch)";
        sink.push(sink.finding(RULE.id, &c.path, message).help(help));
    }
}
