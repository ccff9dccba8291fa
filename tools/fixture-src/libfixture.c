/* libfixture.dylib */
int fixture_lib_answer(void) { return 42; }
