//! bundlelint: read, verify and lint Apple code artifacts from their bytes, on any OS.
//!
//! The flow runs one way: [`input`] opens a path into a read-only tree, [`discover`] finds code
//! items and their roles, the parsers ([`macho`], [`codesign`], [`profile`], [`plist`], [`seal`])
//! turn bytes into plain facts with byte ranges, [`model`] assembles them, and [`report`] renders.

pub mod analysis;
pub mod catalog;
pub mod checks;
pub mod codesign;
pub mod config;
pub mod discover;
pub mod engine;
pub mod entitlements;
pub mod finding;
pub mod input;
pub mod macho;
pub mod model;
pub mod plist;
pub mod problem;
pub mod profile;
pub mod progress;
#[cfg(test)]
mod real_corpus;
pub mod report;
pub mod rule_id;
pub mod seal;
pub mod settings;
pub mod time;
pub mod trust;
pub mod verify;

pub use problem::Problem;
