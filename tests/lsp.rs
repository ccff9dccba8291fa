//! `bundlelint lsp` as an editor uses it: the built binary is started and spoken to in
//! Content-Length framed JSON-RPC over its stdin and stdout.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The longest wait for any one message: a server that hangs fails the test instead.
const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    held: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bundlelint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().unwrap();
        let (send, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Client { child, stdin, incoming, held: VecDeque::new(), next_id: 1 }
    }

    fn write(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result, holding the notifications that arrive meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
            self.held.push_back(message);
        }
    }

    fn receive(&mut self) -> Value {
        self.incoming.recv_timeout(WAIT).unwrap_or_else(|e| panic!("no message from the server within {WAIT:?}: {e}"))
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        let is_ours = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
        if let Some(i) = self.held.iter().position(is_ours) {
            return self.held.remove(i).unwrap()["params"].clone();
        }
        loop {
            let message = self.receive();
            if is_ours(&message) {
                return message["params"].clone();
            }
            self.held.push_back(message);
        }
    }

    /// Shuts the server down as a client does and returns its exit code.
    fn shut_down(mut self) -> Option<i32> {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit within {WAIT:?} of `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test leaves no server behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

fn open(client: &mut Client, uri: &str, text: &str) {
    let document = json!({"uri": uri, "languageId": "xml", "version": 1, "text": text});
    client.notify("textDocument/didOpen", json!({"textDocument": document}));
}

fn change(client: &mut Client, uri: &str, version: i32, text: &str) {
    let params = json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]});
    client.notify("textDocument/didChange", params);
}

/// `text` with an LSP text edit applied (lines and characters of ASCII text).
fn apply(text: &str, edit: &Value) -> String {
    let offset = |position: &Value| {
        let line = usize::try_from(position["line"].as_u64().unwrap()).unwrap();
        let character = usize::try_from(position["character"].as_u64().unwrap()).unwrap();
        text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + character
    };
    let (start, end) = (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]));
    format!("{}{}{}", &text[..start], edit["newText"].as_str().unwrap(), &text[end..])
}

fn initialize(client: &mut Client) {
    let result = client.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["textDocumentSync"]["change"], 1, "full text sync: {capabilities}");
    assert_eq!(capabilities["hoverProvider"], true);
    assert_eq!(capabilities["codeActionProvider"], true);
    client.notify("initialized", json!({}));
}

#[test]
fn a_mistyped_entitlement_is_diagnosed_explained_and_fixed_while_editing() {
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("My App").join("App.entitlements");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let clean = std::fs::read_to_string("corpus/sources/App.entitlements").unwrap();
    let sandbox = "<key>com.apple.security.app-sandbox</key>\n\t<true/>";
    assert!(clean.contains(sandbox));
    let broken = clean.replace(sandbox, "<key>com.apple.security.app-sandbox</key>\n\t<string>true</string>");
    std::fs::write(&path, &broken).unwrap();
    let uri = uri_of(&path);

    let mut client = Client::start();
    initialize(&mut client);
    open(&mut client, &uri, &broken);
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{published}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "ent-value-type");
    assert_eq!(diagnostic["source"], "bundlelint");
    assert_eq!(diagnostic["severity"], 2, "a warning: {diagnostic}");
    assert_eq!(diagnostic["range"]["start"], json!({"line": 4, "character": 1}));
    assert_eq!(diagnostic["range"]["end"], json!({"line": 4, "character": 42}), "the whole <key> element");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.contains("must be a boolean") && message.contains("help: "), "{message}");
    assert!(diagnostic["codeDescription"]["href"].as_str().unwrap().ends_with("/rules/entitlements/ent-value-type.md"));

    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 10}}));
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("# ent-value-type\n"), "{hover}");
    let elsewhere = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 8, "character": 3}}));
    assert_eq!(elsewhere, Value::Null, "no finding there");

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
    );
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["title"], "Write `com.apple.security.app-sandbox` as <true/>");
    let edits = actions[0]["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"], json!({"start": {"line": 5, "character": 1}, "end": {"line": 5, "character": 22}}));
    let fixed = apply(&broken, &edits[0]);
    assert_eq!(fixed, clean, "the edit restores the boolean");

    // Two quick changes are checked once, as the last one left the text.
    let sent = Instant::now();
    change(&mut client, &uri, 2, &broken.replace("<string>true</string>", "<string>tru</string>"));
    change(&mut client, &uri, 3, &fixed);
    let published = client.diagnostics(&uri);
    assert!(sent.elapsed() >= Duration::from_millis(250), "checked before typing paused: {:?}", sent.elapsed());
    assert_eq!(published["version"], 3, "queued changes are coalesced: {published}");
    assert_eq!(published["diagnostics"], json!([]));

    change(&mut client, &uri, 4, &broken);
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": uri}}));
    assert_eq!(client.diagnostics(&uri)["diagnostics"].as_array().unwrap().len(), 1, "saved: checked at once");
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    assert_eq!(client.diagnostics(&uri)["diagnostics"], json!([]), "closing clears the diagnostics");

    assert_eq!(client.shut_down(), Some(0));
}

#[test]
fn an_entitlement_the_configured_profile_does_not_allow_can_be_removed() {
    let work = tempfile::tempdir().unwrap();
    let profile = std::fs::canonicalize("corpus/generated/profile/development.provisionprofile").unwrap();
    let config = format!("profile = {:?}\n", profile.display().to_string());
    std::fs::write(work.path().join("bundlelint.toml"), config).unwrap();
    let nested = work.path().join("Sources");
    std::fs::create_dir_all(&nested).unwrap();
    let path = nested.join("Extension.entitlements");
    let text = std::fs::read_to_string("corpus/sources/Extension.entitlements").unwrap();
    std::fs::write(&path, &text).unwrap();
    let uri = uri_of(&path);

    let mut client = Client::start();
    initialize(&mut client);
    open(&mut client, &uri, &text);
    let published = client.diagnostics(&uri);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    let denied = diagnostics
        .iter()
        .find(|d| d["code"] == "ent-not-authorized-by-profile")
        .unwrap_or_else(|| panic!("the profile from bundlelint.toml is used: {published}"));
    assert_eq!(denied["severity"], 1);
    assert_eq!(denied["range"]["start"], json!({"line": 6, "character": 1}));

    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": denied["range"], "context": {"diagnostics": [denied]}}),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Remove the entitlement `com.apple.developer.endpoint-security.client`")
        .unwrap_or_else(|| panic!("{actions}"));
    let edit = &action["edit"]["changes"][&uri][0];
    let removed = apply(&text, edit);
    let expected = text.replace("\t<key>com.apple.developer.endpoint-security.client</key>\n\t<true/>\n", "");
    assert_eq!(removed, expected, "the key and its value, lines and all");

    change(&mut client, &uri, 2, &removed);
    let published = client.diagnostics(&uri);
    assert!(
        published["diagnostics"].as_array().unwrap().iter().all(|d| d["code"] != "ent-not-authorized-by-profile"),
        "{published}"
    );
    assert_eq!(client.shut_down(), Some(0));
}

/// A project whose configuration maps a built tool back to its entitlements file and names where
/// the tool is built: the source shows the built tool's findings on its keys, follows the key as
/// the text is edited, and is checked again when the build output changes on disk.
#[test]
fn a_source_file_shows_the_findings_of_its_build_output() {
    let work = tempfile::tempdir().unwrap();
    let config = "policy = \"app-store\"\nbuild-outputs = [\"build/tool\"]\n\n[sources]\n\"tool\" = { entitlements = \"Tool/Tool.entitlements\" }\n";
    std::fs::write(work.path().join("bundlelint.toml"), config).unwrap();
    std::fs::create_dir_all(work.path().join("build")).unwrap();
    let output = work.path().join("build/tool");
    std::fs::copy("corpus/generated/signed/adhoc-runtime-entitlements-universal", &output).unwrap();
    std::fs::create_dir_all(work.path().join("Tool")).unwrap();
    let path = work.path().join("Tool/Tool.entitlements");
    let text = std::fs::read_to_string("corpus/sources/Entitled.entitlements").unwrap();
    std::fs::write(&path, &text).unwrap();
    let uri = uri_of(&path);

    let mut client = Client::start();
    initialize(&mut client);
    open(&mut client, &uri, &text);
    let published = client.diagnostics(&uri);
    let built = |published: &Value, code: &str| {
        published["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == code).cloned()
    };
    let jit = built(&published, "ent-hardened-runtime-exceptions").unwrap_or_else(|| panic!("{published}"));
    assert_eq!(jit["range"]["start"], json!({"line": 8, "character": 1}), "on <key>com.apple.security.cs.allow-jit");
    assert!(jit["message"].as_str().unwrap().contains("\nbuilt: tool\n"), "{jit}");
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 8, "character": 6}}));
    assert!(hover["contents"]["value"].as_str().unwrap().contains("# ent-hardened-runtime-exceptions\n"), "{hover}");

    // Typing above the key moves the diagnostic with it, before anything is saved.
    let edited = text.replacen("<dict>\n", "<dict>\n\t<key>com.apple.security.network.client</key>\n\t<true/>\n", 1);
    change(&mut client, &uri, 2, &edited);
    let published = client.diagnostics(&uri);
    let moved = built(&published, "ent-hardened-runtime-exceptions").unwrap_or_else(|| panic!("{published}"));
    assert_eq!(moved["range"]["start"], json!({"line": 10, "character": 1}));

    // A new build without those entitlements clears them, with no edit to the source.
    std::fs::copy("corpus/generated/macho/hello-arm64", &output).unwrap();
    let published = client.diagnostics(&uri);
    assert!(built(&published, "ent-hardened-runtime-exceptions").is_none(), "{published}");
    assert_eq!(client.shut_down(), Some(0));
}
