/* Smallest useful program: no imports, so no __DATA segments. Used for nested helpers. */
int main(void) { return 0; }
