//! `ent-restricted-on-library-code`: a framework, dylib or loadable bundle claims restricted
//! entitlements, which no profile can authorise on library code.

use super::on_library_code::{described, library_claims};
use super::{listed, platform_of, plural};
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_RESTRICTED_ON_LIBRARY_CODE, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(claims) = library_claims(view) else { return };
    let restricted = claims.restricted(platform_of(view));
    let Some(first) = restricted.first() else { return };
    let message = format!(
        "`{}` is library code ({}) signed with {}, among them the restricted {} {}: no profile can authorise them on library code, and the system can refuse to load code signed this way",
        view.code_path(),
        claims.slice.slice.file_type_name,
        described(&claims),
        plural(restricted.len()),
        listed(&restricted),
    );
    let range = claims.range_of(first);
    super::report(sink, view, RULE.id, message, "re-sign the library without --entitlements (and without --deep, which copies the app's entitlements onto nested code); give the entitlements to the executable that loads it", range);
}
