//! The facts a constraint tests, as far as the bytes tell them.

use std::collections::BTreeMap;

use ::plist::{Dictionary, Value};

use crate::codesign::certificate::CertificateKind;
use crate::codesign::signature::{signing_kind, Signature, SigningKind};

/// What is known about one fact of one piece of code.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    /// The fact's value; several when the code has several (one cdhash per CodeDirectory).
    Known(Vec<Value>),
    /// The fact does not exist for this code (no team identifier in an ad-hoc signature); the
    /// kernel fails a non-`$optional` test of it (`m[5]`). The text says why.
    Undefined(String),
    /// Decided at run time (where the file lives, how it was launched).
    Unknown,
}

/// Facts about one executable or library, by fact name. Facts not set are [`FactValue::Unknown`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    values: BTreeMap<String, FactValue>,
}

/// `CS_VALIDATION_CATEGORY_*` (xnu `osfmk/kern/cs_blobs.h`).
pub const CATEGORY_PLATFORM: i64 = 1;
pub const CATEGORY_TESTFLIGHT: i64 = 2;
pub const CATEGORY_DEVELOPMENT: i64 = 3;
pub const CATEGORY_APP_STORE: i64 = 4;
pub const CATEGORY_ENTERPRISE: i64 = 5;
pub const CATEGORY_DEVELOPER_ID: i64 = 6;
pub const CATEGORY_NONE: i64 = 10;

/// The name of a validation category, for messages.
pub fn category_name(category: i64) -> &'static str {
    match category {
        0 => "invalid",
        CATEGORY_PLATFORM => "platform (operating system)",
        CATEGORY_TESTFLIGHT => "TestFlight",
        CATEGORY_DEVELOPMENT => "development",
        CATEGORY_APP_STORE => "App Store",
        CATEGORY_ENTERPRISE => "enterprise",
        CATEGORY_DEVELOPER_ID => "Developer ID",
        7 => "local signing",
        8 => "Rosetta",
        9 => "out-of-process JIT",
        CATEGORY_NONE => "none",
        _ => "not a validation category",
    }
}

impl Facts {
    pub fn set(&mut self, name: &str, value: FactValue) -> &mut Facts {
        self.values.insert(name.to_owned(), value);
        self
    }

    /// The fact, [`FactValue::Unknown`] when not set.
    pub fn get(&self, name: &str) -> FactValue {
        self.values.get(name).cloned().unwrap_or(FactValue::Unknown)
    }

    /// A single known value of `name`.
    pub fn known(&self, name: &str) -> Option<Value> {
        match self.values.get(name) {
            Some(FactValue::Known(values)) => values.first().cloned(),
            _ => None,
        }
    }

    /// What one slice's signature says about the code: its identifier, team, cdhashes,
    /// entitlements and validation category. Placement facts stay unknown; `is-init-proc` is
    /// false, since only launchd is the init process.
    pub fn of_signature(sig: &Signature) -> Facts {
        let mut facts = Facts::default();
        let kind = signing_kind(Some(sig));
        if let Some(cd) = sig.primary() {
            facts.set("signing-identifier", FactValue::Known(vec![Value::String(cd.identifier.clone())]));
            facts.set(
                "team-identifier",
                match &cd.team_id {
                    Some(team) => FactValue::Known(vec![Value::String(team.clone())]),
                    None => FactValue::Undefined("the signature has no team identifier".into()),
                },
            );
        }
        let cdhashes: Vec<Value> = sig
            .code_directories
            .iter()
            .filter_map(|c| hex::decode(c.cd.cdhash.as_deref()?).ok())
            .map(Value::Data)
            .collect();
        if !cdhashes.is_empty() {
            facts.set("cdhash", FactValue::Known(cdhashes));
        }
        let entitlements = sig.entitlements_value().cloned().unwrap_or_else(|| Value::Dictionary(Dictionary::new()));
        facts.set("entitlements", FactValue::Known(vec![entitlements]));
        match validation_category(sig) {
            Some(category) => facts.set("validation-category", FactValue::Known(vec![Value::Integer(category.into())])),
            None if kind == SigningKind::Unsigned => {
                facts.set("validation-category", FactValue::Undefined("the code is not signed".into()))
            }
            None => facts.set("validation-category", FactValue::Unknown),
        };
        facts.set("is-init-proc", FactValue::Known(vec![Value::Boolean(false)]));
        facts
    }

    /// `launchd`, the parent of every daemon, agent, XPC service and app the system launches:
    /// the init process, an operating-system executable on the sealed system volume.
    pub fn launchd() -> Facts {
        let mut facts = Facts::default();
        let known = |v: Value| FactValue::Known(vec![v]);
        facts
            .set("is-init-proc", known(Value::Boolean(true)))
            .set("validation-category", known(Value::Integer(CATEGORY_PLATFORM.into())))
            .set("signing-identifier", known(Value::String("com.apple.xpc.launchd".into())))
            .set("team-identifier", FactValue::Undefined("launchd is an Apple platform binary without a team".into()))
            .set("on-system-volume", known(Value::Boolean(true)))
            .set("is-sip-protected", known(Value::Boolean(true)));
        facts
    }
}

/// The validation category the kernel gives code signed like `sig`, from its leaf certificate's
/// class; `None` when that cannot be told from the bytes (ad-hoc code, a distribution
/// certificate whose build the store re-signs, an unrecognised certificate).
pub fn validation_category(sig: &Signature) -> Option<i64> {
    if signing_kind(Some(sig)) != SigningKind::Certificate {
        return None;
    }
    if sig.primary().is_some_and(|cd| cd.platform != 0) {
        return Some(CATEGORY_PLATFORM);
    }
    let leaf = sig.cms_info()?.leaf()?;
    match leaf.kind {
        CertificateKind::DeveloperIdApplication | CertificateKind::DeveloperIdKernel => Some(CATEGORY_DEVELOPER_ID),
        CertificateKind::AppleDevelopment => Some(CATEGORY_DEVELOPMENT),
        CertificateKind::MacAppStore => Some(CATEGORY_APP_STORE),
        CertificateKind::ApplePlatform => Some(CATEGORY_PLATFORM),
        _ => None,
    }
}
