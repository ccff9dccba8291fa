//! Positions of dictionary keys in XML property lists.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use serde::Serialize;

/// Where something is written in a text source: 1-based line and column (in bytes), and the
/// byte offset of its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub offset: u64,
    pub length: u64,
}

impl Span {
    /// Where byte `offset` of `text` sits (1-based line and column, as key spans count them), with
    /// no length: the place a parse problem points at.
    pub fn at(text: &[u8], offset: u64) -> Span {
        let before = &text[..usize::try_from(offset).unwrap_or(usize::MAX).min(text.len())];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len() - line_start + 1;
        Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset,
            length: 0,
        }
    }
}

/// Deepest nesting followed; deeper keys get no span (the value itself still parses or fails).
const MAX_DEPTH: usize = 128;

enum Container {
    Dict { current_key: Option<String> },
    Array { next_index: usize, current: Option<usize> },
}

/// Where the keys and the array items of an XML property list are written.
#[derive(Debug, Clone, Default)]
pub(super) struct Spans {
    /// Key path (`a/b/0/c`) → the span of its `<key>` element.
    pub keys: BTreeMap<String, Span>,
    /// Path of an array item (`a/0`) → the span of its element (`<string>…</string>`, `<true/>`,
    /// or the opening tag of a nested `<dict>` or `<array>`).
    pub items: BTreeMap<String, Span>,
}

/// The spans of every key and array item. Never fails: malformed XML simply ends the scan (the
/// value parser reports the error).
pub(super) fn spans(data: &[u8]) -> Spans {
    let lines = LineIndex::new(data);
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut stack: Vec<Container> = Vec::new();
    let mut spans = Spans::default();
    let mut key_start: Option<u64> = None;
    let mut key_text = String::new();
    // An array item whose element is open: its path and where it starts.
    let mut open_item: Option<(String, u64)> = None;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        match event {
            Event::Start(tag) => {
                let name = tag.name().as_ref().to_owned();
                if name == "key" {
                    key_start = Some(before);
                    key_text.clear();
                    continue;
                }
                let item = enter_value(&mut stack).then(|| path_of(&stack));
                if stack.len() >= MAX_DEPTH {
                    break;
                }
                match name.as_str() {
                    "dict" | "array" => {
                        if let Some(path) = item {
                            let end = reader.buffer_position();
                            spans.items.insert(path, lines.span(before, end.saturating_sub(before)));
                        }
                        stack.push(if name == "dict" {
                            Container::Dict { current_key: None }
                        } else {
                            Container::Array { next_index: 0, current: None }
                        });
                    }
                    _ => open_item = item.map(|path| (path, before)),
                }
            }
            // Every empty value (`<true/>`) counts in its array; one that is an array item gets a span.
            Event::Empty(tag) if tag.name().as_ref() != "key" && enter_value(&mut stack) => {
                let end = reader.buffer_position();
                spans.items.insert(path_of(&stack), lines.span(before, end.saturating_sub(before)));
            }
            Event::Text(text) if key_start.is_some() => key_text.push_str(&text),
            // References (`&amp;`, `&#38;`) arrive as events of their own, between the texts.
            Event::GeneralRef(reference) if key_start.is_some() => match reference.resolve_char_ref() {
                Ok(Some(c)) => key_text.push(c),
                _ => key_text.push_str(quick_xml::escape::resolve_xml_entity(&reference).unwrap_or_default()),
            },
            Event::End(tag) => match tag.name().as_ref() {
                "key" => {
                    if let (Some(start), Some(Container::Dict { current_key })) = (key_start.take(), stack.last_mut()) {
                        *current_key = Some(key_text.clone());
                        let path = path_of(&stack);
                        let end = reader.buffer_position();
                        spans.keys.insert(path, lines.span(start, end.saturating_sub(start)));
                    }
                }
                "dict" | "array" => {
                    stack.pop();
                }
                _ => {
                    if let Some((path, start)) = open_item.take() {
                        let end = reader.buffer_position();
                        spans.items.insert(path, lines.span(start, end.saturating_sub(start)));
                    }
                }
            },
            _ => {}
        }
    }
    spans
}

/// A value starts inside the innermost container: arrays count their items. True when the value
/// is an array item.
fn enter_value(stack: &mut [Container]) -> bool {
    if let Some(Container::Array { next_index, current }) = stack.last_mut() {
        *current = Some(*next_index);
        *next_index += 1;
        return true;
    }
    false
}

fn path_of(stack: &[Container]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(stack.len());
    for c in stack {
        match c {
            Container::Dict { current_key: Some(k) } => parts.push(k.clone()),
            Container::Array { current: Some(i), .. } => parts.push(i.to_string()),
            _ => {}
        }
    }
    parts.join("/")
}

/// Byte offset → line/column.
pub(super) struct LineIndex {
    starts: Vec<u64>,
}

impl LineIndex {
    pub(super) fn new(data: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(data.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i as u64 + 1));
        LineIndex { starts }
    }

    pub(super) fn span(&self, offset: u64, length: u64) -> Span {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let line_start = self.starts.get(line - 1).copied().unwrap_or(0);
        Span { line: line as u32, column: (offset - line_start) as u32 + 1, offset, length }
    }
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn a_byte_offset_becomes_line_and_column() {
        let text = b"<plist>\n\t<dict>\n\t\t<key>";
        let at = Span::at(text, 17);
        assert_eq!((at.line, at.column, at.offset, at.length), (3, 2, 17, 0));
        assert_eq!((Span::at(text, 0).line, Span::at(text, 0).column), (1, 1));
        assert_eq!(Span::at(text, 999).line, 3, "an offset past the end stays on the last line");
    }
}
