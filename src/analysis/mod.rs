//! Analysis: what the product as a whole implies, computed from the model for the rules and for
//! `inspect`. Library resolution ([`library`]), who launches whom ([`launchers`]), launch
//! constraints evaluated and their verdicts ([`constraint_eval`]) and the services the product vends
//! and looks up ([`services`]), and nested code's requirements ([`requirements`]). Certificate trust and requirement evaluation ([`crate::trust`])
//! and the verifier ([`crate::verify`]) belong to this layer too.

pub mod constraint_eval;
pub mod launchers;
pub mod library;
pub mod requirements;
pub mod services;
