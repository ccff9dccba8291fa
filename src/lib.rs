//! bundlelint: read, verify and lint Apple code artifacts — apps, frameworks, Mach-O files,
//! `.zip` and `.ipa` archives — from their bytes, on any OS, and predict what macOS, the notary
//! service or App Store validation would reject.
//!
//! [`Checker`] checks a path the way `bundlelint check` does and returns a [`CheckReport`]: its
//! [`Finding`]s, each naming its rule ([`RuleId`]; `bundlelint rule ID` prints the rule's page),
//! the file, the slice, the byte range or plist line, and how to fix it. [`inspect`] returns what
//! `bundlelint inspect` shows.
//!
//! ```
//! use bundlelint::{Checker, Severity};
//!
//! let report = Checker::new().check("corpus/generated/bundles/Fixture.app")?;
//! let errors = report.findings.iter().filter(|f| f.severity == Severity::Error).count();
//! println!("{}: {errors} errors under the {} policy", report.input, report.policy.name);
//! # Ok::<(), bundlelint::Error>(())
//! ```
//!
//! The modules below the front door are the command line's and the tests' building blocks; they
//! are public for them and change without notice. `ARCHITECTURE.md` describes them.

mod api;

pub use api::{inspect, Checker, Error};
pub use catalog::Policy;
pub use finding::{Finding, Severity, SourceLocation};
pub use report::check::CheckReport;
pub use report::inspect::InspectReport;
pub use rule_id::RuleId;

#[doc(hidden)]
pub mod analysis;
#[doc(hidden)]
pub mod catalog;
#[doc(hidden)]
pub mod checks;
#[doc(hidden)]
pub mod codesign;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod discover;
#[doc(hidden)]
pub mod engine;
#[doc(hidden)]
pub mod entitlements;
#[doc(hidden)]
pub mod finding;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod macho;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod plist;
#[doc(hidden)]
pub mod problem;
#[doc(hidden)]
pub mod profile;
#[doc(hidden)]
pub mod progress;
#[cfg(test)]
mod real_corpus;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod rule_id;
#[doc(hidden)]
pub mod seal;
#[doc(hidden)]
pub mod settings;
#[doc(hidden)]
pub mod time;
#[doc(hidden)]
pub mod trust;
#[doc(hidden)]
pub mod verify;

#[doc(hidden)]
pub use problem::Problem;
