/* Stand-alone program with a libSystem import (stubs, binds, __DATA segments). */
int puts(const char *);
int main(void) { puts("hello from a fixture"); return 0; }
