//! A bundle's sealed resources, validated the way codesign does it (`validateResources`): walk
//! the tree below the seal's base, decide each entry with the rules, compare it with its seal,
//! then report every sealed entry the walk did not meet.
//!
//! Directories a `nested` rule matches whose name has a dot are nested code, checked as a whole
//! (see [`super::nested`]); excluded directories are skipped; omitted files are ignored. Files are
//! hashed in parallel, each once per digest type its seal records.

use std::collections::{BTreeSet, HashSet};

use rayon::prelude::*;

use super::context::{hex_prefix, ItemContext, Sink};
use super::nested::{self, Outcome};
use super::rules::*;
use super::scope::{main_executable_path, Envelope, Scope};
use super::seal_rules::{EXCLUSION, NESTED};
use super::symlinks;
use crate::codesign::digest::HashType;
use crate::discover::{Layout, Role};
use crate::finding::Finding;
use crate::input::{base_name, parent, Entry};
use crate::seal::{Rule, Seal};

/// Checks the seal of the bundle `ctx` verifies (a signed bundle with a CodeResources file).
pub(super) fn check(ctx: &ItemContext<'_>, sink: &mut Sink) {
    let Some(bundle) = ctx.bundle() else { return };
    let Some(path) = bundle.code_resources.as_deref() else { return };
    let cr = match &ctx.facts.code_resources {
        Some(Ok(cr)) => cr,
        Some(Err(problem)) => {
            sink.add(invalid(ctx, path, format!("_CodeSignature/CodeResources cannot be read: {}", problem.message)));
            return;
        }
        None => return,
    };
    for problem in &cr.problems {
        sink.add(invalid(ctx, path, problem.message.clone()));
    }
    let envelope = match Envelope::of(cr) {
        Ok(e) => e,
        Err(why) => {
            sink.add(invalid(ctx, path, format!("_CodeSignature/CodeResources {why}")));
            return;
        }
    };
    check_envelope_strength(ctx, sink, path, &envelope);
    let main = main_executable_path(bundle);
    let scope = Scope::new(bundle, main.as_deref(), envelope.rules);
    for bad in &scope.bad_patterns {
        sink.add(invalid(
            ctx,
            path,
            format!("rule `{}` is not a valid regular expression: {}", bad.pattern, bad.error),
        ));
    }
    let walk = walk(ctx, sink, &scope, &envelope);
    hash_files(ctx, sink, &walk.files);
    check_symlinks(ctx, sink, &scope, &walk.links);
    report_missing(ctx, sink, &scope, &envelope, &walk.seen);
}

fn invalid(ctx: &ItemContext<'_>, path: &str, message: String) -> Finding {
    ctx.finding(RES_CODERESOURCES_INVALID, path, message)
        .help("the resource seal is damaged: sign the bundle again (errSecCSResourcesInvalid)")
}

/// `--strict` refuses version 1 envelopes and rules that leave files out of the seal.
fn check_envelope_strength(ctx: &ItemContext<'_>, sink: &mut Sink, path: &str, env: &Envelope<'_>) {
    if env.version == 1 {
        sink.add(
            ctx.finding(
                RES_V1_ENVELOPE,
                path,
                "CodeResources has no files2: a version 1 resource envelope (resource envelope is obsolete)",
            )
            .help("sign again with a current codesign, which writes rules2 and files2"),
        );
    }
    if let Some(why) = weak_rules(env.rules, env.version, resources_prefix(ctx)) {
        let section = if env.version == 1 { "rules" } else { "rules2" };
        sink.add(
            ctx.finding(
                RES_WEAK_RULES,
                path,
                format!("{section} {why} (resource envelope is obsolete: custom omit rules)"),
            )
            .help("sign with codesign's default resource rules"),
        );
    }
}

