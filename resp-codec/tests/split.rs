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

/// One `decode_batch` call: its commands, and its error's text.
fn decode_batch(
    decoder: &mut RequestDecoder,
    buf: &mut BytesMut,
    one_only: bool,
) -> (Vec<Vec<Bytes>>, Option<String>) {
    let mut commands = resp_codec::Commands::default();
    let error = decoder
        .decode_batch(buf, &mut commands, one_only)
        .err()
        .map(|error| error.to_string());
    let commands = commands.iter().map(|argv| argv.to_vec()).collect();
    (commands, error)
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
        prop_assert_eq!(&got, &expect);
        let mut decoder = RequestDecoder::default();
        let batches = feed_in_pieces(&stream, &seeds, |buf| {
            let batch = decode_batch(&mut decoder, buf, false).0;
            (!batch.is_empty()).then_some(batch)
        });
        prop_assert_eq!(batches.concat(), expect);
    }

    #[test]
    fn batches_read_what_one_at_a_time_reads(
        commands in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..14), 1..5),
            1..8,
        ),
        flips in proptest::collection::vec((any::<bool>(), any::<usize>(), prop::sample::select(&b"0*$\r\n-x9 "[..])), 0..3),
        auth_required in any::<bool>(),
        one_only in any::<bool>(),
        max_bulk_len in 8usize..16,
        max_multibulk_len in 3usize..6,
    ) {
        // A valid pipeline with a few bytes changed or put in (a `0` after
        // a `$` is a leading zero), read under small
        // limits: commands before the damage, the same error (or the same
        // leftover) after it.
        let limits = Limits { max_bulk_len, max_multibulk_len, ..Limits::default() };
        let mut stream = BytesMut::new();
        for argv in &commands {
            encode_command(argv, &mut stream);
        }
        let mut stream = stream.to_vec();
        for (insert, at, byte) in flips {
            let at = at % stream.len();
            if insert {
                stream.insert(at, byte);
            } else {
                stream[at] = byte;
            }
        }
        let stream = BytesMut::from(&stream[..]);
        // The reference is fed a byte at a time: no command is ever whole
        // when its first bytes are looked at, so the fast path never
        // takes one and the general reader reads everything.
        let mut decoder = RequestDecoder::new(limits.clone());
        decoder.set_auth_required(auth_required);
        let mut buf = BytesMut::new();
        let mut single = Vec::new();
        let mut fed = 0;
        let single_error = 'feed: loop {
            if fed == stream.len() {
                break None;
            }
            buf.extend_from_slice(&stream[fed..fed + 1]);
            fed += 1;
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(argv)) => single.push(argv),
                    Ok(None) => break,
                    Err(error) => break 'feed Some(error.to_string()),
                }
                if one_only {
                    break 'feed None;
                }
            }
        };
        buf.extend_from_slice(&stream[fed..]);
        let mut decoder = RequestDecoder::new(limits);
        decoder.set_auth_required(auth_required);
        let mut batch_buf = stream.clone();
        let (batch, batch_error) = decode_batch(&mut decoder, &mut batch_buf, one_only);
        prop_assert_eq!(batch, single);
        prop_assert_eq!(batch_error, single_error.clone());
        if single_error.is_none() {
            prop_assert_eq!(batch_buf, buf);
        }
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
