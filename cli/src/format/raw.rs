//! `--raw` output (the default when stdout is not a terminal): payloads as
//! they are, no quotes or type labels, aggregate elements separated by the
//! `-d` delimiter, map entries as `key value`.

use resp_codec::Frame;

use resp_codec::encode::format_double as double_text;

/// The reply's text, without the `-D` delimiter that ends it.
pub fn format(frame: &Frame, bulk_delimiter: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, frame, bulk_delimiter);
    out
}

fn write_frame(out: &mut Vec<u8>, frame: &Frame, delimiter: &[u8]) {
    match frame {
        Frame::Null | Frame::NullArray => {}
        Frame::Error(text) => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Frame::Simple(bytes) | Frame::Bulk(bytes) | Frame::BigNumber(bytes) => {
            out.extend_from_slice(bytes)
        }
        Frame::Verbatim { text, .. } => out.extend_from_slice(text),
        Frame::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Frame::Double(d) => out.extend_from_slice(double_text(*d).as_bytes()),
        Frame::Boolean(true) => out.extend_from_slice(b"(true)"),
        Frame::Boolean(false) => out.extend_from_slice(b"(false)"),
        Frame::Attribute { data, .. } => write_frame(out, data, delimiter),
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(delimiter);
                }
                write_frame(out, item, delimiter);
            }
        }
        Frame::Map(pairs) => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(delimiter);
                }
                write_frame(out, key, delimiter);
                out.push(b' ');
                write_frame(out, value, delimiter);
            }
        }
    }
}
