//! Finding every code item in a tree and its role, plus the plists, profiles and seals around it.
//!
//! Bundles are recognised by their extension and laid out as macOS (`Contents/`), versioned
//! frameworks (`Versions/<v>/`) or iOS-style flat bundles. Every other Mach-O file becomes a code
//! item of its own, its role taken from where it sits in its bundle. launchd plists are read to
//! mark the programs they launch.

mod launchd;
mod sources;

use serde::Serialize;

use crate::input::{self, base_name, join, parent, Entry, Tree};
use crate::plist::Document;
use crate::Problem;

pub use launchd::{LaunchdKind, LaunchdPlist};
pub use sources::{SourceFile, SourceKind};

/// Directory extensions that make a bundle.
pub const BUNDLE_EXTENSIONS: &[&str] = &[
    "app",
    "appex",
    "xpc",
    "framework",
    "bundle",
    "plugin",
    "systemextension",
    "kext",
    "dext",
    "qlgenerator",
    "mdimporter",
    "saver",
    "prefpane",
    "component",
    "vst",
    "vst3",
    "xctest",
    "ideplugin",
    "appintents",
];

/// Where a code item sits and what the system will do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An application bundle (top-level or nested).
    App,
    AppExtension,
    XpcService,
    /// An app in `Contents/Library/LoginItems`.
    LoginItem,
    Framework,
    /// A loadable bundle or plug-in (`.bundle`, `.plugin`, …).
    Plugin,
    /// A `.bundle` with no executable: resources only (signed, if at all, by a detached
    /// signature in `_CodeSignature/CodeSignature`).
    ResourceBundle,
    SystemExtension,
    KernelExtension,
    DriverExtension,
    Dylib,
    /// An extra executable in `MacOS/` or `Helpers/`.
    HelperTool,
    /// A privileged tool in `Contents/Library/LaunchServices` (SMJobBless).
    SmJobBlessTool,
    /// An executable a bundled launchd plist launches via `BundleProgram`/`Program`.
    LaunchdProgram,
    /// A Mach-O where data belongs (`Resources`, `SharedSupport`, …).
    MisplacedCode,
    /// Code outside any bundle: the input itself, or a loose file in a folder.
    Standalone,
    /// A Mach-O that is never mapped as code — object files, dSYM companions, core dumps, stub
    /// libraries, universal static archives ([`crate::macho::is_never_loaded`]), wherever it
    /// sits. codesign seals it as data; rules about code do not judge it.
    NeverLoaded,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::App => "app",
            Role::AppExtension => "app-extension",
            Role::XpcService => "xpc-service",
            Role::LoginItem => "login-item",
            Role::Framework => "framework",
            Role::Plugin => "plugin",
            Role::ResourceBundle => "resource-bundle",
            Role::SystemExtension => "system-extension",
            Role::KernelExtension => "kernel-extension",
            Role::DriverExtension => "driver-extension",
            Role::Dylib => "dylib",
            Role::HelperTool => "helper-tool",
            Role::SmJobBlessTool => "smjobbless-tool",
            Role::LaunchdProgram => "launchd-program",
            Role::MisplacedCode => "misplaced-code",
            Role::Standalone => "standalone",
            Role::NeverLoaded => "never-loaded",
        }
    }
}

/// How a bundle's contents are arranged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// macOS: everything under `Contents/`.
    Deep,
    /// iOS-style: everything at the bundle root.
    Shallow,
    /// A framework version directory, `X.framework/Versions/<v>`.
    Versioned,
}

/// A bundle's anatomy: paths are tree paths.
#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    /// The bundle directory (`X.app`, or `X.framework/Versions/A`).
    pub root: String,
    pub extension: String,
    pub layout: Layout,
    /// Where `Info.plist`, `_CodeSignature`, `MacOS` … live (`X.app/Contents`, or the root).
    pub content: String,
    pub info_plist: Option<String>,
    pub code_resources: Option<String>,
    /// `_CodeSignature/CodeSignature`: the signature of a bundle without an executable.
    pub detached_signature: Option<String>,
    pub profile: Option<String>,
    /// `Contents/CodeResources`: where `stapler` puts the notarization ticket.
    pub stapled_ticket: Option<String>,
    /// `CFBundleExecutable` as written, if any.
    pub executable_name: Option<String>,
}

