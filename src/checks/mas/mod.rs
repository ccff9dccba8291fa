//! The Mac App Store gate: what App Store Connect and Transporter reject when a macOS product
//! (or the installer package that carries it) is uploaded.

mod category;
mod hardened_runtime;
mod icon;
mod installer_signature;
mod nested_signature;
mod object_files;
mod root_only_readable;
mod testflight_app_id;

use super::{ItemView, Rule};
use crate::discover::Role;
use crate::entitlements::Platform;

pub static RULES: &[&Rule] = &[
    &category::RULE,
    &hardened_runtime::RULE,
    &icon::RULE,
    &installer_signature::RULE,
    &nested_signature::RULE,
    &object_files::RULE,
    &root_only_readable::RULE,
    &testflight_app_id::RULE,
];

/// Whether the item is the macOS app the submission is for: an application bundle no other
/// code item contains (at the top of the input, or in a package's payload).
fn is_submitted_mac_app(view: &ItemView<'_>) -> bool {
    view.item.role == Role::App
        && view.item.parent.is_none()
        && super::entitlements::platform_of(view) == Platform::MacOs
}

/// The submitted macOS app holding `view` (or `view` itself, when it is that app).
fn submitted_mac_app_of<'a>(view: &ItemView<'a>) -> Option<ItemView<'a>> {
    let mut top = *view;
    // Parents form a tree; the bound only guards against a malformed discovery.
    for _ in 0..64 {
        match top.parent() {
            Some(p) => top = p,
            None => break,
        }
    }
    is_submitted_mac_app(&top).then_some(top)
}
