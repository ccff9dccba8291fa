use super::*;
use crate::input::{FileData, InputKind};

const MACHO_EXE: &[u8] = &[0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0];
const MACHO_DYLIB: &[u8] = &[0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 1, 0, 0, 0, 0, 6, 0, 0, 0];

fn info(exe: &str) -> Entry {
    Entry::File(FileData::from_vec(
        format!("<plist><dict><key>CFBundleExecutable</key><string>{exe}</string></dict></plist>").into_bytes(),
    ))
}

fn file(bytes: &[u8]) -> Entry {
    Entry::File(FileData::from_vec(bytes.to_vec()))
}

fn tree(entries: Vec<(&str, Entry)>) -> Tree {
    let mut all: Vec<(String, Entry)> = entries.into_iter().map(|(p, e)| (p.to_owned(), e)).collect();
    // Add the directories the files imply.
    let dirs: Vec<String> = all
        .iter()
        .flat_map(|(p, _)| {
            let mut out = Vec::new();
            let mut d = parent(p);
            while !d.is_empty() {
                out.push(d.to_owned());
                d = parent(d);
            }
            out
        })
        .collect();
    for d in dirs {
        if !all.iter().any(|(p, _)| *p == d) {
            all.push((d, Entry::Dir));
        }
    }
    Tree::from_entries("t", InputKind::Directory, all)
}

fn role_of(d: &Discovery, path: &str) -> Option<Role> {
    d.items.iter().find(|i| i.path == path).map(|i| i.role)
}

#[test]
fn finds_every_nested_role() {
    let plist = br#"<plist><dict><key>Label</key><string>com.x.daemon</string><key>BundleProgram</key><string>Contents/MacOS/daemon</string></dict></plist>"#;
    let t = tree(vec![
        ("A.app/Contents/Info.plist", info("A")),
        ("A.app/Contents/MacOS/A", file(MACHO_EXE)),
        ("A.app/Contents/MacOS/daemon", file(MACHO_EXE)),
        ("A.app/Contents/Helpers/tool", file(MACHO_EXE)),
        ("A.app/Contents/Library/LaunchServices/com.x.priv", file(MACHO_EXE)),
        ("A.app/Contents/Library/LaunchDaemons/com.x.daemon.plist", file(plist)),
        ("A.app/Contents/Library/LoginItems/L.app/Contents/Info.plist", info("L")),
        ("A.app/Contents/Library/LoginItems/L.app/Contents/MacOS/L", file(MACHO_EXE)),
        ("A.app/Contents/XPCServices/S.xpc/Contents/Info.plist", info("S")),
        ("A.app/Contents/XPCServices/S.xpc/Contents/MacOS/S", file(MACHO_EXE)),
        ("A.app/Contents/PlugIns/E.appex/Contents/Info.plist", info("E")),
        ("A.app/Contents/PlugIns/E.appex/Contents/MacOS/E", file(MACHO_EXE)),
        ("A.app/Contents/Frameworks/K.framework/Versions/A/Resources/Info.plist", info("K")),
        ("A.app/Contents/Frameworks/K.framework/Versions/A/K", file(MACHO_DYLIB)),
        ("A.app/Contents/Frameworks/K.framework/Versions/Current", Entry::Symlink("A".into())),
        ("A.app/Contents/Frameworks/K.framework/K", Entry::Symlink("Versions/Current/K".into())),
        ("A.app/Contents/Frameworks/libz.dylib", file(MACHO_DYLIB)),
        ("A.app/Contents/Library/SystemExtensions/X.systemextension/Contents/Info.plist", info("X")),
        ("A.app/Contents/Library/SystemExtensions/X.systemextension/Contents/MacOS/X", file(MACHO_EXE)),
        ("A.app/Contents/Resources/stray", file(MACHO_EXE)),
        ("A.app/Contents/Resources/readme.txt", file(b"hello")),
        ("A.app/Contents/embedded.provisionprofile", file(b"profile")),
    ]);
    let d = discover(&t);
    assert_eq!(role_of(&d, "A.app"), Some(Role::App));
    assert_eq!(role_of(&d, "A.app/Contents/MacOS/daemon"), Some(Role::LaunchdProgram));
    assert_eq!(role_of(&d, "A.app/Contents/Helpers/tool"), Some(Role::HelperTool));
    assert_eq!(role_of(&d, "A.app/Contents/Library/LaunchServices/com.x.priv"), Some(Role::SmJobBlessTool));
    assert_eq!(role_of(&d, "A.app/Contents/Library/LoginItems/L.app"), Some(Role::LoginItem));
    assert_eq!(role_of(&d, "A.app/Contents/XPCServices/S.xpc"), Some(Role::XpcService));
    assert_eq!(role_of(&d, "A.app/Contents/PlugIns/E.appex"), Some(Role::AppExtension));
    assert_eq!(role_of(&d, "A.app/Contents/Frameworks/K.framework/Versions/A"), Some(Role::Framework));
    assert_eq!(role_of(&d, "A.app/Contents/Frameworks/libz.dylib"), Some(Role::Dylib));
    assert_eq!(role_of(&d, "A.app/Contents/Library/SystemExtensions/X.systemextension"), Some(Role::SystemExtension));
    assert_eq!(role_of(&d, "A.app/Contents/Resources/stray"), Some(Role::MisplacedCode));
    assert_eq!(d.items.len(), 11, "{:#?}", d.items.iter().map(|i| &i.path).collect::<Vec<_>>());
    let app = d.items.iter().position(|i| i.path == "A.app").unwrap();
    assert!(d.items.iter().filter(|i| i.path != "A.app").all(|i| i.parent.is_some()));
    assert_eq!(d.items[app].executable.as_deref(), Some("A.app/Contents/MacOS/A"));
    let fw = d.items.iter().find(|i| i.role == Role::Framework).unwrap();
    assert_eq!(fw.executable.as_deref(), Some("A.app/Contents/Frameworks/K.framework/Versions/A/K"));
    assert_eq!(d.profiles.len(), 1);
    assert_eq!(d.profiles[0].owner, Some(app));
    assert_eq!(d.launchd_plists.len(), 1);
    assert_eq!(d.launchd_plists[0].label.as_deref(), Some("com.x.daemon"));
    assert!(d.launchd_plists[0].target.is_some());
}

