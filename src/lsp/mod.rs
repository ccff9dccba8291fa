//! `bundlelint lsp`: a language server over stdin/stdout. Entitlements files, Info.plists,
//! launchd plists and provisioning profiles are checked as they are edited; the findings are
//! published as diagnostics, a hover on one shows its rule's page, and the fixes that are one
//! mechanical edit are offered as code actions.
//!
//! With a configuration that maps a built product back to its sources (`[sources]`) and names
//! where the product is built (`build-outputs`), a source file also shows the findings of the
//! built product about its keys: the output is checked with the source, again when something in
//! it changes on disk (looked at every few seconds while a document is open), and each finding
//! sits on the key as the editor's text writes it now.
//!
//! Built on `lsp-server` and `lsp-types`, rust-analyzer's crates: maintained with rust-analyzer,
//! synchronous (a channel of messages and two I/O threads), so the server is a plain loop with no
//! async runtime; checking one small file is fast and needs no concurrency of its own.

mod outputs;
mod text;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability, CodeDescription,
    Diagnostic, DiagnosticSeverity, Hover, HoverContents, HoverParams, HoverProviderCapability, MarkupContent,
    MarkupKind, NumberOrString, PublishDiagnosticsParams, SaveOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};

use bundlelint::catalog;
use bundlelint::config;
use bundlelint::engine;
use bundlelint::entitlements::{self, ValueType};
use bundlelint::finding::{Finding, Severity};
use bundlelint::input::{Entry, FileData, InputKind, Tree};
use bundlelint::model::Scan;
use bundlelint::rule_id;
use bundlelint::settings::Settings;

/// Quiet after the last change before a changed document is checked again: typing is not
/// interrupted by a check per keystroke, and queued changes are checked once.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// How often the build outputs followed are looked at for changes on disk.
const POLL: Duration = Duration::from_secs(2);

/// Where the rule pages are published, for a diagnostic's link.
const RULES_URL: &str = "https://github.com/bundlelint/bundlelint/blob/main/rules";

/// Runs the server until the client says `exit`: 0 after a `shutdown`, 1 without one (as the
/// protocol asks), 2 when the connection fails.
pub fn run() -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let served = serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(true), Ok(())) => ExitCode::SUCCESS,
        (Ok(false), Ok(())) => ExitCode::from(1),
        (Err(e), _) => {
            eprintln!("bundlelint lsp: {e}");
            ExitCode::from(2)
        }
        (_, Err(e)) => {
            eprintln!("bundlelint lsp: {e}");
            ExitCode::from(2)
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// The message loop. `Ok(true)` when it ended by `shutdown` then `exit`.
fn serve(connection: &Connection) -> Result<bool, String> {
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    connection.initialize(capabilities).map_err(|e| e.to_string())?;
    let mut server = Server::default();
    loop {
        let message = match server.next_due() {
            Some(due) => match connection.receiver.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(m) => m,
                Err(e) if e.is_timeout() => {
                    server.check_due(connection, Instant::now());
                    server.poll_outputs(connection, Instant::now());
                    continue;
                }
                Err(_) => return Ok(false),
            },
            None => match connection.receiver.recv() {
                Ok(m) => m,
                Err(_) => return Ok(false),
            },
        };
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(|e| e.to_string())? {
                    return Ok(true);
                }
                let response = server.answer(connection, request);
                send(connection, Message::Response(response));
            }
            Message::Notification(n) if n.method == lsp_types::notification::Exit::METHOD => return Ok(false),
            Message::Notification(n) => server.notified(connection, n),
            Message::Response(_) => {}
        }
    }
}

fn send(connection: &Connection, message: Message) {
    // A closed channel means the client is gone; the loop ends on the next receive.
    let _ = connection.sender.send(message);
}

/// An open document and what its last check found.
struct Document {
    text: String,
    version: i32,
    /// Set when the text changed after the last check: the check is due once typing pauses.
    changed_at: Option<Instant>,
    /// The findings of the last check, each with its range in the text it was made on.
    findings: Vec<(lsp_types::Range, Finding)>,
    /// Why the last check could not run (a broken configuration), shown on the document.
    not_checked: Option<String>,
}

#[derive(Default)]
struct Server {
    documents: HashMap<Uri, Document>,
    outputs: outputs::Outputs,
    /// When the build outputs were last looked at.
    polled_at: Option<Instant>,
}

impl Server {
    /// When the earliest pending check is due, or the next look at the build outputs.
    fn next_due(&self) -> Option<Instant> {
        let typed = self.documents.values().filter_map(|d| d.changed_at).min().map(|at| at + DEBOUNCE);
        let following = !self.outputs.is_empty() && !self.documents.is_empty();
        let poll = following.then(|| self.polled_at.map_or_else(Instant::now, |at| at + POLL));
        typed.into_iter().chain(poll).min()
    }

