//! What the SMJobBless rules share: the apps that bless tools, their tools, and requirement
//! strings compiled and evaluated against a signature.

use crate::checks::{Context, ItemView};
use crate::codesign::requirement::Expr;
use crate::codesign::requirement_text::parse_requirement_text;
use crate::input::{join, Entry};
use crate::plist::Document;
use crate::trust::requirement_eval::{evaluate, identity_of, Verdict};

/// The Info.plist key naming the tools an app blesses.
pub(super) const PRIVILEGED: &str = "SMPrivilegedExecutables";
/// The tool's embedded Info.plist key naming the apps allowed to bless it.
pub(super) const AUTHORIZED: &str = "SMAuthorizedClients";

/// An app that uses SMJobBless: it lists privileged executables or ships tools.
pub(super) struct Blesser<'a> {
    pub app: ItemView<'a>,
    pub info: Option<&'a Document>,
    /// `Contents/Library/LaunchServices` of the app.
    pub tools_dir: String,
}

impl<'a> Blesser<'a> {
    pub fn privileged(&self) -> Option<&'a plist::Value> {
        self.info?.dict()?.get(PRIVILEGED)
    }

    pub fn info_path(&self) -> Option<&'a str> {
        self.app.item.bundle.as_ref()?.info_plist.as_deref()
    }

    /// Entries of the tools folder: (file name, path, entry).
    pub fn tools(&self) -> Vec<(&'a str, String, &'a Entry)> {
        self.app.scan.tree.children(&self.tools_dir).map(|(name, e)| (name, join(&self.tools_dir, name), e)).collect()
    }
}

/// Every bundle that uses SMJobBless.
pub(super) fn blessers<'a>(cx: &Context<'a>) -> Vec<Blesser<'a>> {
    cx.items()
        .filter_map(|app| {
            let bundle = app.item.bundle.as_ref()?;
            let tools_dir = join(&bundle.content, "Library/LaunchServices");
            let info = app.info();
            let b = Blesser { app, info, tools_dir };
            (b.privileged().is_some() || !b.tools().is_empty()).then_some(b)
        })
        .collect()
}

/// The code item whose executable is `path`.
pub(super) fn item_at<'a>(cx: &Context<'a>, path: &str) -> Option<ItemView<'a>> {
    cx.items().find(|i| i.item.executable.as_deref() == Some(path))
}

/// Compiles a requirement string as `csreq` would.
pub(super) fn compile(text: &str) -> Result<Expr, String> {
    parse_requirement_text(text).map_err(|p| p.message)
}

/// Evaluates `expr` against code item `index`. A chain that ends at an anchor the user added
/// (`--trust-anchor`, a test or enterprise PKI) cannot show whether `anchor apple generic`
/// holds on a Mac: such clauses are left undecided rather than failed, so the other clauses
/// are still checked.
pub(super) fn verdict(cx: &Context<'_>, expr: &Expr, index: usize) -> Verdict {
    let mut identity = identity_of(cx.scan, index, &cx.settings.anchors);
    let first = evaluate(expr, &identity);
    if matches!(first, Verdict::Unsatisfied(_)) && identity.anchored && !identity.apple_anchored {
        identity.apple_anchored = true;
        return match evaluate(expr, &identity) {
            Verdict::Satisfied => Verdict::Unknown("the chain ends at a user trust anchor, not an Apple root".into()),
            other => other,
        };
    }
    first
}