#[test]
fn ios_flat_bundles() {
    let t = tree(vec![
        ("Payload/X.app/Info.plist", info("X")),
        ("Payload/X.app/X", file(MACHO_EXE)),
        ("Payload/X.app/embedded.mobileprovision", file(b"p")),
        ("Payload/X.app/Frameworks/F.framework/Info.plist", info("F")),
        ("Payload/X.app/Frameworks/F.framework/F", file(MACHO_DYLIB)),
        ("__MACOSX/Payload/._X.app", file(b"junk")),
    ]);
    let d = discover(&t);
    assert_eq!(d.items.len(), 2);
    assert_eq!(d.items[0].executable.as_deref(), Some("Payload/X.app/X"));
    assert_eq!(d.items[0].bundle.as_ref().unwrap().layout, Layout::Shallow);
    assert_eq!(d.profiles[0].path, "Payload/X.app/embedded.mobileprovision");
}

#[test]
fn executable_names_cannot_escape() {
    let t =
        tree(vec![("A.app/Contents/Info.plist", info("../../../etc/passwd")), ("A.app/Contents/MacOS/x", file(b"x"))]);
    let d = discover(&t);
    assert_eq!(d.items[0].executable, None);
}

/// Contents that cannot be read (a file on a damaged volume).
#[derive(Debug)]
struct Unreadable;

impl crate::input::data::Source for Unreadable {
    fn read_all(&self) -> Result<Vec<u8>, String> {
        Err("an extent lies outside the volume".into())
    }
    fn stream(&self, _: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        Err("an extent lies outside the volume".into())
    }
    fn head(&self, _: usize) -> Result<Vec<u8>, String> {
        Err("an extent lies outside the volume".into())
    }
}

#[test]
fn a_file_whose_first_bytes_cannot_be_read_is_reported_not_taken_for_data() {
    let unreadable = Entry::File(FileData::from_source(Box::new(Unreadable), 4096));
    let t = tree(vec![("Tools/helper", unreadable), ("Tools/tool", file(MACHO_EXE))]);
    let d = discover(&t);
    assert_eq!(d.items.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["Tools/tool"]);
    let problems: Vec<_> = d.problems.iter().map(|p| (p.path.as_str(), p.problem.code)).collect();
    assert_eq!(problems, [("Tools/helper", crate::rule_id::INPUT_UNREADABLE)]);
    assert!(d.problems[0].problem.message.contains("an extent lies outside the volume"));
}
