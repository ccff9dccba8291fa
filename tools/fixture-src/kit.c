/* FixtureKit.framework */
const char *fixture_kit_version(void) { return "FixtureKit 1.0"; }
