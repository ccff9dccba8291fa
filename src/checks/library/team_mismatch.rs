//! `lib-team-mismatch`: a hardened executable without `disable-library-validation` only loads
//! bundled libraries signed by its own team.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

use crate::analysis::library::{host_executable, resolve, Resolution};

pub static RULE: Rule = Rule { id: crate::rule_id::LIB_TEAM_MISMATCH, check: Check::Slice(check) };

const DISABLE_LIBRARY_VALIDATION: &str = "com.apple.security.cs.disable-library-validation";

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(cd) = sig.primary() else { return };
    // Library validation applies to hardened (or library-validation-flagged) processes.
    if !cd.has_runtime() && cd.flags & 0x2000 == 0 {
        return;
    }
    let exempt =
        sig.entitlements_value().and_then(|e| e.as_dictionary()?.get(DISABLE_LIBRARY_VALIDATION)?.as_boolean())
            == Some(true);
    if exempt {
        return;
    }
    let own_team = cd.team_id.as_deref();
    let Some(executable) = host_executable(&slice.item) else { return };
    let scan = slice.item.scan;
    for dylib in &slice.slice.dylibs {
        let Resolution::Bundled(path) = resolve(slice, executable, &dylib.name) else { continue };
        let Some(lib) = scan.item_views().find(|i| i.item.executable.as_deref() == Some(path.as_str())) else {
            continue;
        };
        let lib_slice = lib.slices().into_iter().find(|s| s.slice.arch == slice.slice.arch);
        let lib_cd = lib_slice.as_ref().and_then(|s| s.signature()).and_then(|s| s.primary());
        let lib_team = lib_cd.and_then(|c| c.team_id.as_deref());
        if lib_cd.is_some_and(|c| c.platform != 0) || (lib_team.is_some() && lib_team == own_team) {
            continue;
        }
        let shown = |t: Option<&str>| t.map_or_else(|| "no team".to_owned(), |t| format!("team {t}"));
        let how = match lib_cd {
            None => "is unsigned".to_owned(),
            Some(_) => format!("is signed by {}", shown(lib_team)),
        };
        let me = slice.item.code_path();
        let f = slice
            .finding(RULE.id,
                format!("`{me}` [{}] ({}, hardened runtime) loads `{path}`, which {how}", slice.slice.arch, shown(own_team)),
            )
            .help(format!(
                "re-sign `{path}` with the same team as `{me}`, or (for plug-in hosts) add the {DISABLE_LIBRARY_VALIDATION} entitlement"
            ));
        sink.push(f);
    }
}
