//! `profile-not-sealed`: the embedded profile is sealed in the bundle's `CodeResources` with
//! the hash of the bytes that are there now.

use sha1::Digest as _;

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::seal::Seal;

use super::{embedded, profile_name};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_NOT_SEALED, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = &item.item.bundle else { return };
    // Unsigned bundles and unreadable seals are other rules' findings.
    let Some(Ok(seal)) = &item.facts.code_resources else { return };
    let Some((file, profile)) = embedded(item) else { return };
    let Some(rel) = file.path.strip_prefix(&format!("{}/", bundle.content)) else { return };
    let Some(bytes) = item.scan.tree.file(&file.path).and_then(|f| f.bytes().ok()) else { return };
    let (records, sealed) = if seal.has_files2 { (&seal.files2, "files2") } else { (&seal.files, "files") };
    let why = match records.get(rel) {
        None => format!("is not listed in `{sealed}` of its CodeResources: it was added after the bundle was signed"),
        Some(Seal::File { hash, hash2, .. }) => match mismatch(bytes, hash.as_deref(), hash2.as_deref()) {
            Some(what) => format!("does not match its seal ({what}): it was replaced after the bundle was signed"),
            None => return,
        },
        Some(_) => format!("is sealed in `{sealed}` as something other than a file"),
    };
    let f = sink
        .finding(RULE.id, &file.path, format!("`{}`: the embedded profile {} {why}", item.item.path, profile_name(file, profile)))
        .item(item.item.path.clone())
        .help("embed the profile before signing, then sign the bundle again (codesign --force --sign … or Xcode's Archive → Distribute)");
    sink.push(f);
}

/// Which recorded digest differs from `bytes`, if any: SHA-256 (`hash2`) when recorded, else
/// SHA-1 (`hash`).
fn mismatch(bytes: &[u8], hash: Option<&[u8]>, hash2: Option<&[u8]>) -> Option<String> {
    if let Some(expected) = hash2 {
        let actual = sha2::Sha256::digest(bytes);
        return (actual.as_slice() != expected)
            .then(|| format!("SHA-256 {} sealed, {} on disk", hex::encode(expected), hex::encode(actual)));
    }
    let expected = hash?;
    let actual = sha1::Sha1::digest(bytes);
    (actual.as_slice() != expected)
        .then(|| format!("SHA-1 {} sealed, {} on disk", hex::encode(expected), hex::encode(actual)))
}

#[cfg(test)]
mod tests {
    use super::mismatch;
    use sha1::Digest as _;

    #[test]
    fn digests() {
        let good = sha2::Sha256::digest(b"profile");
        assert_eq!(mismatch(b"profile", None, Some(good.as_slice())), None);
        assert!(mismatch(b"other", None, Some(good.as_slice())).unwrap().starts_with("SHA-256 "));
        let good1 = sha1::Sha1::digest(b"profile");
        assert_eq!(mismatch(b"profile", Some(good1.as_slice()), None), None);
        assert_eq!(mismatch(b"profile", None, None), None);
    }
}
