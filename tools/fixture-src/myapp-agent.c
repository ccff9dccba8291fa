/* MyApp.app's login item agent (the second seed thread): it listens on two XPC Mach services
 * whose names start with the team ID. The names are C string literals read through volatile
 * pointers, so they stay in __TEXT,__cstring as a real agent's listener names do. */
int main(void) {
    const char *volatile listeners[2];
    listeners[0] = "S1J6DZ9E7U.com.myapp.agent.srv1";
    listeners[1] = "S1J6DZ9E7U.com.myapp.agent.srv2";
    return listeners[0][0] == listeners[1][0] ? 0 : 1;
}
