/* Main executable of Fixture.app: links FixtureKit.framework and (weakly) libfixture.dylib. */
int puts(const char *);
const char *fixture_kit_version(void);
int fixture_lib_answer(void) __attribute__((weak_import));

int main(void) {
    puts(fixture_kit_version());
    if (fixture_lib_answer) {
        return fixture_lib_answer() == 42 ? 0 : 1;
    }
    return 0;
}
