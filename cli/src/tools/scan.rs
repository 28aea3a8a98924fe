//! `--scan [--pattern P]`: every key, one a line, through SCAN (so the
//! server is never blocked); quoted on a terminal, raw otherwise. `-i`
//! pauses between pages.

use std::io::Write;

use crate::args::Settings;
use crate::format::repr::quote_into;
use crate::format::OutputMode;

use super::{connect, scan_page, ToolError};

pub async fn run(settings: &Settings, pattern: Option<&[u8]>) -> Result<(), ToolError> {
    let mut connection = connect(settings).await?;
    let mut cursor = b"0".to_vec();
    loop {
        let (next, keys) = scan_page(&mut connection, &cursor, pattern).await?;
        let mut out = Vec::new();
        for key in keys {
            if settings.output.mode == OutputMode::Standard {
                quote_into(&mut out, &key);
            } else {
                out.extend_from_slice(&key);
            }
            out.push(b'\n');
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(&out)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return Ok(()); // stdout closed (`| head`): nothing more is wanted
        }
        if next == b"0" {
            return Ok(());
        }
        cursor = next;
        if let Some(interval) = settings.interval {
            tokio::time::sleep(interval).await;
        }
    }
}
