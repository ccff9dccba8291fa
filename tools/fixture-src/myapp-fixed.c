/* MyAppFixed.app's agent and extension: one Mach service named after the agent's bundle ID
 * (which starts with the team ID), the name a sandboxed extension may look up. */
int main(void) {
    const char *volatile service = "S1J6DZ9E7U.com.myapp.agent";
    return service[0] == 'S' ? 0 : 1;
}
