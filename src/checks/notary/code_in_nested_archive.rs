//! `notary-code-in-nested-archive`: Mach-O files inside zip and jar archives of the product are
//! signed, since the notary service opens those archives and judges the code in them.

use crate::checks::{Check, Context, Rule, Sink};
use crate::finding::{Finding, Severity};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_CODE_IN_NESTED_ARCHIVE, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for code in &cx.scan.discovery.nested_code {
        let path = code.path();
        for (arch, _) in code.slices.iter().filter(|(_, signed)| !signed) {
            let archive = crate::input::base_name(&code.archive);
            let f = Finding::new(
                RULE.id,
                Severity::Error,
                path.as_str(),
                format!(
                    "`{path}` [{arch}] inside the archive `{archive}` has no code signature; the notary service \
                     opens archives in a submission and rejects it: \"The binary is not signed.\""
                ),
            )
            .arch(arch.clone())
            .help(format!(
                "sign `{}` (codesign --sign \"Developer ID Application: …\" --timestamp --options runtime) before \
                 packing it into `{archive}`, then rebuild the archive and sign the bundle around it",
                crate::input::base_name(&code.member)
            ));
            sink.push(f);
        }
    }
}