    /// Checks every open document again when a build output changed on disk.
    fn poll_outputs(&mut self, connection: &Connection, now: Instant) {
        if self.polled_at.is_some_and(|at| at + POLL > now) {
            return;
        }
        self.polled_at = Some(now);
        if self.outputs.changed() {
            let open: Vec<Uri> = self.documents.keys().cloned().collect();
            for uri in open {
                self.check_and_publish(connection, &uri);
            }
        }
    }

    /// Checks every document whose debounce has run out.
    fn check_due(&mut self, connection: &Connection, now: Instant) {
        let due: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(_, d)| d.changed_at.is_some_and(|at| at + DEBOUNCE <= now))
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in due {
            self.check_and_publish(connection, &uri);
        }
    }

    /// Checks `uri` now if a change is waiting, so an answer is about the text as it is.
    fn check_if_changed(&mut self, connection: &Connection, uri: &Uri) {
        if self.documents.get(uri).is_some_and(|d| d.changed_at.is_some()) {
            self.check_and_publish(connection, uri);
        }
    }

    fn check_and_publish(&mut self, connection: &Connection, uri: &Uri) {
        let Some(document) = self.documents.get_mut(uri) else { return };
        document.changed_at = None;
        (document.findings, document.not_checked) = match check_document(uri, &document.text, &mut self.outputs) {
            Ok(findings) => (findings, None),
            Err(why) => (Vec::new(), Some(why)),
        };
        let mut diagnostics: Vec<Diagnostic> =
            document.findings.iter().map(|(range, f)| diagnostic(*range, f)).collect();
        diagnostics.extend(document.not_checked.iter().map(|why| Diagnostic {
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("bundlelint".to_owned()),
            message: why.clone(),
            ..Diagnostic::default()
        }));
        publish(connection, uri.clone(), diagnostics, Some(document.version));
    }

    fn notified(&mut self, connection: &Connection, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return;
                };
                let uri = p.text_document.uri;
                if !is_judged(&uri) {
                    return;
                }
                let document = Document {
                    text: p.text_document.text,
                    version: p.text_document.version,
                    changed_at: None,
                    findings: Vec::new(),
                    not_checked: None,
                };
                self.documents.insert(uri.clone(), document);
                self.check_and_publish(connection, &uri);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    notification.extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                else {
                    return;
                };
                let Some(document) = self.documents.get_mut(&p.text_document.uri) else { return };
                // Full synchronisation: each change carries the whole text; the last one wins.
                if let Some(change) = p.content_changes.into_iter().rev().find(|c| c.range.is_none()) {
                    document.text = change.text;
                    document.version = p.text_document.version;
                    document.changed_at = Some(Instant::now());
                }
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                else {
                    return;
                };
                if self.documents.contains_key(&p.text_document.uri) {
                    self.check_and_publish(connection, &p.text_document.uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = notification.extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return;
                };
                if self.documents.remove(&p.text_document.uri).is_some() {
                    publish(connection, p.text_document.uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    fn answer(&mut self, connection: &Connection, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            HoverRequest::METHOD => match request.extract::<HoverParams>(HoverRequest::METHOD) {
                Ok((id, p)) => {
                    let uri = p.text_document_position_params.text_document.uri;
                    self.check_if_changed(connection, &uri);
                    let hover =
                        self.documents.get(&uri).and_then(|d| hover(d, p.text_document_position_params.position));
                    Response::new_ok(id, hover)
                }
                Err(e) => invalid(id, e),
            },
            CodeActionRequest::METHOD => match request.extract::<CodeActionParams>(CodeActionRequest::METHOD) {
                Ok((id, p)) => {
                    let uri = p.text_document.uri.clone();
                    self.check_if_changed(connection, &uri);
                    let actions = self.documents.get(&uri).map(|d| code_actions(&uri, d, p.range)).unwrap_or_default();
                    Response::new_ok(id, actions)
                }
                Err(e) => invalid(id, e),
            },
            _ => Response::new_err(
                id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("bundlelint does not answer {}", request.method),
            ),
        }
    }
}

fn invalid(id: RequestId, error: lsp_server::ExtractError<Request>) -> Response {
    Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, format!("{error:?}"))
}

fn publish(connection: &Connection, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
    let params = PublishDiagnosticsParams { uri, diagnostics, version };
    send(connection, Message::Notification(Notification::new(PublishDiagnostics::METHOD.to_owned(), params)));
}

/// The path a `file:` URI names, percent-decoded; `None` for any other scheme.
fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    Some(PathBuf::from(percent_decoded(path)?))
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file name of the document: its kind is read from it, as `check` reads a file's.
fn file_name(uri: &Uri) -> String {
    let path = uri.as_str().split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    percent_decoded(last).unwrap_or_else(|| last.to_owned())
}

