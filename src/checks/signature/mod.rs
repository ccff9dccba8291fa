//! The CMS signature: that it binds the CodeDirectories, verifies, chains to a trusted anchor
//! and is valid at its timestamp (catalog B1, CMS part). Verdicts come from [`crate::trust`],
//! computed once per slice by the engine.

mod apple_root_substituted;
mod cert_chain_incomplete;
mod cert_expired;
mod cert_untrusted;
mod cms_invalid;
mod der_xml_entitlements_diverge;
mod dr_self_unsatisfied;
mod timestamp_invalid;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &apple_root_substituted::RULE,
    &cert_chain_incomplete::RULE,
    &cert_expired::RULE,
    &cert_untrusted::RULE,
    &cms_invalid::RULE,
    &der_xml_entitlements_diverge::RULE,
    &dr_self_unsatisfied::RULE,
    &timestamp_invalid::RULE,
];
