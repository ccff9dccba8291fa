//! A bundle's sealed resources, validated the way codesign does it (`validateResources`): walk
//! the tree below the seal's base, decide each entry with the rules, compare it with its seal,
//! then report every sealed entry the walk did not meet.
//!
//! Directories a `nested` rule matches whose name has a dot are nested code, checked as a whole
//! (see [`super::nested`]); excluded directories are skipped; omitted files are ignored. Sealed
//! files are compared in [`super::sealed_files`], sealed links in [`super::symlinks`].

use std::collections::HashSet;

use super::context::{Collector, ItemContext};
use super::dsstore;
use super::envelope::{self, Envelope};
use super::nested::{self, Outcome};
use super::rules::{
    RES_APPLEDOUBLE_DETRITUS, RES_CODERESOURCES_INVALID, RES_FILE_ADDED, RES_NESTED_CODE_INVALID, RES_SYMLINK_ALTERED,
    RES_TYPE_CHANGED,
};
use super::scope::{main_executable_path, Scope};
use super::seal_rules::{EXCLUSION, NESTED};
use super::sealed_files::{self, FileWork};
use super::symlinks::{self, SealedLink};
use crate::finding::Finding;
use crate::input::{base_name, parent, Entry};
use crate::seal::Seal;

/// Checks the seal of the bundle `ctx` verifies (a signed bundle with a CodeResources file).
pub(super) fn check(ctx: &ItemContext<'_>, sink: &mut Collector) {
    let Some(bundle) = ctx.bundle() else { return };
    let Some(path) = bundle.code_resources.as_deref() else { return };
    // A CodeResources that does not parse, and entries of the wrong shape, are already reported
    // by the reader as `malformed-code-resources` (with their offset); saying it again under this
    // rule would double every such finding. What is left here is what only validation sees.
    let Some(Ok(cr)) = &ctx.facts.code_resources else { return };
    let envelope = match Envelope::of(cr) {
        Ok(e) => e,
        Err(why) => {
            sink.add(invalid(ctx, path, format!("_CodeSignature/CodeResources {why}")));
            return;
        }
    };
    envelope::check_strength(ctx, sink, path, &envelope);
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
    sealed_files::hash_files(ctx, sink, &walk.files);
    symlinks::check(ctx, sink, &scope, &walk.links);
    sealed_files::report_missing(ctx, sink, &scope, &envelope, &walk.seen);
}

fn invalid(ctx: &ItemContext<'_>, path: &str, message: String) -> Finding {
    ctx.finding(RES_CODERESOURCES_INVALID, path, message)
        .help("the resource seal is damaged: sign the bundle again (errSecCSResourcesInvalid)")
}

#[derive(Default)]
struct Walk<'a> {
    files: Vec<FileWork<'a>>,
    links: Vec<SealedLink<'a>>,
    /// Seal paths met (sealed or not).
    seen: HashSet<&'a str>,
}

/// Walks the tree below the scope's base, deciding every entry.
fn walk<'a>(ctx: &ItemContext<'a>, sink: &mut Collector, scope: &Scope, env: &Envelope<'a>) -> Walk<'a> {
    let tree = ctx.tree();
    let mut out = Walk::default();
    let mut skipped: HashSet<&str> = HashSet::new();
    for (path, entry) in tree.descendants(&scope.base) {
        let Some(rel) = scope.relative(path) else { continue };
        if has_skipped_ancestor(path, &scope.base, &skipped) {
            continue;
        }
        // Refused whatever the rules say, even where a regular `.DS_Store` is omitted.
        if let Entry::Symlink(target) = entry {
            if dsstore::check(ctx, sink, rel, path, target) {
                continue;
            }
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
                    // A file signed as nested code that is not Mach-O (a script) keeps its
                    // signature in extended attributes, which the bytes do not carry.
                    Some(Seal::Nested { .. }) => {}
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
                    Some(Seal::Symlink { .. }) => out.links.push(SealedLink { rel, path, target }),
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
fn not_code_directory(
    ctx: &ItemContext<'_>,
    sink: &mut Collector,
    rel: &str,
    path: &str,
    seal: Option<&Seal>,
    rule: &str,
) {
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
        format!("{rel} is not in the sealed resources of {}, though rule `{rule}` seals it", ctx.container_root()),
    )
    .help("the file was added after signing: remove it, or sign the bundle again")
}
