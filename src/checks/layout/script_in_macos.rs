//! `layout-script-in-macos`: `Contents/MacOS` holds Mach-O code only; scripts and data belong in
//! `Contents/Resources`.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::input::{join, Entry};

pub static RULE: Rule = Rule { id: crate::rule_id::LAYOUT_SCRIPT_IN_MACOS, check: Check::Item(check) };

/// Bytes read from each file to tell Mach-O, scripts and other data apart.
const HEAD: usize = 128;

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = item.item.bundle.as_ref() else { return };
    let macos = join(&bundle.content, "MacOS");
    for (name, entry) in cx.scan.tree.children(&macos) {
        let path = &join(&macos, name);
        let Entry::File(data) = entry else { continue };
        // The seal omits Finder's files everywhere; they are not content.
        if name.eq_ignore_ascii_case(".DS_Store") {
            continue;
        }
        let head = data.head(HEAD);
        if crate::macho::is_macho(&head) {
            continue;
        }
        let what = match interpreter(&head) {
            Some(line) => format!("a script (`{line}`)"),
            None => format!("not Mach-O ({} bytes)", data.len()),
        };
        let main = if item.item.executable.as_deref() == Some(path.as_str()) {
            " and is the bundle's main executable"
        } else {
            ""
        };
        sink.push(
            sink.finding(RULE.id, path, format!("`{path}` is {what}{main}: Contents/MacOS is a nested-code location, where codesign signs a file that is not Mach-O by storing its signature in extended attributes, which zip, git and many copies drop"))
                .item(item.item.path.clone())
                .help("move scripts and data to Contents/Resources (and run them from there), keep only Mach-O executables in Contents/MacOS"),
        );
    }
}

/// The `#!` line of a script, when the file starts with one.
fn interpreter(head: &[u8]) -> Option<String> {
    let rest = head.strip_prefix(b"#!")?;
    let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
    Some(format!("#!{}", String::from_utf8_lossy(line).trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpreter_line_is_read_from_the_head() {
        assert_eq!(interpreter(b"#!/bin/sh\necho hi\n").as_deref(), Some("#!/bin/sh"));
        assert_eq!(interpreter(b"#! /usr/bin/env python3\r\n").as_deref(), Some("#! /usr/bin/env python3"));
        assert_eq!(interpreter(b"\xcf\xfa\xed\xfe"), None);
    }
}
