//! `sbx-service-name-length`: a Mach service name fits launchd's `name_t` (128 bytes with its NUL).

use crate::analysis::services::{self, Via};
use crate::checks::{Check, Context, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_SERVICE_NAME_LENGTH, check: Check::Scan(check) };

/// `BOOTSTRAP_MAX_NAME_LEN` in `<servers/bootstrap.h>`: `name_t` is `char[128]`, NUL included.
const BOOTSTRAP_MAX_NAME_LEN: usize = 128;

fn too_long(name: &str) -> bool {
    name.len() >= BOOTSTRAP_MAX_NAME_LEN
}

fn check(ctx: &Context<'_>, sink: &mut Sink) {
    let scan = ctx.scan;
    for v in services::vended(scan).iter().filter(|v| too_long(&v.name)) {
        let message = format!(
            "Mach service name `{}` ({} bytes), vended by {}, is longer than launchd's limit of {} bytes: it cannot be registered or looked up",
            v.name,
            v.name.len(),
            v.describe(scan),
            BOOTSTRAP_MAX_NAME_LEN - 1
        );
        let span = match v.via {
            Via::LaunchdPlist { .. } => scan
                .discovery
                .launchd_plists
                .iter()
                .find(|p| p.path == v.declared_in)
                .and_then(|p| p.document.as_ref().ok())
                .and_then(|d| d.key_span(&format!("MachServices/{}", v.name))),
            _ => v
                .item
                .and_then(|i| scan.discovery.items.get(i))
                .and_then(|i| i.info.as_ref()?.as_ref().ok())
                .and_then(|d| d.key_span(&v.key)),
        };
        let mut f = sink.finding(RULE.id, &v.declared_in, message).span(span);
        if let Some(item) = v.item.and_then(|i| scan.discovery.items.get(i)) {
            f = f.item(item.path.clone());
        }
        sink.push(f.help(format!(
            "shorten the name to at most {} bytes (keep its app-group or team-ID prefix) and use the new name in the listener and every client",
            BOOTSTRAP_MAX_NAME_LEN - 1
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_counts_the_terminating_nul() {
        assert!(!too_long(&"a".repeat(127)));
        assert!(too_long(&"a".repeat(128)));
    }
}
