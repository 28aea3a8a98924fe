//! FrameParser / parse_frame: every RESP2 and RESP3 type, the encoder's
//! output read back, malformed frames, limits, and resuming.

use bytes::{Bytes, BytesMut};
use resp_codec::{encode_frame, parse_frame, Frame, FrameParser, Limits, Protocol, ProtocolError};

fn parse(input: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
    parse_frame(&Bytes::copy_from_slice(input), &Limits::default())
}

fn whole(input: &[u8]) -> Frame {
    match parse(input) {
        Ok(Some((frame, used))) => {
            assert_eq!(
                used,
                input.len(),
                "length of {:?}",
                String::from_utf8_lossy(input)
            );
            frame
        }
        other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(input)),
    }
}

fn bulk(text: &str) -> Frame {
    Frame::Bulk(Bytes::copy_from_slice(text.as_bytes()))
}

fn simple(text: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(text.as_bytes()))
}

#[test]
fn every_type_parses() {
    assert_eq!(whole(b"+OK\r\n"), simple("OK"));
    assert_eq!(whole(b"-ERR no\r\n"), Frame::error("ERR no"));
    assert_eq!(whole(b"!7\r\nERR no!\r\n"), Frame::error("ERR no!"));
    assert_eq!(whole(b":-42\r\n"), Frame::Integer(-42));
    assert_eq!(whole(b"$3\r\na\r\n\r\n"), bulk("a\r\n"));
    assert_eq!(whole(b"$0\r\n\r\n"), bulk(""));
    assert_eq!(whole(b"$-1\r\n"), Frame::Null);
    assert_eq!(whole(b"*-1\r\n"), Frame::NullArray);
    assert_eq!(whole(b"_\r\n"), Frame::Null);
    assert_eq!(whole(b"*0\r\n"), Frame::Array(vec![]));
    assert_eq!(
        whole(b"*2\r\n:1\r\n*1\r\n+x\r\n"),
        Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![simple("x")])])
    );
    assert_eq!(
        whole(b"%2\r\n+a\r\n:1\r\n+b\r\n#f\r\n"),
        Frame::Map(vec![
            (simple("a"), Frame::Integer(1)),
            (simple("b"), Frame::Boolean(false))
        ])
    );
    assert_eq!(
        whole(b"~1\r\n#t\r\n"),
        Frame::Set(vec![Frame::Boolean(true)])
    );
    assert_eq!(
        whole(b">2\r\n+message\r\n$1\r\nx\r\n"),
        Frame::Push(vec![simple("message"), bulk("x")])
    );
    assert_eq!(whole(b",3.25\r\n"), Frame::Double(3.25));
    assert_eq!(whole(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
    assert_eq!(whole(b",inf\r\n"), Frame::Double(f64::INFINITY));
    assert!(matches!(whole(b",nan\r\n"), Frame::Double(d) if d.is_nan()));
    assert_eq!(whole(b",1e300\r\n"), Frame::Double(1e300));
    assert_eq!(
        whole(b"(-3492890328409238509324850943850943825024385\r\n"),
        Frame::BigNumber(Bytes::from_static(
            b"-3492890328409238509324850943850943825024385"
        ))
    );
    assert_eq!(
        whole(b"=15\r\ntxt:Some string\r\n"),
        Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from_static(b"Some string")
        }
    );
    assert_eq!(
        whole(b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n"),
        Frame::Attribute {
            attributes: vec![(
                simple("key-popularity"),
                Frame::Map(vec![(bulk("a"), Frame::Double(0.19))])
            )],
            data: Box::new(Frame::Array(vec![Frame::Integer(2)])),
        }
    );
}

#[test]
fn attributes_nest_inside_aggregates() {
    assert_eq!(
        whole(b"*2\r\n|0\r\n:1\r\n:2\r\n"),
        Frame::Array(vec![
            Frame::Attribute {
                attributes: vec![],
                data: Box::new(Frame::Integer(1))
            },
            Frame::Integer(2),
        ])
    );
}

#[test]
fn streamed_strings_and_aggregates() {
    assert_eq!(
        whole(b"$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n"),
        bulk("Hello word")
    );
    assert_eq!(
        whole(b"*?\r\n:1\r\n*?\r\n.\r\n.\r\n"),
        Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![])])
    );
    assert_eq!(
        whole(b"%?\r\n+a\r\n:1\r\n.\r\n"),
        Frame::Map(vec![(simple("a"), Frame::Integer(1))])
    );
    assert_eq!(
        parse(b".\r\n"),
        Err(ProtocolError::Invalid("stream end outside a stream"))
    );
    assert_eq!(
        parse(b";1\r\na\r\n"),
        Err(ProtocolError::Invalid("streamed string chunk"))
    );
    assert_eq!(
        parse(b"$?\r\n:1\r\n"),
        Err(ProtocolError::Invalid("streamed string chunk"))
    );
    assert_eq!(
        parse(b"*1\r\n.\r\n"),
        Err(ProtocolError::Invalid("stream end outside a stream"))
    );
}

