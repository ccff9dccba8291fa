//! `container-no-secure-timestamp`: the signature of a submitted package or disk image carries a
//! genuine secure timestamp from Apple's time-stamp authority (or one the user trusts).

use super::signed;
use crate::checks::{Check, Context, Rule, Sink};
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::CONTAINER_NO_SECURE_TIMESTAMP, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for format in [ContainerFormat::Package, ContainerFormat::DiskImage] {
        for s in signed(cx, format).into_iter().filter(|s| s.container.submitted && !s.is_ad_hoc()) {
            let Some(why) = missing_timestamp(s.verdict) else { continue };
            let (path, noun) = (&s.container.path, format.noun());
            let help = match format {
                ContainerFormat::Package => "sign with `productsign --timestamp` (or `pkgbuild`/`productbuild --sign … --timestamp`) while online",
                ContainerFormat::DiskImage => "sign with `codesign --timestamp` while online; `--timestamp=none` leaves it out",
            };
            sink.push(sink.finding(RULE.id, path, format!("the {noun} `{path}` {why}")).help(help));
        }
    }
}

/// Why the signature has no usable secure timestamp, or `None` when it has one.
fn missing_timestamp(verdict: &crate::trust::ContainerAssessment) -> Option<String> {
    let cms = match &verdict.cms {
        None => return Some("has no CMS signature, so no secure timestamp (only an RSA signature)".into()),
        // An undecodable CMS is reported as an invalid signature.
        Some(Err(_)) => return None,
        Some(Ok(cms)) => cms,
    };
    let Some(t) = &cms.timestamp else {
        let signed = cms.info.signers.first().and_then(|s| s.signing_time.as_deref());
        return Some(format!(
            "has no secure timestamp{}",
            signed.map(|t| format!(" (only a signing time, {t})")).unwrap_or_default()
        ));
    };
    let defect = if t.imprint_matches == Some(false) {
        Some("does not cover this signature (its message imprint differs)")
    } else if t.signature_valid == Some(false) || !t.digest_binds {
        Some("does not verify")
    } else if !t.accepted {
        Some("is not from Apple's time-stamp authority or a trusted anchor")
    } else {
        None
    };
    defect.map(|d| format!("has a timestamp ({}) that {d}", t.time))
}
