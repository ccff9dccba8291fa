//! The integration tests, in one binary: a change to `src/` links one test program, not one per
//! file. The rule cases run in their own binary (`tests/cases.rs`), one test per case.

mod common;

mod ci_templates;
mod cli_check;
mod cli_check_corpus;
mod cli_inspect;
mod differential;
mod disk_images;
mod facts;
mod layering;
mod lsp;
mod packages;
mod robustness;
mod rules_meta;
mod scenarios;
mod schemas;
mod sources;
mod toolchain;
mod verify;
