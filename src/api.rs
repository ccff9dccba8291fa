//! The library's front door: check or inspect a path the way the command line does.
//!
//! ```
//! let report = bundlelint::Checker::new().check("corpus/generated/bundles/Fixture.app")?;
//! for finding in &report.findings {
//!     println!("{} {}: {}", finding.severity.name(), finding.rule, finding.message);
//! }
//! assert!(report.complete);
//! assert!(report.summary.error > 0);
//! # Ok::<(), bundlelint::Error>(())
//! ```

use std::path::{Path, PathBuf};

use crate::catalog::Policy;
use crate::model::Scan;
use crate::report::check::CheckReport;
use crate::report::inspect::InspectReport;
use crate::settings::Settings;

/// Why a path could not be checked.
#[derive(Debug)]
pub enum Error {
    /// The path could not be opened or read.
    Io { path: PathBuf, error: std::io::Error },
    /// bundlelint does not read this kind of input (a disk image, a flat package…), or nothing in
    /// it is something bundlelint reads; the message says which.
    Refused(String),
    /// A selector, configuration file or trust anchor is wrong.
    Settings(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            Error::Refused(why) | Error::Settings(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The refusal of an input in which nothing was recognised ([`Scan::holds_nothing_to_judge`]),
    /// worded once for the library and the command line.
    #[doc(hidden)]
    pub fn nothing_to_judge(path: &Path) -> Error {
        Error::Refused(format!(
            "`{}` holds no code, provisioning profile, launchd property list, entitlements file or Info.plist: \
             nothing in it is something bundlelint reads, and a check of nothing is never clean",
            path.display()
        ))
    }
}

/// Checks paths with one set of settings: every rule by default, the policy detected from the
/// profile of an iOS-family app or else the signing certificate, no configuration file.
///
/// ```
/// use bundlelint::{Checker, Policy, Severity};
///
/// let checker = Checker::new().policy(Policy::DeveloperId).select(["notary-"])?;
/// let report = checker.check("corpus/generated/macho/hello-x86_64")?;
/// let unsigned = report.findings.iter().find(|f| f.rule == "notary-unsigned-code").unwrap();
/// assert_eq!(unsigned.severity, Severity::Error);
/// # Ok::<(), bundlelint::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Checker {
    settings: Settings,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// The settings of a `bundlelint.toml`, as `--config` reads them. With a `[sources]` table,
    /// findings about a key of a mapped file also carry where the repository writes it
    /// ([`Finding::source`](crate::Finding::source)).
    ///
    /// ```
    /// use bundlelint::{Checker, Policy};
    ///
    /// let checker = Checker::from_config("tests/data/sources/bundlelint.toml")?.policy(Policy::AppStore);
    /// let report = checker.check("corpus/generated/signed/adhoc-runtime-entitlements-universal")?;
    /// let jit = report.findings.iter().find(|f| f.rule == "ent-hardened-runtime-exceptions").unwrap();
    /// let source = jit.source.as_ref().unwrap();
    /// assert_eq!(source.path, "corpus/sources/Entitled.entitlements");
    /// assert_eq!((source.key.as_str(), source.span.line), ("com.apple.security.cs.allow-jit", 9));
    /// # Ok::<(), bundlelint::Error>(())
    /// ```
    pub fn from_config(path: impl AsRef<Path>) -> Result<Checker, Error> {
        let settings = crate::config::load(path.as_ref()).map_err(|e| Error::Settings(e.to_string()))?;
        Ok(Checker { settings })
    }

    /// Judges against this distribution channel instead of the one the profile or signature
    /// implies.
    pub fn policy(mut self, policy: Policy) -> Checker {
        self.settings.policy = Some(policy);
        self
    }

    /// Reports only these rules: ids, prefixes ending in `-` (`notary-`), or `ALL`.
    pub fn select<S: Into<String>>(mut self, selectors: impl IntoIterator<Item = S>) -> Result<Checker, Error> {
        self.settings.select.extend(checked(selectors)?);
        Ok(self)
    }

    /// Never reports these rules: ids, prefixes ending in `-`, or `ALL`.
    pub fn ignore<S: Into<String>>(mut self, selectors: impl IntoIterator<Item = S>) -> Result<Checker, Error> {
        self.settings.ignore.extend(checked(selectors)?);
        Ok(self)
    }

    /// Trusts this certificate (PEM or DER) as a chain anchor besides Apple's roots.
    pub fn trust_anchor(mut self, certificate: impl Into<PathBuf>) -> Result<Checker, Error> {
        self.settings.trust_anchors.push(certificate.into());
        self.settings = self.settings.load_files().map_err(Error::Settings)?;
        Ok(self)
    }

    /// Lets this root (PEM or DER) stand in for Apple's roots wherever Apple's are required: a
    /// test hierarchy that mirrors Apple's. Reports say a substitute was in effect.
    pub fn apple_root(mut self, certificate: impl Into<PathBuf>) -> Result<Checker, Error> {
        self.settings.apple_roots.push(certificate.into());
        self.settings = self.settings.load_files().map_err(Error::Settings)?;
        Ok(self)
    }

    /// Judges entitlements files given as inputs against this provisioning profile.
    pub fn profile(mut self, profile: impl Into<PathBuf>) -> Result<Checker, Error> {
        self.settings.profile = Some(profile.into());
        self.settings = self.settings.load_files().map_err(Error::Settings)?;
        Ok(self)
    }

    /// A device (UDID) a development or ad hoc build must install on: every embedded iOS-family
    /// profile must list it (`ios-profile-device`).
    ///
    /// ```
    /// use bundlelint::Checker;
    ///
    /// let checker = Checker::new().device("00008120-0012345678901234")?.select(["ios-profile-device"])?;
    /// let report = checker.check("corpus/generated/bundles/ios-ad-hoc/FixtureiOS.ipa")?;
    /// assert_eq!(report.findings.len(), 1);
    /// assert!(Checker::new().device("Ann's iPhone").is_err());
    /// # Ok::<(), bundlelint::Error>(())
    /// ```
    pub fn device(mut self, udid: impl Into<String>) -> Result<Checker, Error> {
        let udid = udid.into();
        crate::settings::check_device(&udid).map_err(Error::Settings)?;
        self.settings.devices.push(udid);
        Ok(self)
    }

    /// Checks `path`: a bundle, a folder, a Mach-O file, a `.zip` or `.ipa` archive, a
    /// provisioning profile, a launchd property list, an entitlements file or an Info.plist.
    pub fn check(&self, path: impl AsRef<Path>) -> Result<CheckReport, Error> {
        let scan = open(path.as_ref())?;
        let outcome = crate::engine::check(&scan, &self.settings);
        Ok(CheckReport::new(&scan, outcome))
    }
}

/// What `bundlelint inspect` shows: every code item and slice with its signature, entitlements,
/// requirements, constraints and profile.
///
/// ```
/// let shown = bundlelint::inspect("corpus/generated/bundles/Fixture.app")?;
/// assert_eq!(shown.items[0].path, "Fixture.app");
/// # Ok::<(), bundlelint::Error>(())
/// ```
pub fn inspect(path: impl AsRef<Path>) -> Result<InspectReport, Error> {
    Ok(InspectReport::from_scan(&open(path.as_ref())?))
}

fn checked<S: Into<String>>(selectors: impl IntoIterator<Item = S>) -> Result<Vec<String>, Error> {
    let selectors: Vec<String> = selectors.into_iter().map(Into::into).collect();
    for selector in &selectors {
        crate::config::check_selector(selector).map_err(Error::Settings)?;
    }
    Ok(selectors)
}

/// Opens `path`, failing closed: an input bundlelint does not read, or one in which nothing is
/// recognised, is refused rather than checked as clean.
fn open(path: &Path) -> Result<Scan, Error> {
    let scan = Scan::open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::Unsupported => Error::Refused(error.to_string()),
        _ => Error::Io { path: path.to_owned(), error },
    })?;
    if scan.holds_nothing_to_judge() {
        return Err(Error::nothing_to_judge(path));
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_settings_and_refused_inputs_are_errors() {
        assert!(matches!(Checker::new().select(["notary"]), Err(Error::Settings(m)) if m.contains("did you mean")));
        let work = std::env::temp_dir().join(format!("bundlelint-api-empty-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&work);
        assert!(matches!(Checker::new().check(&work), Err(Error::Refused(_))));
        assert!(matches!(Checker::new().check("no/such/path"), Err(Error::Io { .. })));
    }
}
