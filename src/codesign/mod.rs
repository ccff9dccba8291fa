//! The embedded code signature: SuperBlob, CodeDirectories, requirements, entitlements,
//! constraints and the CMS signature.