/// Where the Resources directory sits relative to the seal base (codesign's
/// `resourcesRelativePath`): `Resources/`, or nothing in a flat bundle.
fn resources_prefix(ctx: &ItemContext<'_>) -> &'static str {
    match ctx.bundle().map(|b| &b.layout) {
        Some(Layout::Shallow) | None => "",
        Some(_) => "Resources/",
    }
}

/// codesign's `hasWeakResourceRules`: the catch-all must be `true`, and only the standard files
/// may be omitted.
fn weak_rules(rules: &[Rule], version: u8, resources: &str) -> Option<String> {
    let catch_all = if version == 1 { "^Resources/" } else { "^.*" };
    if !rules.iter().any(|r| r.pattern == catch_all && r.plain) {
        return Some(format!("lacks the catch-all rule `{catch_all}` = true"));
    }
    let allowed = [
        "^(.*/)?\\.DS_Store$".to_owned(),
        "^Info\\.plist$".to_owned(),
        "^PkgInfo$".to_owned(),
        format!("^{resources}.*\\.lproj/locversion.plist$"),
    ];
    let forbidden: Vec<&str> =
        rules.iter().filter(|r| r.omit && !allowed.contains(&r.pattern)).map(|r| r.pattern.as_str()).collect();
    (!forbidden.is_empty()).then(|| format!("omits {}, beyond the omissions codesign allows", quote_all(&forbidden)))
}

fn quote_all(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// A sealed file to hash.
struct FileWork<'a> {
    rel: &'a str,
    path: &'a str,
    seal: &'a Seal,
}

/// A sealed symlink whose destination `--strict` checks.
struct LinkWork<'a> {
    rel: &'a str,
    path: &'a str,
    target: &'a str,
}

#[derive(Default)]
struct Walk<'a> {
    files: Vec<FileWork<'a>>,
    links: Vec<LinkWork<'a>>,
    /// Seal paths met (sealed or not).
    seen: HashSet<&'a str>,
}

/// Walks the tree below the scope's base, deciding every entry.
fn walk<'a>(ctx: &ItemContext<'a>, sink: &mut Sink, scope: &Scope, env: &Envelope<'a>) -> Walk<'a> {
    let tree = ctx.tree();
    let mut out = Walk::default();
    let mut skipped: HashSet<&str> = HashSet::new();
    for (path, entry) in tree.descendants(&scope.base) {
        let Some(rel) = scope.relative(path) else { continue };
        if has_skipped_ancestor(path, &scope.base, &skipped) {
            continue;
        }
        let Some(rule) = scope.rules.find(rel) else { continue };
        match entry {
            Entry::Dir => {
                if rule.has(EXCLUSION) {
                    skipped.insert(path);
                } else if rule.has(NESTED) && base_name(rel).contains('.') {
                    skipped.insert(path);
                    out.seen.insert(rel);
                    let seal = env.files.get(rel);
                    if nested::check(ctx, sink, rel, path, seal) == Outcome::NotCode {
                        not_code_directory(ctx, sink, rel, path, seal, &rule.pattern);
                    }
                }
            }
            Entry::File(_) | Entry::Symlink(_) if !rule.seals() => {}
            Entry::File(_) => {
                out.seen.insert(rel);
                let seal = env.files.get(rel);
                let at_code_site = rule.has(NESTED) || matches!(seal, Some(Seal::Nested { .. }));
                if at_code_site && nested::check(ctx, sink, rel, path, seal) == Outcome::Checked {
                    continue;
                }
                match seal {
                    Some(seal @ Seal::File { .. }) => out.files.push(FileWork { rel, path, seal }),
                    Some(other) => sink.add(type_changed(ctx, rel, path, other, "a regular file")),
                    None => sink.add(unsealed(ctx, rel, path, &rule.pattern)),
                }
            }
            Entry::Symlink(target) => {
                out.seen.insert(rel);
                match env.files.get(rel) {
                    Some(Seal::Symlink { target: sealed }) if sealed != target => sink.add(
                        ctx.finding(
                            RES_SYMLINK_ALTERED,
                            path,
                            format!("{rel} is sealed as a link to `{sealed}` but links to `{target}`"),
                        )
                        .help("the link was changed after signing: restore it or sign again"),
                    ),
                    Some(Seal::Symlink { .. }) => out.links.push(LinkWork { rel, path, target }),
                    Some(other) => sink.add(type_changed(ctx, rel, path, other, "a symbolic link")),
                    // Version 1 envelopes ignore links they do not seal.
                    None if env.version == 1 => {}
                    None => sink.add(unsealed(ctx, rel, path, &rule.pattern)),
                }
            }
        }
    }
    out
}

fn has_skipped_ancestor(path: &str, base: &str, skipped: &HashSet<&str>) -> bool {
    let mut dir = parent(path);
    while dir.len() > base.len() {
        if skipped.contains(dir) {
            return true;
        }
        dir = parent(dir);
    }
    false
}

