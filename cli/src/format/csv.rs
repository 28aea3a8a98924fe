//! `--csv` output: one line per reply, elements of aggregates (nested ones
//! flattened) separated by commas, strings quoted as redis-cli quotes them.

use resp_codec::Frame;

use super::repr::quote_into;
use resp_codec::encode::format_double as double_text;

/// The reply's line, without its final newline.
pub fn format(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, frame);
    out
}

fn write_frame(out: &mut Vec<u8>, frame: &Frame) {
    match frame {
        Frame::Error(text) => {
            out.extend_from_slice(b"ERROR,");
            quote_into(out, text);
        }
        Frame::Simple(bytes) | Frame::Bulk(bytes) => quote_into(out, bytes),
        Frame::Verbatim { text, .. } => quote_into(out, text),
        Frame::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Frame::Double(d) => out.extend_from_slice(double_text(*d).as_bytes()),
        Frame::BigNumber(digits) => out.extend_from_slice(digits),
        Frame::Null | Frame::NullArray => out.extend_from_slice(b"NULL"),
        Frame::Boolean(true) => out.extend_from_slice(b"true"),
        Frame::Boolean(false) => out.extend_from_slice(b"false"),
        Frame::Attribute { data, .. } => write_frame(out, data),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_frame(out, item);
            }
        }
        Frame::Map(pairs) => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_frame(out, key);
                out.push(b',');
                write_frame(out, value);
            }
        }
    }
}
