//! The streaming property: any valid stream, cut into pieces at arbitrary
//! byte boundaries and fed piece by piece, yields exactly the frames (or
//! commands) the whole stream yields, and a round trip through the encoder
//! is the identity.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use resp_codec::{
    encode_command, encode_frame, Frame, FrameParser, Limits, Protocol, RequestDecoder,
};

fn line_text() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..12,
    )
    .prop_map(Bytes::from)
}

fn binary() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 0..3000),
    ]
    .prop_map(Bytes::from)
}

/// Any RESP3 frame the encoder writes and the parser reads back unchanged
/// (NaN is not equal to itself, and RESP3 has one null).
fn frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        line_text().prop_map(Frame::Simple),
        line_text().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        binary().prop_map(Frame::Bulk),
        Just(Frame::Null),
        any::<f64>()
            .prop_filter("not NaN", |d| !d.is_nan())
            .prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        "-?[1-9][0-9]{0,40}".prop_map(|digits| Frame::BigNumber(Bytes::from(digits))),
        (prop_oneof![Just(*b"txt"), Just(*b"mkd")], binary())
            .prop_map(|(format, text)| Frame::Verbatim { format, text }),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let items = proptest::collection::vec(inner.clone(), 0..8);
        let pairs = proptest::collection::vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            items.clone().prop_map(Frame::Array),
            items.clone().prop_map(Frame::Set),
            items.prop_map(Frame::Push),
            pairs.clone().prop_map(Frame::Map),
            (pairs, inner).prop_map(|(attributes, data)| Frame::Attribute {
                attributes,
                data: Box::new(data)
            }),
        ]
    })
}

/// Feeds `stream` to `decode` in pieces cut at offsets chosen by `seeds`,
/// collecting everything decoded; the buffer must end empty.
fn feed_in_pieces<T>(
    stream: &[u8],
    seeds: &[usize],
    mut decode: impl FnMut(&mut BytesMut) -> Option<T>,
) -> Vec<T> {
    let mut cuts: Vec<usize> = seeds.iter().map(|s| s % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(stream.len());
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    let mut from = 0;
    for to in cuts {
        buf.extend_from_slice(&stream[from..to]);
        from = to;
        while let Some(item) = decode(&mut buf) {
            got.push(item);
        }
    }
    assert!(buf.is_empty(), "{} bytes left undecoded", buf.len());
    got
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn frames_split_anywhere_read_the_same(
        frames in proptest::collection::vec(frame(), 1..6),
        seeds in proptest::collection::vec(any::<usize>(), 0..24),
    ) {
        let mut stream = BytesMut::new();
        for frame in &frames {
            encode_frame(frame, Protocol::Resp3, &mut stream);
        }
        let mut parser = FrameParser::new(Limits::default());
        let got = feed_in_pieces(&stream, &seeds, |buf| parser.decode(buf).unwrap());
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn commands_split_anywhere_read_the_same(
        commands in proptest::collection::vec(proptest::collection::vec(binary(), 1..6), 1..8),
        inline in proptest::collection::vec(any::<bool>(), 8),
        seeds in proptest::collection::vec(any::<usize>(), 0..24),
    ) {
        // Some commands as inline lines, when their words allow it.
        let mut stream = BytesMut::new();
        let mut expect = Vec::new();
        for (i, argv) in commands.iter().enumerate() {
            let plain = |a: &Bytes| !a.is_empty() && a.iter().all(|b| b.is_ascii_alphanumeric());
            if inline[i] && argv.iter().all(plain) && argv[0][0] != b'*' {
                let words: Vec<&[u8]> = argv.iter().map(|a| &a[..]).collect();
                stream.extend_from_slice(&words.join(&b' '));
                stream.extend_from_slice(b"\r\n");
            } else {
                encode_command(argv, &mut stream);
            }
            expect.push(argv.clone());
        }
        let mut decoder = RequestDecoder::default();
        let got = feed_in_pieces(&stream, &seeds, |buf| decoder.decode(buf).unwrap());
        prop_assert_eq!(got, expect);
    }

    #[test]
    fn garbage_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        // Whatever comes back, only whole commands are consumed: the bytes
        // left plus the bytes of the commands read never exceed the input.
        let mut buf = BytesMut::from(&input[..]);
        let mut decoder = RequestDecoder::default();
        while let Ok(Some(argv)) = decoder.decode(&mut buf) {
            prop_assert!(!argv.is_empty());
            prop_assert!(buf.len() < input.len());
        }
        let mut buf = BytesMut::from(&input[..]);
        let mut parser = FrameParser::new(Limits::default());
        let mut left = input.len();
        while let Ok(Some(_)) = parser.decode(&mut buf) {
            prop_assert!(buf.len() < left, "a frame consumed nothing");
            left = buf.len();
        }
    }
}
