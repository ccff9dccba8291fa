//! The embedded code signature: SuperBlob, CodeDirectories, requirements, entitlements,
//! constraints and the CMS signature.
pub mod ber;
pub mod code_directory;
pub mod digest;
pub mod signature;
pub mod superblob;
