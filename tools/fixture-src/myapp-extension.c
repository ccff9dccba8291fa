/* MyApp.app's sandboxed File Provider extension: it connects to the agent's second listener. */
int main(void) {
    const char *volatile service = "S1J6DZ9E7U.com.myapp.agent.srv2";
    return service[0] == 'S' ? 0 : 1;
}
