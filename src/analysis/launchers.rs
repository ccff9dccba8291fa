//! Who launches whom in a product: the process that plays the parent or responsible role for a
//! code item (launchd, the item itself, or its host app), the program a launchd plist starts, and
//! the constraint facts of the slice that runs.

use crate::analysis::constraint_eval::Facts;
use crate::codesign::superblob::Slot;
use crate::discover::{LaunchdPlist, Role};
use crate::model::ItemView;

/// Who plays the constrained role for an item.
pub enum Launcher<'a> {
    Launchd,
    /// The item itself (launchd jobs, apps and login items are their own responsible process).
    Itself,
    /// Code in the product, e.g. the host app.
    Item(ItemView<'a>),
    Unknown,
}

fn launched_by_launchd(item: &ItemView<'_>) -> bool {
    !item.item.launched_by.is_empty() || matches!(item.item.role, Role::LaunchdProgram | Role::SmJobBlessTool)
}

/// The nearest enclosing app (or login item) with an executable.
fn host_app<'a>(item: &ItemView<'a>) -> Option<ItemView<'a>> {
    let mut cursor = item.parent();
    for _ in 0..64 {
        let i = cursor?;
        if matches!(i.item.role, Role::App | Role::LoginItem) && i.item.executable.is_some() {
            return Some(i);
        }
        cursor = i.parent();
    }
    None
}

pub fn launcher<'a>(item: &ItemView<'a>, slot: Slot) -> Launcher<'a> {
    let top_app = item.item.role == Role::App && item.item.parent.is_none();
    let own_job = launched_by_launchd(item) || item.item.role == Role::LoginItem || top_app;
    match slot {
        Slot::LaunchConstraintParent if own_job || item.item.role == Role::XpcService => Launcher::Launchd,
        Slot::LaunchConstraintResponsible if own_job => Launcher::Itself,
        Slot::LaunchConstraintParent | Slot::LaunchConstraintResponsible
            if matches!(item.item.role, Role::HelperTool | Role::XpcService) =>
        {
            host_app(item).map_or(Launcher::Unknown, Launcher::Item)
        }
        _ => Launcher::Unknown,
    }
}

/// Facts of the slice of `item` that runs on `arch` (else its first slice).
pub fn facts_of(item: &ItemView<'_>, arch: &str) -> Option<(Facts, String)> {
    let slices = item.slices();
    let slice = slices.iter().find(|s| s.slice.arch == arch).or(slices.first())?;
    Some((Facts::of_signature(slice.signature()?), slice.slice.arch.clone()))
}

/// The code item a launchd plist's `BundleProgram` resolves to.
pub fn program<'a>(item_views: &[ItemView<'a>], plist: &LaunchdPlist) -> Option<ItemView<'a>> {
    let target = plist.target?;
    item_views.iter().find(|i| i.index == target).copied()
}
