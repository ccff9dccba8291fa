//! `lib-unresolved-dependency`: every library an executable needs is found where dyld will look.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

use super::{host_executable, required, resolve, Resolution};

pub static RULE: Rule = Rule { id: "lib-unresolved-dependency", check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(executable) = host_executable(&slice.item) else { return };
    for dylib in slice.slice.dylibs.iter().filter(|d| required(d.kind)) {
        let why = match resolve(slice, executable, &dylib.name) {
            Resolution::OutsideOs => {
                "an absolute path outside the operating system, which users' Macs do not have".to_owned()
            }
            Resolution::Missing { tried } if tried.is_empty() => {
                "no LC_RPATH of this binary can expand it inside the bundle".to_owned()
            }
            Resolution::Missing { tried } => format!("no such file in the bundle (looked for {})", tried.join(", ")),
            Resolution::System | Resolution::Bundled(_) | Resolution::Unknown => continue,
        };
        let me = slice.item.code_path();
        let f = slice
            .finding(sink, RULE.id, format!("`{me}` [{}] links `{}`: {why}", slice.slice.arch, dylib.name))
            .help("ship the library inside the bundle (Contents/Frameworks) and link it via @rpath, with an LC_RPATH of @executable_path/../Frameworks");
        sink.push(f);
    }
}
