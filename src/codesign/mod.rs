//! The embedded code signature: SuperBlob, CodeDirectories, requirements, entitlements,
//! constraints and the CMS signature.
pub mod ber;
pub mod certificate;
pub mod cms;
pub mod code_directory;
pub mod constraints;
pub mod der_plist;
pub mod digest;
pub mod requirement;
pub mod requirement_text;
pub mod signature;
pub mod superblob;