/// Whether the document is a file bundlelint judges on its own: an entitlements file, an
/// Info.plist or launchd property list, or a provisioning profile.
fn is_judged(uri: &Uri) -> bool {
    let name = file_name(uri).to_ascii_lowercase();
    [".entitlements", ".plist", ".mobileprovision", ".provisionprofile"].iter().any(|e| name.ends_with(e))
}

/// Profiles are signed binary files: they are checked as saved on disk, not as an editor's text.
fn is_profile(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".mobileprovision") || name.ends_with(".provisionprofile")
}

/// The findings for the document's current text, each with its range in that text, and those of
/// the configured build outputs placed on it. Fails when the configuration is broken: the
/// document is then not checked.
fn check_document(
    uri: &Uri,
    text: &str,
    outputs: &mut outputs::Outputs,
) -> Result<Vec<(lsp_types::Range, Finding)>, String> {
    let name = file_name(uri);
    let path = file_path(uri);
    let settings = settings_for(path.as_deref())?;
    let scan = if is_profile(&name) {
        match path.as_deref().map(Scan::open) {
            Some(Ok(scan)) => scan,
            Some(Err(e)) => return Err(format!("cannot read the saved profile: {e}")),
            None => return Ok(Vec::new()),
        }
    } else {
        scan_of_text(&name, text)
    };
    let mut found: Vec<(lsp_types::Range, Finding)> = if scan.holds_nothing_to_judge() {
        Vec::new()
    } else {
        // Parts left unread are findings too (input-…), so they show.
        engine::check(&scan, &settings).findings.into_iter().map(|f| (finding_range(text, &name, &f), f)).collect()
    };
    if let Some(path) = path.as_deref().filter(|_| !is_profile(&name)) {
        let on_disk = std::fs::read_to_string(path).ok();
        for built in outputs.findings_on(&settings, path) {
            let Some(placed) = placed_in(text, on_disk.as_deref(), built) else { continue };
            // The source judged alone may say the same about the same key.
            if !found.iter().any(|(range, f)| *range == placed.0 && f.rule == placed.1.rule) {
                found.push(placed);
            }
        }
    }
    Ok(found)
}

/// A finding of a build output on the document: at its source span when the editor's text is the
/// file as saved, else at its key as the text writes it now (gone when the key is). Its span
/// becomes that place in the text, so fixes edit the source.
fn placed_in(text: &str, on_disk: Option<&str>, mut finding: Finding) -> Option<(lsp_types::Range, Finding)> {
    let source = finding.source.as_ref()?;
    let span = if on_disk == Some(text) {
        source.span
    } else {
        bundlelint::plist::Document::parse(text.as_bytes()).ok()?.key_span(&source.key)?
    };
    finding.span = Some(span);
    let start = usize::try_from(span.offset).ok()?;
    let range = text::range(text, start..start.saturating_add(usize::try_from(span.length).unwrap_or(0)));
    Some((range, finding))
}

/// The document's text as the lone file of an input, under its own name (which says its kind).
fn scan_of_text(name: &str, text: &str) -> Scan {
    let entry = Entry::File(FileData::from_vec(text.as_bytes().to_vec()));
    Scan::from_tree(Tree::from_entries(name, InputKind::File, [(name.to_owned(), entry)]))
}

/// The settings of the nearest `bundlelint.toml` from the document's folder upward, with the
/// profile and trust anchors it names read; a broken configuration is reported on the document.
fn settings_for(path: Option<&Path>) -> Result<Settings, String> {
    let found = path.and_then(Path::parent).and_then(|dir| config::discover(dir, &[]).0);
    let settings = match &found {
        Some(file) => config::load(file).map_err(|e| configuration_problem(file, &e.to_string()))?,
        None => Settings::default(),
    };
    let file = found.unwrap_or_else(|| PathBuf::from(config::FILE_NAME));
    settings.load_files().map_err(|e| configuration_problem(&file, &e))
}

fn configuration_problem(file: &Path, why: &str) -> String {
    format!("invalid configuration {}: {why}; the document is not checked", file.display())
}

/// Where a finding sits in the text: its span (a key), else its byte range when it is about this
/// file, else the start of the document.
fn finding_range(text: &str, name: &str, finding: &Finding) -> lsp_types::Range {
    let bytes = if let Some(span) = finding.span {
        Some((span.offset, span.length))
    } else if finding.path == name {
        finding.range.map(|r| (r.offset, r.size))
    } else {
        None
    };
    match bytes {
        Some((offset, length)) => {
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            text::range(text, start..start.saturating_add(usize::try_from(length).unwrap_or(0)))
        }
        None => lsp_types::Range::default(),
    }
}

