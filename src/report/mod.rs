//! Rendering: every output format reads a finished view of the model and computes nothing new.

pub mod check;
pub mod concise;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod inspect;
pub mod inspect_text;
pub mod junit;
pub mod sarif;
