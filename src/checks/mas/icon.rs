//! `mas-icon`: the submitted Mac app carries its icon: an ICNS file with the 512×512 and
//! 512×512@2x images, or an icon in its compiled asset catalog.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::input::{join, FileData};

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_ICON, check: Check::Item(check) };

const HELP: &str = "add an .icns with the 512x512 and 512x512@2x images to Contents/Resources and name it in CFBundleIconFile (or compile an AppIcon set into Assets.car and name it in CFBundleIconName)";

/// ICNS element types of the two images App Store Connect asks for: `ic09` (512×512) and
/// `ic10` (1024×1024, the 512×512@2x image).
const REQUIRED_ELEMENTS: [[u8; 4]; 2] = [*b"ic09", *b"ic10"];

/// ICNS files larger than this are not read (the largest real app icons are a few MB).
const MAX_ICNS: u64 = 64 << 20;

/// The element types of an ICNS file, in order; `Err` names the first byte offset that does
/// not parse.
fn icns_elements(bytes: &[u8]) -> Result<Vec<[u8; 4]>, u64> {
    if bytes.len() < 8 || &bytes[..4] != b"icns" {
        return Err(0);
    }
    let declared = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let end = declared.min(bytes.len());
    let mut out = Vec::new();
    let mut at = 8usize;
    while at + 8 <= end {
        let kind = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        let len = u32::from_be_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]) as usize;
        if len < 8 || at + len > end {
            return Err(at as u64);
        }
        out.push(kind);
        at += len;
    }
    Ok(out)
}

/// What the icon file lacks, `None` when it has both required images.
fn icns_defect(data: &FileData) -> Option<String> {
    if data.len() > MAX_ICNS {
        return Some(format!("is {} bytes, more than bundlelint reads of an icon", data.len()));
    }
    let Ok(bytes) = data.bytes() else { return Some("cannot be read".into()) };
    match icns_elements(bytes) {
        Err(0) => Some("is not an ICNS file (it does not start with `icns`)".into()),
        Err(offset) => Some(format!("is a damaged ICNS file (the element at byte {offset} overruns the file)")),
        Ok(elements) => {
            let missing: Vec<&str> = REQUIRED_ELEMENTS
                .iter()
                .filter(|r| !elements.contains(r))
                .map(|r| if r == b"ic09" { "512x512 (ic09)" } else { "512x512@2x (ic10)" })
                .collect();
            (!missing.is_empty()).then(|| format!("has no {} image", missing.join(" or ")))
        }
    }
}

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if !super::is_submitted_mac_app(view) {
        return;
    }
    let Some(bundle) = &view.item.bundle else { return };
    let Some(info) = view.info().and_then(|d| d.dict().map(|dict| (d, dict))) else { return };
    let (document, dict) = info;
    let tree = &view.scan.tree;
    let resources = join(&bundle.content, "Resources");
    let icon_file = dict.get("CFBundleIconFile").and_then(plist::Value::as_string).filter(|s| !s.is_empty());
    let icon_name = dict.get("CFBundleIconName").and_then(plist::Value::as_string).filter(|s| !s.is_empty());
    // An icon compiled into the asset catalog: its images are not read here.
    if icon_name.is_some() && tree.file(&join(&resources, "Assets.car")).is_some() {
        return;
    }
    let why = match icon_file {
        None if icon_name.is_some() => {
            "names its icon in CFBundleIconName but has no Contents/Resources/Assets.car and no CFBundleIconFile".into()
        }
        None => "names no icon (neither CFBundleIconFile nor CFBundleIconName)".to_owned(),
        Some(name) => {
            // CFBundleIconFile may leave out the extension.
            let mut candidates = vec![join(&resources, name)];
            if !name.ends_with(".icns") {
                candidates.push(join(&resources, &format!("{name}.icns")));
            }
            match candidates.iter().find_map(|p| tree.file(p).map(|d| (p, d))) {
                None => format!(
                    "names the icon file {name:?} in CFBundleIconFile, but `{}` does not exist",
                    candidates[candidates.len() - 1]
                ),
                Some((path, data)) => match icns_defect(data) {
                    None => return,
                    Some(defect) => format!("has the icon file `{path}`, which {defect}"),
                },
            }
        }
    };
    let message = format!(
        "`{}` {why}: upload fails with ITMS-90236 \"Missing required icon. The application bundle does not contain an icon in ICNS format, containing both a 512x512 and a 512x512@2x image.\"",
        view.item.path
    );
    let at = bundle.info_plist.as_deref().unwrap_or(&view.item.path);
    let f = sink
        .finding(RULE.id, at, message)
        .item(view.item.path.clone())
        .span(document.key_span("CFBundleIconFile"))
        .help(HELP);
    sink.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icns(elements: &[(&[u8; 4], usize)]) -> Vec<u8> {
        let total: usize = 8 + elements.iter().map(|(_, n)| 8 + n).sum::<usize>();
        let mut out = b"icns".to_vec();
        out.extend_from_slice(&(total as u32).to_be_bytes());
        for (kind, n) in elements {
            out.extend_from_slice(*kind);
            out.extend_from_slice(&((8 + n) as u32).to_be_bytes());
            out.extend(std::iter::repeat_n(0u8, *n));
        }
        out
    }

    #[test]
    fn elements_are_listed_and_overruns_located() {
        let bytes = icns(&[(b"ic09", 4), (b"ic10", 2)]);
        assert_eq!(icns_elements(&bytes), Ok(vec![*b"ic09", *b"ic10"]));
        let mut damaged = bytes.clone();
        damaged[8 + 7] = 0xff; // the first element claims more than the file holds
        assert_eq!(icns_elements(&damaged), Err(8));
        assert_eq!(icns_elements(b"\x89PNG\r\n\x1a\n"), Err(0));
        let zero = icns(&[(b"ic09", 0)]);
        let mut zero_len = zero.clone();
        zero_len[12..16].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(icns_elements(&zero_len), Err(8));
    }
}