/// A dotted directory at a nested-code site that holds no code item.
fn not_code_directory(ctx: &ItemContext<'_>, sink: &mut Sink, rel: &str, path: &str, seal: Option<&Seal>, rule: &str) {
    match seal {
        Some(Seal::Nested { .. }) => sink.add(
            ctx.finding(
                RES_NESTED_CODE_INVALID,
                path,
                format!("{rel} is sealed as nested code but is not a code bundle (no executable or signature found)"),
            )
            .help("restore the nested bundle as it was signed, or sign the container again"),
        ),
        Some(other) => sink.add(type_changed(ctx, rel, path, other, "a directory")),
        None => sink.add(unsealed(ctx, rel, path, rule)),
    }
}

fn seal_kind(seal: &Seal) -> &'static str {
    match seal {
        Seal::File { .. } => "a regular file",
        Seal::Symlink { .. } => "a symbolic link",
        Seal::Nested { .. } => "nested code",
    }
}

fn type_changed(ctx: &ItemContext<'_>, rel: &str, path: &str, seal: &Seal, actual: &str) -> Finding {
    ctx.finding(RES_TYPE_CHANGED, path, format!("{rel} is sealed as {} but is {actual}", seal_kind(seal)))
        .help("the entry was replaced after signing: restore it or sign again")
}

/// An entry the rules seal but the seal does not list: AppleDouble and `__MACOSX` detritus, or
/// a file added after signing.
fn unsealed(ctx: &ItemContext<'_>, rel: &str, path: &str, rule: &str) -> Finding {
    let detritus = base_name(rel).starts_with("._") || rel.split('/').any(|c| c == "__MACOSX");
    if detritus {
        return ctx
            .finding(
                RES_APPLEDOUBLE_DETRITUS,
                path,
                format!("{rel} is AppleDouble metadata (resource fork, Finder information, or similar detritus not allowed)"),
            )
            .help("remove ._* files and __MACOSX folders (they come from copying or zipping on non-Apple file systems)");
    }
    ctx.finding(
        RES_FILE_ADDED,
        path,
        format!("{rel} is not in the sealed resources of {}, though rule `{rule}` seals it", container_root(ctx)),
    )
    .help("the file was added after signing: remove it, or sign the bundle again")
}

fn container_root<'a>(ctx: &ItemContext<'a>) -> &'a str {
    ctx.bundle().map_or(ctx.item.path.as_str(), |b| b.root.as_str())
}

/// The digests a file seal records: (hash type, seal key, digest). Signers record one per digest
/// type of the code's CodeDirectories (`hash` SHA-1, `hash2` SHA-256), which codesign checks.
fn recorded(seal: &Seal) -> Vec<(HashType, &'static str, &[u8])> {
    let mut out = Vec::new();
    if let Seal::File { hash, hash2, .. } = seal {
        if let Some(h) = hash2 {
            out.push((HashType::Sha256, "hash2", h.as_slice()));
        }
        if let Some(h) = hash {
            out.push((HashType::Sha1, "hash", h.as_slice()));
        }
    }
    out
}

/// Hashes every sealed file (in parallel, each once per digest type) and compares.
fn hash_files(ctx: &ItemContext<'_>, sink: &mut Sink, files: &[FileWork<'_>]) {
    let tree = ctx.tree();
    let found: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|work| {
            let mut out = Vec::new();
            let Some(bytes) = tree.file(work.path).and_then(|f| f.bytes().ok()) else {
                // A file that cannot be read is as good as missing.
                if !is_optional(work.seal) {
                    out.push(missing(ctx, work.rel, work.path));
                }
                return out;
            };
            let mut computed: Vec<(HashType, Vec<u8>)> = Vec::new();
            for (hash_type, key, want) in recorded(work.seal) {
                let digest = match computed.iter().find(|(t, _)| *t == hash_type) {
                    Some((_, d)) => d.clone(),
                    None => {
                        let d = hash_type.digest(bytes);
                        computed.push((hash_type, d.clone()));
                        d
                    }
                };
                if digest.as_slice() != want {
                    out.push(
                        ctx.finding(
                            RES_FILE_ALTERED,
                            work.path,
                            format!(
                                "{}: sealed {key} ({}) is {}, but the file hashes to {}",
                                work.rel,
                                hash_type.name(),
                                hex_prefix(want),
                                hex_prefix(&digest)
                            ),
                        )
                        .help("the file was modified after signing: restore it or sign the bundle again"),
                    );
                    break;
                }
            }
            if let Some(f) = sealed_as_data(ctx, work, bytes) {
                out.push(f);
            }
            out
        })
        .collect();
    found.into_iter().for_each(|f| sink.add(f));
}

