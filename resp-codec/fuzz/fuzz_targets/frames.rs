//! Any bytes into the frame parser: it never panics, feeding them in two
//! pieces gives the same frames as feeding them whole, and every frame
//! read re-encodes (RESP3) into bytes that read back as the same frame.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use resp_codec::{encode_frame, Frame, FrameParser, Limits, Protocol};

fn decode(pieces: &[&[u8]]) -> (Vec<Frame>, bool) {
    let mut parser = FrameParser::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match parser.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    (frames, false)
}

/// NaN is not equal to itself; compare through the encoding instead.
fn encoded(frames: &[Frame]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    for frame in frames {
        encode_frame(frame, Protocol::Resp3, &mut buf);
    }
    buf.to_vec()
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else { return };
    let cut = usize::from(cut).min(data.len());
    let (whole, whole_failed) = decode(&[data]);
    let (split, split_failed) = decode(&[&data[..cut], &data[cut..]]);
    assert_eq!(encoded(&whole), encoded(&split));
    assert_eq!(whole_failed, split_failed);
    let bytes = encoded(&whole);
    let (again, failed) = decode(&[&bytes]);
    assert!(!failed);
    assert_eq!(encoded(&again), bytes);
});