fn diagnostic(range: lsp_types::Range, finding: &Finding) -> Diagnostic {
    let severity = match finding.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    };
    let mut message = finding.message.clone();
    if finding.source.is_some() {
        message.push_str(&format!("\nbuilt: {}", finding.path));
    }
    if let Some(help) = &finding.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let rule = finding.rule.to_string();
    let code_description = catalog::meta(&rule)
        .and_then(|m| format!("{RULES_URL}/{}/{}.md", m.family, m.id).parse::<Uri>().ok())
        .map(|href| CodeDescription { href });
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(rule)),
        code_description,
        source: Some("bundlelint".to_owned()),
        message,
        ..Diagnostic::default()
    }
}

/// Whether `position` lies in `range`, its end included (a cursor right after a key is on it).
fn contains(range: &lsp_types::Range, position: lsp_types::Position) -> bool {
    range.start <= position && position <= range.end
}

fn overlaps(a: &lsp_types::Range, b: &lsp_types::Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The pages of the rules whose findings lie under the cursor.
fn hover(document: &Document, position: lsp_types::Position) -> Option<Hover> {
    let mut rules: Vec<String> = Vec::new();
    let mut at = None;
    for (range, finding) in document.findings.iter().filter(|(r, _)| contains(r, position)) {
        let rule = finding.rule.to_string();
        if !rules.contains(&rule) {
            rules.push(rule);
        }
        at.get_or_insert(*range);
    }
    let pages: Vec<String> = rules.iter().filter_map(|r| catalog::meta(r)).map(|m| m.page()).collect();
    if pages.is_empty() {
        return None;
    }
    let contents = MarkupContent { kind: MarkupKind::Markdown, value: pages.join("\n\n---\n\n") };
    Some(Hover { contents: HoverContents::Markup(contents), range: at })
}

/// The one-edit fixes for the findings in `range`.
fn code_actions(uri: &Uri, document: &Document, range: lsp_types::Range) -> Vec<CodeActionOrCommand> {
    document
        .findings
        .iter()
        .filter(|(r, _)| overlaps(r, &range))
        .filter_map(|(r, finding)| {
            let (title, edit) = fix(&document.text, finding)?;
            let text_edit = TextEdit { range: text::range(&document.text, edit.range), new_text: edit.new_text };
            // lsp-types keys the changes by `Uri`, whose parsed form caches in a `Cell`; its hash
            // and equality are those of the text, which nothing here mutates.
            #[allow(clippy::mutable_key_type)]
            let changes = HashMap::from([(uri.clone(), vec![text_edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic(*r, finding)]),
                edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

/// The mechanical fix of `finding`, when there is one: its title and edit.
fn fix(text: &str, finding: &Finding) -> Option<(String, text::Edit)> {
    let span = finding.span?;
    let entry = text::entry_at(text, usize::try_from(span.offset).ok()?)?;
    if finding.rule == rule_id::ENT_NOT_AUTHORIZED_BY_PROFILE {
        let title = format!("Remove the entitlement `{}`", entry.key);
        return Some((title, text::remove_entry(text, &entry)));
    }
    if finding.rule == rule_id::ENT_VALUE_TYPE && entitlements::value_type(&entry.key) == Some(ValueType::Bool) {
        let edit = text::boolean_from_string(text, &entry)?;
        return Some((format!("Write `{}` as {}", entry.key, edit.new_text), edit));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn documents_are_named_by_their_uri() {
        let spaced = uri("file:///home/me/My%20App/App.entitlements");
        assert_eq!(file_path(&spaced), Some(PathBuf::from("/home/me/My App/App.entitlements")));
        assert_eq!(file_name(&spaced), "App.entitlements");
        assert!(is_judged(&spaced));
        assert!(is_judged(&uri("file:///p/Info.plist")) && is_judged(&uri("file:///p/dev.mobileprovision")));
        assert!(!is_judged(&uri("file:///p/main.swift")));
        assert_eq!(file_path(&uri("untitled:Untitled-1")), None);
    }

    #[test]
    fn a_string_boolean_is_found_and_fixed() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\t<key>com.apple.security.app-sandbox</key>\n\t<string>true</string>\n</dict>\n</plist>\n";
        let found = check_document(&uri("untitled:/App.entitlements"), text, &mut outputs::Outputs::default()).unwrap();
        let (range, finding) = found.iter().find(|(_, f)| f.rule == rule_id::ENT_VALUE_TYPE).expect("ent-value-type");
        assert_eq!(range.start, lsp_types::Position::new(3, 1));
        let (title, edit) = fix(text, finding).unwrap();
        assert_eq!(title, "Write `com.apple.security.app-sandbox` as <true/>");
        assert_eq!(&text[edit.range], "<string>true</string>");
    }
}
