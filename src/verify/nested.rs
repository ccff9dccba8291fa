//! Nested code in a bundle's seal: each code item at a nested-code site is signed, its current
//! cdhash is the one the container recorded, and (through [`super::RequirementEvaluator`]) it
//! satisfies the recorded requirement.
//!
//! Which cdhash a container records: codesign's signer writes `cdhash` = the nested code's
//! `cdHash()`, the cdhash of its *best* CodeDirectory (strongest hash type, so SHA-256 when there
//! is one), truncated to 20 bytes, for the architecture the signing Mac runs. The corpus bears it
//! out (Sparkle and the fixture apps record the x86_64 slice's SHA-256 cdhash). Other signers may
//! record the primary CodeDirectory's instead (SHA-1 on old dual-hash signatures), so a recorded
//! cdhash matching the best or the primary CodeDirectory of any slice is accepted.
//!
//! codesign itself validates a nested item by evaluating the recorded requirement against it
//! (with the item's own full validation); the cdhash comparison is what can be decided from the
//! bytes without the requirement language.

use super::context::{hex_prefix, Collector, ItemContext};
use super::rules::{RES_FILE_ADDED, RES_NESTED_CODE_INVALID, RES_NESTED_CODE_UNSIGNED};
use super::signed::{self, SignedUnit};
use super::NestedRequirement;
use crate::model::{Code, ItemFacts};
use crate::seal::Seal;

/// A cdhash the nested code currently has, and which CodeDirectory it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Candidate {
    pub label: String,
    pub digest: Vec<u8>,
}

/// What a nested-code site turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// No code item there: the caller judges the entry as a plain resource.
    NotCode,
    /// Code, checked here.
    Checked,
}

/// Checks the code at tree path `path` (`rel` to the container's seal), sealed as `seal`.
pub(super) fn check(
    ctx: &ItemContext<'_>,
    sink: &mut Collector,
    rel: &str,
    path: &str,
    seal: Option<&Seal>,
) -> Outcome {
    let Some(index) = ctx.items.find(ctx.tree(), path).filter(|&i| i != ctx.index) else {
        return Outcome::NotCode;
    };
    let Some((item, facts)) = ctx.other(index) else { return Outcome::NotCode };
    // codesign seals an object file or archive at a code site as data, like any other file.
    if item.role == crate::discover::Role::NeverLoaded {
        return Outcome::NotCode;
    }
    let units = signed::units(ctx.tree(), item, facts);
    if units.is_empty() && can_be_signed(facts) {
        sink.add(
            ctx.finding(
                RES_NESTED_CODE_UNSIGNED,
                path,
                format!(
                    "{rel} is nested code in {} but is not signed (code object is not signed at all)",
                    ctx.container_root()
                ),
            )
            .help(format!("sign {rel} before signing its container (inside out), or let codesign --deep do it")),
        );
        return Outcome::Checked;
    }
    match seal {
        None => sink.add(
            ctx.finding(
                RES_FILE_ADDED,
                path,
                format!("nested code {rel} is not in the sealed resources of {}", ctx.container_root()),
            )
            .help("it was added after the container was signed: sign the container again"),
        ),
        Some(Seal::Nested { cdhash, requirement }) => {
            // As codesign does: nested code must satisfy the requirement its container recorded
            // (so re-signing with the same identity is fine). Only without a requirement, or
            // without an evaluator, is the recorded cdhash compared instead.
            let found = candidates(&units);
            match requirement.as_deref().zip(ctx.options.requirement_evaluator) {
                Some((requirement, evaluate)) => {
                    let request =
                        NestedRequirement { scan: ctx.scan, container: ctx.index, nested: index, path, requirement };
                    if let Err(why) = evaluate(&request) {
                        sink.add(
                            ctx.finding(
                                RES_NESTED_CODE_INVALID,
                                path,
                                format!("{rel} does not satisfy the requirement its container recorded ({requirement}): {why}"),
                            )
                            .help("sign the nested code with the identity the container expects, then sign the container again"),
                        );
                    }
                }
                None => {
                    if let Some(recorded) = cdhash.as_ref().filter(|r| !found.is_empty() && !matches(r, &found)) {
                        sink.add(mismatch(ctx, rel, path, recorded, &found));
                    }
                }
            }
        }
        // Sealed as a file or link: a plain resource check applies.
        Some(_) => return Outcome::NotCode,
    }
    Outcome::Checked
}

/// Code that a signature could cover: an executable, or a bundle that could be signed detached.
fn can_be_signed(facts: &ItemFacts) -> bool {
    matches!(facts.code, Code::MachO { .. } | Code::None | Code::Detached(_))
}

/// The cdhashes a container may have recorded: the best and the primary CodeDirectory of every
/// signed slice.
pub(super) fn candidates(units: &[SignedUnit<'_>]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for unit in units {
        for cd in unit.best().into_iter().chain(unit.primary()) {
            let Some(hash_type) = cd.cd.hash_type else { continue };
            let digest = hash_type.digest(cd.blob);
            if !out.iter().any(|c| c.digest == digest) {
                out.push(Candidate { label: format!("{} {}", unit.arch_label(), cd.label()), digest });
            }
        }
    }
    out
}

/// Whether `recorded` (usually the first 20 bytes of a digest) is the prefix of a candidate.
pub(super) fn matches(recorded: &[u8], candidates: &[Candidate]) -> bool {
    !recorded.is_empty() && candidates.iter().any(|c| c.digest.get(..recorded.len()) == Some(recorded))
}

fn mismatch(
    ctx: &ItemContext<'_>,
    rel: &str,
    path: &str,
    recorded: &[u8],
    found: &[Candidate],
) -> crate::finding::Finding {
    let now: Vec<String> = found.iter().map(|c| format!("{} ({})", hex_prefix(&c.digest), c.label)).collect();
    ctx.finding(
        RES_NESTED_CODE_INVALID,
        path,
        format!(
            "{rel}: {} recorded cdhash {}, but the nested code now has {}: it was modified or re-signed after its container was signed (nested code is modified or invalid)",
            ctx.container_root(),
            hex_prefix(recorded),
            now.join(", "),
        ),
    )
    .help("sign nested code first, then its container (inside out): sign the container again")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(bytes: &[u8]) -> Candidate {
        Candidate { label: "x86_64 CodeDirectory (sha256)".into(), digest: bytes.to_vec() }
    }

    #[test]
    fn a_truncated_recorded_cdhash_matches_its_full_digest() {
        let full: Vec<u8> = (0..32).collect();
        assert!(matches(&full[..20], &[candidate(&full)]));
        assert!(!matches(&full[1..21], &[candidate(&full)]));
        assert!(!matches(&[], &[candidate(&full)]));
        assert!(matches(&full[..20], &[candidate(&[9; 20]), candidate(&full)]));
    }
}