/// One piece of code: a bundle with its main executable, or a loose Mach-O file.
#[derive(Debug, Clone, Serialize)]
pub struct CodeItem {
    pub path: String,
    pub role: Role,
    pub bundle: Option<Bundle>,
    /// The Mach-O file (symlinks resolved), if there is one.
    pub executable: Option<String>,
    /// Index of the enclosing code item.
    pub parent: Option<usize>,
    /// launchd plists (indices into [`Discovery::launchd_plists`]) that launch this item.
    pub launched_by: Vec<usize>,
    #[serde(skip)]
    pub info: Option<Result<Document, Problem>>,
}

/// A provisioning profile found in the tree.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileFile {
    pub path: String,
    /// The code item it is embedded in, when it is an `embedded.*` profile.
    pub owner: Option<usize>,
}

/// Everything found in a tree.
#[derive(Debug, Default, Serialize)]
pub struct Discovery {
    pub items: Vec<CodeItem>,
    pub launchd_plists: Vec<LaunchdPlist>,
    pub profiles: Vec<ProfileFile>,
    /// Entitlements files and Info.plists outside any bundle: sources judged on their own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<input::PathProblem>,
    /// Mach-O files inside zip and jar archives in the input, which the notary service opens.
    #[serde(skip)]
    pub nested_code: Vec<NestedCode>,
}

/// A Mach-O file inside an archive of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedCode {
    /// Tree path of the archive.
    pub archive: String,
    /// The member's name inside it.
    pub member: String,
    /// Each slice's architecture, and whether it carries a signature.
    pub slices: Vec<(String, bool)>,
}

impl NestedCode {
    /// The path as the notary service's log writes it: the archive, then the member inside.
    pub fn path(&self) -> String {
        format!("{}/{}", self.archive, self.member)
    }
}

/// Finds code items, launchd plists, profiles and source files in `tree`.
pub fn discover(tree: &Tree) -> Discovery {
    let mut d = Discovery::default();
    let bundle_dirs = bundle_directories(tree);
    for dir in &bundle_dirs {
        for bundle in bundles_at(tree, dir) {
            let item = bundle_item(tree, bundle);
            d.items.push(item);
        }
    }
    add_loose_macho_files(tree, &mut d);
    d.items.sort_by(|a, b| a.path.cmp(&b.path));
    link_parents(&mut d.items);
    add_profiles(tree, &mut d);
    add_unread_containers(tree, &mut d);
    launchd::add_launchd_plists(tree, &mut d);
    sources::add_source_files(tree, &mut d);
    d
}

fn is_bundle_extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    BUNDLE_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// Directories that are bundles: those named with a bundle extension, and extension-less ones
/// laid out as macOS bundles (`Contents/Info.plist` beside `Contents/MacOS`), which CFBundle
/// accepts too. `__MACOSX` and `.dSYM` trees are not code.
fn bundle_directories(tree: &Tree) -> Vec<String> {
    tree.entries()
        .filter(|(path, entry)| matches!(entry, Entry::Dir) && bundle_extension(tree, path).is_some())
        .filter(|(path, _)| !path.split('/').any(|c| c == "__MACOSX" || c.to_ascii_lowercase().ends_with(".dsym")))
        .map(|(path, _)| path.to_owned())
        .collect()
}

