//! Any bytes into the request decoder: it never panics, and feeding them
//! in two pieces (cut where the first byte says) gives the same commands
//! and the same error as feeding them whole, one command at a time or as
//! one batch (`decode_batch`, the server's way).
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use resp_codec::RequestDecoder;

fn decode(pieces: &[&[u8]]) -> (Vec<Vec<bytes::Bytes>>, Option<String>) {
    let mut decoder = RequestDecoder::default();
    let mut buf = BytesMut::new();
    let mut commands = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(argv)) => commands.push(argv),
                Ok(None) => break,
                Err(error) => return (commands, Some(error.to_string())),
            }
        }
    }
    (commands, None)
}

/// All of `data` through `decode_batch` in one call: the commands, and
/// the error.
fn decode_batch(data: &[u8]) -> (Vec<Vec<bytes::Bytes>>, Option<String>) {
    let mut decoder = RequestDecoder::default();
    let mut buf = BytesMut::from(data);
    let mut commands = resp_codec::Commands::default();
    let error = decoder.decode_batch(&mut buf, &mut commands, false).err();
    let commands = commands.iter().map(|argv| argv.to_vec()).collect();
    (commands, error.map(|error| error.to_string()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else { return };
    let cut = usize::from(cut).min(data.len());
    let whole = decode(&[data]);
    let split = decode(&[&data[..cut], &data[cut..]]);
    assert_eq!(whole, split);
    assert_eq!(decode_batch(data), whole);
});
