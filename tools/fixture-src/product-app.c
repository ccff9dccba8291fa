/* Main executable of the products' apps that ship a framework: links FixtureKit.framework. */
int puts(const char *);
const char *fixture_kit_version(void);

int main(void) {
    puts(fixture_kit_version());
    return 0;
}
