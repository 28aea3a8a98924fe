//! The human format redis-cli prints on a terminal (and with `--no-raw`):
//! `(integer) 1`, quoted bulk strings, `(nil)`, `(error) ...`, and
//! aggregates numbered `1)` (arrays, pushes), `1~` (sets) and `1#` (maps,
//! shown `key => value`), nested ones indented under their number.

use resp_codec::Frame;

use super::repr::quote_into;
use resp_codec::encode::format_double as double_text;

/// The reply as text, ending in a newline.
pub fn format(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, frame, "");
    out
}

/// Writes `frame`; `prefix` is the indentation of every line after the
/// first (the first continues the line the caller started).
fn write_frame(out: &mut Vec<u8>, frame: &Frame, prefix: &str) {
    match frame {
        Frame::Error(text) => line(out, b"(error) ", text),
        Frame::Simple(text) => line(out, b"", text),
        Frame::Integer(n) => line(out, b"(integer) ", n.to_string().as_bytes()),
        Frame::Double(d) => line(out, b"(double) ", double_text(*d).as_bytes()),
        Frame::BigNumber(digits) => line(out, b"(big number) ", digits),
        Frame::Bulk(bytes) => {
            quote_into(out, bytes);
            out.push(b'\n');
        }
        // Verbatim strings are meant to be shown as they are.
        Frame::Verbatim { text, .. } => line(out, b"", text),
        Frame::Null | Frame::NullArray => out.extend_from_slice(b"(nil)\n"),
        Frame::Boolean(true) => out.extend_from_slice(b"(true)\n"),
        Frame::Boolean(false) => out.extend_from_slice(b"(false)\n"),
        // Attributes are metadata about the reply; show the reply itself.
        Frame::Attribute { data, .. } => write_frame(out, data, prefix),
        Frame::Array(items) => write_sequence(out, items, ')', "(empty array)", prefix),
        Frame::Push(items) => write_sequence(out, items, ')', "(empty push)", prefix),
        Frame::Set(items) => write_sequence(out, items, '~', "(empty set)", prefix),
        Frame::Map(pairs) => write_map(out, pairs, prefix),
    }
}

fn line(out: &mut Vec<u8>, label: &[u8], text: &[u8]) {
    out.extend_from_slice(label);
    out.extend_from_slice(text);
    out.push(b'\n');
}

fn write_sequence(out: &mut Vec<u8>, items: &[Frame], mark: char, empty: &str, prefix: &str) {
    if items.is_empty() {
        return line(out, b"", empty.as_bytes());
    }
    let numbering = Numbering::new(items.len(), mark, prefix);
    for (i, item) in items.iter().enumerate() {
        numbering.write_index(out, i);
        write_frame(out, item, &numbering.child_prefix);
    }
}

fn write_map(out: &mut Vec<u8>, pairs: &[(Frame, Frame)], prefix: &str) {
    if pairs.is_empty() {
        return line(out, b"", b"(empty hash)");
    }
    let numbering = Numbering::new(pairs.len(), '#', prefix);
    for (i, (key, value)) in pairs.iter().enumerate() {
        numbering.write_index(out, i);
        write_frame(out, key, &numbering.child_prefix);
        let newline = out.pop();
        debug_assert_eq!(newline, Some(b'\n'), "every formatted frame ends a line");
        out.extend_from_slice(b" => ");
        let mut value_text = Vec::new();
        write_frame(&mut value_text, value, &numbering.child_prefix);
        // An aggregate value spanning several lines starts on its own line,
        // aligned with the lines that follow it.
        if is_aggregate(value) && spans_lines(&value_text) {
            out.push(b'\n');
            out.extend_from_slice(numbering.child_prefix.as_bytes());
        }
        out.extend_from_slice(&value_text);
    }
}

/// How the elements of one aggregate are numbered: indexes right-aligned to
/// the width of the largest, nested lines indented past the index.
struct Numbering<'a> {
    width: usize,
    mark: char,
    prefix: &'a str,
    child_prefix: String,
}

impl<'a> Numbering<'a> {
    fn new(len: usize, mark: char, prefix: &'a str) -> Self {
        let width = len.to_string().len();
        let child_prefix = format!("{prefix}{}", " ".repeat(width + 2));
        Numbering {
            width,
            mark,
            prefix,
            child_prefix,
        }
    }

    /// The first element continues the caller's line, which already holds
    /// the indentation (or the parent's index).
    fn write_index(&self, out: &mut Vec<u8>, i: usize) {
        let indent = if i == 0 { "" } else { self.prefix };
        let text = format!(
            "{indent}{:>width$}{} ",
            i + 1,
            self.mark,
            width = self.width
        );
        out.extend_from_slice(text.as_bytes());
    }
}

fn is_aggregate(frame: &Frame) -> bool {
    match frame {
        Frame::Array(_) | Frame::Push(_) | Frame::Set(_) | Frame::Map(_) => true,
        Frame::Attribute { data, .. } => is_aggregate(data),
        _ => false,
    }
}

/// True when `text` has a line break before its final one.
fn spans_lines(text: &[u8]) -> bool {
    text[..text.len().saturating_sub(1)].contains(&b'\n')
}