fn is_optional(seal: &Seal) -> bool {
    matches!(seal, Seal::File { optional: true, .. })
}

/// A Mach-O of this bundle's own (not part of a nested bundle) sealed as a plain file: codesign
/// never signs it as code, yet it runs as code. SMJobBless tools live sealed as data by design.
fn sealed_as_data(ctx: &ItemContext<'_>, work: &FileWork<'_>, bytes: &[u8]) -> Option<Finding> {
    if !crate::macho::is_macho(bytes.get(..8).unwrap_or(bytes)) {
        return None;
    }
    let index = ctx.items.find(ctx.tree(), work.path)?;
    let (item, _) = ctx.other(index)?;
    let own = item.bundle.is_none() && item.parent == Some(ctx.index) && item.role != Role::SmJobBlessTool;
    own.then(|| {
        ctx.finding(
            RES_MACHO_SEALED_AS_DATA,
            work.path,
            format!("{} is Mach-O code but is sealed as a plain resource (hash), not as nested code", work.rel),
        )
        .help("move code to Contents/MacOS, Helpers, Frameworks or PlugIns so it is signed and sealed as code")
    })
}

fn missing(ctx: &ItemContext<'_>, rel: &str, path: &str) -> Finding {
    ctx.finding(RES_FILE_MISSING, path, format!("{rel} is sealed but missing from {}", container_root(ctx)))
        .help("a sealed resource was removed: restore it or sign the bundle again")
}

/// Every sealed entry the walk did not meet is missing, unless optional.
fn report_missing(ctx: &ItemContext<'_>, sink: &mut Sink, scope: &Scope, env: &Envelope<'_>, seen: &HashSet<&str>) {
    let unseen: BTreeSet<&String> = env.files.keys().filter(|k| !seen.contains(k.as_str())).collect();
    for rel in unseen {
        let Some(seal) = env.files.get(rel.as_str()) else { continue };
        if is_optional(seal) {
            continue;
        }
        let path = format!("{}/{rel}", scope.base);
        sink.add(missing(ctx, rel, &path));
    }
}

/// `--strict`: sealed links must stay inside the bundle (or an enclosing one) and its seal.
fn check_symlinks(ctx: &ItemContext<'_>, sink: &mut Sink, scope: &Scope, links: &[LinkWork<'_>]) {
    if links.is_empty() || !ctx.options.strict {
        return;
    }
    let outer = enclosing_scopes(ctx);
    let mut scopes: Vec<&Scope> = vec![scope];
    scopes.extend(outer.iter());
    for link in links {
        if let Some(why) = symlinks::escape_reason(ctx.tree(), link.path, link.target, &scopes) {
            sink.add(
                ctx.finding(
                    RES_SYMLINK_ESCAPES,
                    link.path,
                    format!(
                        "{} links to `{}`, which {why} (invalid destination for symbolic link in bundle)",
                        link.rel, link.target
                    ),
                )
                .help("make the link relative and point it at a sealed file inside the bundle"),
            );
        }
    }
}

/// Scopes of the bundles enclosing this item, innermost first (those with a readable seal).
fn enclosing_scopes(ctx: &ItemContext<'_>) -> Vec<Scope> {
    let mut out = Vec::new();
    let mut next = ctx.item.parent;
    let mut hops = 0;
    while let (Some(index), true) = (next, hops < ctx.scan.discovery.items.len()) {
        hops += 1;
        let Some((item, facts)) = ctx.other(index) else { break };
        if let (Some(bundle), Some(Ok(cr))) = (&item.bundle, &facts.code_resources) {
            if let Ok(env) = Envelope::of(cr) {
                out.push(Scope::new(bundle, main_executable_path(bundle).as_deref(), env.rules));
            }
        }
        next = item.parent;
    }
    out
}
