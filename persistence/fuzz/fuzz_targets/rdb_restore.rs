//! Any bytes into RESTORE's payload check and decoder (an odd first byte
//! gives the rest a valid footer, so the fuzzer reaches the decoder): it
//! never panics, and whatever restores dumps and restores to the same value.
#![no_main]

use kv_engine::EngineConfig;
use libfuzzer_sys::fuzz_target;
use persistence::rdb::{self, crc64};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut payload = rest.to_vec();
    if mode & 1 == 1 {
        payload.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64::checksum(&payload);
        payload.extend_from_slice(&crc.to_le_bytes());
    }
    let config = EngineConfig::default();
    let Ok(value) = rdb::restore_value(&payload, &config) else {
        return;
    };
    let again =
        rdb::restore_value(&rdb::dump_value(&value), &config).expect("our payload restores");
    assert_eq!(again, value);
});