#[test]
fn malformed_frames_are_errors() {
    use ProtocolError::*;
    for (input, error) in [
        (&b"@\r\n"[..], InvalidType(b'@')),
        (b":12a\r\n", Invalid("integer")),
        (b":\r\n", Invalid("integer")),
        (b"#x\r\n", Invalid("boolean")),
        (b",abc\r\n", Invalid("double")),
        (b",\r\n", Invalid("double")),
        (b"(12x\r\n", Invalid("big number")),
        (b"$-2\r\n", InvalidBulkLength),
        (b"$x\r\n", InvalidBulkLength),
        (b"$3\r\nabcde", Invalid("bulk string terminator")),
        (b"*-2\r\n", InvalidMultibulkLength),
        (b"%-1\r\n", InvalidMultibulkLength),
        (b"=2\r\nab\r\n", Invalid("verbatim string")),
        (b"=5\r\ntxt-a\r\n", Invalid("verbatim string")),
        (b"_x\r\n", InvalidType(b'_')),
    ] {
        assert_eq!(
            parse(input),
            Err(error),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn incomplete_frames_ask_for_more() {
    for input in [
        &b""[..],
        b"+OK",
        b"+OK\r",
        b"$5\r\nhel",
        b"$5\r\nhello\r",
        b"*2\r\n:1\r\n",
        b"%1\r\n+a\r\n",
        b"|1\r\n+a\r\n+b\r\n",
        b"*?\r\n:1\r\n",
        b"$?\r\n;1\r\na\r\n",
    ] {
        assert_eq!(
            parse(input),
            Ok(None),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn limits_apply_before_allocating() {
    let limits = Limits {
        max_bulk_len: 4,
        max_multibulk_len: 3,
        max_inline_len: 8,
        max_depth: 2,
    };
    let check = |input: &[u8]| parse_frame(&Bytes::copy_from_slice(input), &limits);
    assert_eq!(check(b"$5\r\n"), Err(ProtocolError::InvalidBulkLength));
    assert_eq!(check(b"!5\r\n"), Err(ProtocolError::InvalidBulkLength));
    assert_eq!(check(b"*4\r\n"), Err(ProtocolError::InvalidMultibulkLength));
    assert_eq!(check(b"+123456789"), Err(ProtocolError::LineTooLong));
    assert_eq!(check(b"*1\r\n*1\r\n*1\r\n"), Err(ProtocolError::TooDeep));
    assert!(matches!(check(b"*1\r\n*1\r\n:1\r\n"), Ok(Some(_))));
    // Defaults: a 4 GB bulk or a 2^40-element array is refused at once.
    assert_eq!(
        parse(b"$4294967296\r\n"),
        Err(ProtocolError::InvalidBulkLength)
    );
    assert_eq!(
        parse(b"*1099511627776\r\n"),
        Err(ProtocolError::InvalidMultibulkLength)
    );
    assert_eq!(
        parse(b"%9223372036854775807\r\n"),
        Err(ProtocolError::InvalidMultibulkLength)
    );
}

#[test]
fn decoder_resumes_and_consumes_only_whole_frames() {
    let mut encoded = BytesMut::new();
    let frames = vec![
        Frame::Array((0..100).map(|i| bulk(&format!("element-{i}"))).collect()),
        bulk(&"x".repeat(10_000)),
        Frame::Integer(7),
    ];
    for frame in &frames {
        encode_frame(frame, Protocol::Resp3, &mut encoded);
    }
    let mut parser = FrameParser::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for chunk in encoded.chunks(7) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = parser.decode(&mut buf).unwrap() {
            got.push(frame);
        }
    }
    assert_eq!(got, frames);
    assert!(buf.is_empty());
}

#[test]
fn payloads_share_the_input() {
    let input = Bytes::from_static(b"*2\r\n$5\r\nhello\r\n+world\r\n");
    let (frame, _) = parse_frame(&input, &Limits::default()).unwrap().unwrap();
    let Frame::Array(items) = frame else {
        panic!("not an array")
    };
    let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
    for item in items {
        let payload = item.as_bytes().unwrap().clone();
        assert!(
            range.contains(&(payload.as_ptr() as usize)),
            "payload was copied"
        );
    }
}

#[test]
fn encoder_output_reads_back_in_both_protocols() {
    let frames = [
        simple("OK"),
        Frame::error("ERR x"),
        Frame::Integer(i64::MIN),
        bulk("bin\0\r\n"),
        Frame::Null,
        Frame::Array(vec![Frame::Null, bulk("a")]),
    ];
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        for frame in &frames {
            let mut buf = BytesMut::new();
            encode_frame(frame, protocol, &mut buf);
            assert_eq!(&whole(&buf), frame, "{protocol:?}");
        }
    }
    // RESP2 downgrades: what a RESP2 client reads.
    let mut buf = BytesMut::new();
    encode_frame(
        &Frame::Map(vec![(bulk("a"), Frame::Double(1.5))]),
        Protocol::Resp2,
        &mut buf,
    );
    assert_eq!(whole(&buf), Frame::Array(vec![bulk("a"), bulk("1.5")]));
    let mut buf = BytesMut::new();
    encode_frame(&Frame::NullArray, Protocol::Resp2, &mut buf);
    assert_eq!(&buf[..], b"*-1\r\n");
    assert_eq!(whole(&buf), Frame::NullArray);
}

#[test]
fn a_wrong_terminator_is_an_error_as_soon_as_it_arrives() {
    // Found by the fuzzer: waiting for the whole two-byte terminator hid a
    // wrong first byte until one more byte came, which may be never.
    let mut parser = FrameParser::new(Limits::default());
    let mut buf = BytesMut::from(&b"$4\r\n+2pp"[..]);
    assert_eq!(parser.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"\r");
    assert_eq!(parser.decode(&mut buf), Ok(None));
    let mut buf = BytesMut::from(&b"$4\r\n+2pp"[..]);
    let mut parser = FrameParser::new(Limits::default());
    assert_eq!(parser.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"p");
    assert_eq!(
        parser.decode(&mut buf),
        Err(ProtocolError::Invalid("bulk string terminator"))
    );
}
