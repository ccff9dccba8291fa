//! `profile-cert-not-listed`: the certificate that signed the code is one of the embedded
//! profile's `DeveloperCertificates`, byte for byte.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::certificate::CertificateInfo;

use super::{cert_name, embedded, profile_name, signer_leaves};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_CERT_NOT_LISTED, check: Check::Item(check) };

/// Certificates named in a message before "and N more".
const MAX_NAMED: usize = 3;

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some((file, profile)) = embedded(item) else { return };
    let listed: Vec<&CertificateInfo> = profile.developer_certificates.iter().filter_map(|c| c.as_ref().ok()).collect();
    for leaf in signer_leaves(item) {
        // AMFI compares the exact DER: a renewed certificate with the same name does not match.
        if listed.iter().any(|c| c.der == leaf.der) {
            continue;
        }
        let signer_team = leaf.team_id().or(leaf.organizational_unit.as_deref());
        let profile_team = profile.team_identifiers.first().map(String::as_str);
        let mut message = format!(
            "`{}` is signed by {:?} (serial {}{}), which is not among the certificates the embedded profile {} lists: {}",
            item.item.path,
            cert_name(leaf),
            leaf.serial_hex,
            signer_team.map(|t| format!(", team {t}")).unwrap_or_default(),
            profile_name(file, profile),
            listing(&listed),
        );
        let other_team = matches!((signer_team, profile_team), (Some(s), Some(p)) if s != p);
        if let (true, Some(s), Some(p)) = (other_team, signer_team, profile_team) {
            message.push_str(&format!("; the profile belongs to team {p}, the signature to team {s}"));
        }
        let help = if other_team {
            "embed a provisioning profile of the signing team (download it from the team's Certificates, Identifiers & Profiles page), or sign with that team's certificate"
        } else {
            "regenerate the profile with the signing certificate selected (Certificates, Identifiers & Profiles → Profiles → Edit), download it and embed it again, or sign with a certificate the profile lists; then re-sign the bundle"
        };
        let f = sink.finding(RULE.id, &file.path, message).item(item.item.path.clone()).help(help);
        sink.push(f);
    }
}

/// The profile's certificates as `"CN" (sha1 …)`, at most [`MAX_NAMED`], or "none".
fn listing(listed: &[&CertificateInfo]) -> String {
    if listed.is_empty() {
        return "none".to_owned();
    }
    let mut names: Vec<String> =
        listed.iter().take(MAX_NAMED).map(|c| format!("{:?} (serial {})", cert_name(c), c.serial_hex)).collect();
    if listed.len() > MAX_NAMED {
        names.push(format!("and {} more", listed.len() - MAX_NAMED));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::listing;

    #[test]
    fn empty_listing_says_none() {
        assert_eq!(listing(&[]), "none");
    }
}
