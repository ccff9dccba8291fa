//! `fixture-gen sign IN OUT [--identifier ID] [--digest sha1|sha256|sha384]...`
//!
//! Signs any Mach-O file (thin or universal) ad hoc, with one CodeDirectory
//! per digest given (the first is the primary; default: SHA-1 primary plus a
//! SHA-256 alternate, the layout Apple uses for code supporting old systems).
//! The benchmark uses it to sign large generated binaries.

use {
    anyhow::{bail, Context, Result},
    apple_codesign::{cryptography::DigestType, MachOSigner, SettingsScope, SigningSettings},
    std::path::PathBuf,
};

pub struct Args {
    pub input: PathBuf,
    pub output: PathBuf,
    pub identifier: String,
    pub digests: Vec<DigestType>,
}

impl Args {
    /// Parses the arguments after `sign`.
    pub fn parse(args: &[String]) -> Result<Args> {
        let mut paths = Vec::new();
        let mut identifier = None;
        let mut digests = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--identifier" => identifier = it.next().cloned(),
                "--digest" => digests.push(digest(it.next().map(String::as_str).unwrap_or(""))?),
                s if !s.starts_with("--") => paths.push(PathBuf::from(s)),
                _ => bail!("unexpected argument {a}"),
            }
        }
        let [input, output] = <[PathBuf; 2]>::try_from(paths).map_err(|_| anyhow::anyhow!("need IN and OUT"))?;
        let identifier = identifier.unwrap_or_else(|| {
            input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "code".into())
        });
        if digests.is_empty() {
            digests = vec![DigestType::Sha1, DigestType::Sha256];
        }
        Ok(Args { input, output, identifier, digests })
    }
}

fn digest(name: &str) -> Result<DigestType> {
    Ok(match name {
        "sha1" => DigestType::Sha1,
        "sha256" => DigestType::Sha256,
        "sha384" => DigestType::Sha384,
        other => bail!("unknown digest {other:?} (sha1, sha256, sha384)"),
    })
}

pub fn run(args: Args) -> Result<()> {
    let data = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let mut settings = SigningSettings::default();
    settings.set_binary_identifier(SettingsScope::Main, &args.identifier);
    let mut digests = args.digests.iter();
    if let Some(primary) = digests.next() {
        settings.set_digest_type(SettingsScope::Main, *primary);
    }
    for extra in digests {
        settings.add_extra_digest(SettingsScope::Main, *extra);
    }
    let mut out = Vec::with_capacity(data.len() + data.len() / 64);
    MachOSigner::new(&data)?.write_signed_binary(&settings, &mut out)?;
    std::fs::write(&args.output, &out).with_context(|| format!("writing {}", args.output.display()))?;
    Ok(())
}