/// The bundle extension of directory `dir` (`""` for an extension-less bundle), if it is one.
fn bundle_extension(tree: &Tree, dir: &str) -> Option<String> {
    if let Some(ext) = is_bundle_extension(base_name(dir)) {
        // An empty directory is just a directory, whatever its name.
        return tree.children(dir).next().is_some().then_some(ext);
    }
    let deep = matches!(tree.get(&join(dir, "Contents/Info.plist")), Some(Entry::File(_)))
        && matches!(tree.get(&join(dir, "Contents/MacOS")), Some(Entry::Dir));
    deep.then(String::new)
}

/// The bundles a bundle directory holds: itself, or for a versioned framework each version.
fn bundles_at(tree: &Tree, dir: &str) -> Vec<Bundle> {
    let Some(extension) = bundle_extension(tree, dir) else { return Vec::new() };
    let contents = join(dir, "Contents");
    let versions = join(dir, "Versions");
    if matches!(tree.get(&contents), Some(Entry::Dir)) {
        return vec![bundle(tree, dir, &extension, Layout::Deep, contents)];
    }
    if extension == "framework" && matches!(tree.get(&versions), Some(Entry::Dir)) {
        let found: Vec<Bundle> = tree
            .children(&versions)
            .filter(|(_, e)| matches!(e, Entry::Dir))
            .map(|(name, _)| {
                let root = join(&versions, name);
                bundle(tree, &root, &extension, Layout::Versioned, root.clone())
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    vec![bundle(tree, dir, &extension, Layout::Shallow, dir.to_owned())]
}

fn bundle(tree: &Tree, root: &str, extension: &str, layout: Layout, content: String) -> Bundle {
    let existing = |p: String| tree.file(&p).is_some().then_some(p);
    let info_plist = match layout {
        Layout::Deep => existing(join(&content, "Info.plist")),
        Layout::Versioned => existing(join(&content, "Resources/Info.plist")),
        Layout::Shallow => {
            existing(join(&content, "Info.plist")).or_else(|| existing(join(&content, "Resources/Info.plist")))
        }
    };
    Bundle {
        root: root.to_owned(),
        extension: extension.to_owned(),
        layout: layout.clone(),
        info_plist,
        code_resources: existing(join(&content, "_CodeSignature/CodeResources")),
        detached_signature: existing(join(&content, "_CodeSignature/CodeSignature")),
        profile: existing(join(&content, "embedded.provisionprofile"))
            .or_else(|| existing(join(&content, "embedded.mobileprovision"))),
        stapled_ticket: (layout == Layout::Deep).then(|| existing(join(&content, "CodeResources"))).flatten(),
        executable_name: None,
        content,
    }
}

fn bundle_item(tree: &Tree, mut bundle: Bundle) -> CodeItem {
    let info =
        bundle.info_plist.as_ref().and_then(|p| tree.file(p)).map(|f| {
            f.bytes().map_err(|e| Problem::new(crate::rule_id::INPUT_UNREADABLE, e)).and_then(Document::parse)
        });
    let executable_name =
        info.as_ref().and_then(|r| r.as_ref().ok()).and_then(|doc| doc.string("CFBundleExecutable")).map(str::to_owned);
    let executable = executable_name.as_deref().and_then(|name| {
        let dir = match bundle.layout {
            Layout::Deep => join(&bundle.content, "MacOS"),
            _ => bundle.content.clone(),
        };
        // A name with a slash or `..` would point elsewhere; the system refuses it, so do we.
        (!name.contains('/') && name != ".." && !name.is_empty())
            .then(|| tree.resolve(&join(&dir, name)))
            .flatten()
            .filter(|p| tree.file(p).is_some())
    });
    bundle.executable_name = executable_name;
    let package_type = info.as_ref().and_then(|r| r.as_ref().ok()).and_then(|doc| doc.string("CFBundlePackageType"));
    let role = match bundle_role(&bundle, package_type) {
        Role::Plugin if bundle.executable_name.is_none() => Role::ResourceBundle,
        role => role,
    };
    let path = bundle.root.clone();
    CodeItem { path, role, bundle: Some(bundle), executable, parent: None, launched_by: Vec::new(), info }
}

/// The role a bundle's extension and position give it.
fn bundle_role(bundle: &Bundle, package_type: Option<&str>) -> Role {
    let extension = match (bundle.extension.as_str(), package_type) {
        // Without an extension, the declared package type says what the bundle is.
        ("", Some("APPL")) => "app",
        ("", Some("FMWK")) => "framework",
        ("", Some("XPC!")) => "xpc",
        ("", Some("XPC")) => "xpc",
        (ext, _) => ext,
    };
    match extension {
        "app" if parent(&bundle.root).ends_with("Library/LoginItems") => Role::LoginItem,
        "app" => Role::App,
        "appex" => Role::AppExtension,
        "xpc" => Role::XpcService,
        "framework" => Role::Framework,
        "systemextension" => Role::SystemExtension,
        "kext" => Role::KernelExtension,
        "dext" => Role::DriverExtension,
        _ => Role::Plugin,
    }
}

/// Every Mach-O file that is not a bundle's main executable becomes an item of its own.
fn add_loose_macho_files(tree: &Tree, d: &mut Discovery) {
    let claimed: std::collections::HashSet<String> = d.items.iter().filter_map(|i| i.executable.clone()).collect();
    let bundles: Vec<(String, String)> =
        d.items.iter().filter_map(|i| i.bundle.as_ref().map(|b| (b.root.clone(), b.content.clone()))).collect();
    for (path, entry) in tree.entries() {
        let Entry::File(data) = entry else { continue };
        if claimed.contains(path) || path.split('/').any(|c| c == "__MACOSX") {
            continue;
        }
        // A file whose first bytes cannot be read may be code: it is reported as not read,
        // never taken for data.
        let head = match data.try_head(32) {
            Ok(head) => head,
            Err(why) => {
                let message =
                    format!("the first bytes of `{path}` cannot be read, so whether it is code is not known: {why}");
                let problem = crate::Problem::at(crate::rule_id::INPUT_UNREADABLE, 0, message);
                d.problems.push(input::PathProblem { path: path.to_owned(), problem });
                continue;
            }
        };
        if !crate::macho::is_macho(&head) {
            continue;
        }
        let enclosing =
            bundles.iter().filter(|(root, _)| path.starts_with(&format!("{root}/"))).max_by_key(|(root, _)| root.len());
        let file_types = data.bytes().map(crate::macho::slice_file_types).unwrap_or_default();
        let role = match enclosing {
            _ if never_loaded(&file_types) => Role::NeverLoaded,
            None => Role::Standalone,
            Some((_, content)) => loose_role(
                path.strip_prefix(&format!("{content}/")).unwrap_or(path),
                file_types.first().copied().flatten(),
            ),
        };
        d.items.push(CodeItem {
            path: path.to_owned(),
            role,
            bundle: None,
            executable: Some(path.to_owned()),
            parent: None,
            launched_by: Vec::new(),
            info: None,
        });
    }
}

/// Disk images, packages and archives holding code inside the input: never silently skipped.
fn add_unread_containers(tree: &Tree, d: &mut Discovery) {
    for (path, entry) in tree.entries() {
        let Entry::File(data) = entry else { continue };
        if path.split('/').any(|c| c == "__MACOSX") {
            continue;
        }
        let name = input::base_name(path);
        if input::container::identify_file(name, data) == Some(input::container::Container::Zip) {
            add_nested_archive(path, data, d);
        } else if let Some(message) = input::container::unread_inside(name, data) {
            unread_container(d, path, message);
        }
    }
}

fn unread_container(d: &mut Discovery, path: &str, message: String) {
    let problem = crate::Problem::at(crate::rule_id::INPUT_CONTAINER_UNREAD, 0, message);
    d.problems.push(input::PathProblem { path: path.to_owned(), problem });
}

/// A zip or jar inside the input, opened as the notary service opens it: each Mach-O member is
/// read (in memory, bounded) for the rules. What cannot be judged from the bytes here — a
/// member's signature, a container inside, a member too large — leaves the archive unread.
fn add_nested_archive(path: &str, data: &input::FileData, d: &mut Discovery) {
    let name = input::base_name(path);
    // Read for the look only: a nested archive's bytes are not kept for the rest of the scan.
    let found = match data.with_transient(input::archive::nested_archive).and_then(|found| found) {
        Ok(found) => found,
        Err(why) => return unread_container(d, path, format!("`{name}` is a zip archive that cannot be read: {why}")),
    };
    let mut unread = found.unread;
    let signed: Vec<&str> =
        found.code.iter().filter(|c| c.slices.iter().any(|(_, signed)| *signed)).map(|c| c.member.as_str()).collect();
    if let Some(first) = signed.first() {
        let others = match signed.len() - 1 {
            0 => String::new(),
            1 => " and 1 other member".to_owned(),
            n => format!(" and {n} other members"),
        };
        unread.push(format!("the signature of `{first}`{others} was not verified"));
    }
    if !unread.is_empty() {
        let message = format!(
            "`{name}` is a zip archive holding code that bundlelint did not fully check (the notary service checks \
             it): {}",
            unread.join("; ")
        );
        unread_container(d, path, message);
    }
    d.nested_code.extend(found.code.into_iter().map(|c| NestedCode {
        archive: path.to_owned(),
        member: c.member,
        slices: c.slices,
    }));
}

/// Role of a loose Mach-O from its path relative to its bundle's content directory and the
/// `filetype` of its first slice.
fn loose_role(relative: &str, file_type: Option<u32>) -> Role {
    let first = relative.split('/').next().unwrap_or("");
    if ["Resources", "SharedSupport", "Documentation"].contains(&first) {
        return Role::MisplacedCode;
    }
    if relative.starts_with("Library/LaunchServices/") {
        return Role::SmJobBlessTool;
    }
    match file_type {
        Some(6) => Role::Dylib,
        Some(8) => Role::Plugin,
        _ => Role::HelperTool,
    }
}

/// Whether every slice is a kind of Mach-O nothing loads; a slice whose header cannot be read
/// counts as code, so damaged code is still judged.
fn never_loaded(file_types: &[Option<u32>]) -> bool {
    !file_types.is_empty() && file_types.iter().all(|t| t.is_some_and(crate::macho::is_never_loaded))
}

/// Sets each item's parent to the nearest enclosing item (items are sorted by path).
fn link_parents(items: &mut [CodeItem]) {
    let roots: Vec<String> = items.iter().map(|i| i.path.clone()).collect();
    for (i, item) in items.iter_mut().enumerate() {
        item.parent = roots
            .iter()
            .enumerate()
            .filter(|(j, root)| *j != i && item.path.starts_with(&format!("{root}/")))
            .max_by_key(|(_, root)| root.len())
            .map(|(j, _)| j);
    }
}

fn add_profiles(tree: &Tree, d: &mut Discovery) {
    for (index, item) in d.items.iter().enumerate() {
        if let Some(p) = item.bundle.as_ref().and_then(|b| b.profile.clone()) {
            d.profiles.push(ProfileFile { path: p, owner: Some(index) });
        }
    }
    for (path, entry) in tree.entries() {
        let lower = path.to_ascii_lowercase();
        let is_profile = (lower.ends_with(".mobileprovision") || lower.ends_with(".provisionprofile"))
            && !base_name(path).starts_with("._")
            && !path.split('/').any(|c| c == "__MACOSX");
        if matches!(entry, Entry::File(_)) && is_profile && !d.profiles.iter().any(|p| p.path == path) {
            d.profiles.push(ProfileFile { path: path.to_owned(), owner: None });
        }
    }
    d.profiles.sort_by(|a, b| a.path.cmp(&b.path));
}

#[cfg(test)]
mod tests;
