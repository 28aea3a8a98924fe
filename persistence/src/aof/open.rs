//! Opening the AOF at start: the manifest's files, or new ones as Redis
//! creates them on a first start with `appendonly yes` (a base of the
//! current data, an empty incremental file, the manifest), plus an
//! incremental file when the manifest has none (after an upgrade of a
//! pre-7.0 AOF). Leftovers of a rewrite a crash cut short are removed.

use super::actor::OpenAof;
use super::base::{write_base, BaseError, BaseFormat};
use super::layout::AofLayout;
use super::manifest::Manifest;
use crate::durability::StartError;
use crate::io;
use crate::snapshot::{self, EngineAccess};
use crate::storage::Storage;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Finds the AOF the manifest names, or creates one as Redis does on a
/// first start with `appendonly yes`: a base from the current data (empty
/// after a start with nothing to load), an empty incremental file and the
/// manifest. A manifest without an incremental file gets one.
pub(crate) async fn open_aof(
    storage: &Arc<dyn Storage>,
    layout: &AofLayout,
    engine: &Arc<dyn EngineAccess>,
    base_format: &BaseFormat,
) -> Result<OpenAof, StartError> {
    let probe = layout.clone();
    let manifest = io::run(storage, move |s| Ok(probe.read_manifest(s))).await??;
    let mut manifest = match manifest {
        Some(manifest) => manifest,
        None => create_aof(storage, layout, engine, base_format).await?,
    };
    if manifest.incrs.is_empty() {
        let info = layout.incr_info(manifest.last_incr_seq() + 1);
        tracing::info!("Creating AOF incr file {} on server start", info.name);
        let (l, path) = (layout.clone(), layout.path(&info.name));
        let mut next = manifest.clone();
        next.incrs.push(info);
        let written = next.clone();
        io::run(storage, move |s| {
            s.create(&path)?.sync()?;
            l.write_manifest(s, &written)
        })
        .await?;
        manifest = next;
    }
    let paths: Vec<_> = manifest
        .load_order()
        .map(|f| layout.path(&f.name))
        .collect();
    let last = layout.path(&manifest.incrs.last().expect("an incr file").name);
    let (l, m) = (layout.clone(), manifest.clone());
    let (incr, incr_len, total_len) = io::run(storage, move |s| {
        // Leftovers of a rewrite a crash cut short; the manifest just read
        // is the durable one.
        if let Err(error) = l.collect_garbage(s, &m) {
            tracing::warn!("removing old AOF files: {error}");
        }
        let mut total = 0;
        for path in &paths {
            total += s.len(path)?;
        }
        let incr_len = s.len(&last)?;
        Ok((s.open_append(&last)?, incr_len, total))
    })
    .await?;
    Ok(OpenAof {
        manifest,
        incr: Some(incr),
        incr_len,
        total_len,
    })
}

async fn create_aof(
    storage: &Arc<dyn Storage>,
    layout: &AofLayout,
    engine: &Arc<dyn EngineAccess>,
    base_format: &BaseFormat,
) -> Result<Manifest, StartError> {
    let source = engine.clone();
    let begun = io::blocking(storage.is_inline(), move || snapshot::begin(&*source))
        .await?
        .map_err(|e| StartError::Base(e.to_string()))?;
    let engine = engine.clone();
    let base = layout.base_info(1, base_format.is_rdb());
    let format = base_format.clone();
    let incr = layout.incr_info(1);
    tracing::info!("Creating AOF base file {} on server start", base.name);
    tracing::info!("Creating AOF incr file {} on server start", incr.name);
    let manifest = Manifest {
        base: Some(base.clone()),
        history: Vec::new(),
        incrs: vec![incr.clone()],
    };
    let (l, m) = (layout.clone(), manifest.clone());
    io::run(storage, move |s| {
        s.create_dir_all(l.dir())?;
        let file = s
            .create(&l.path(&base.name))
            .inspect_err(|_| snapshot::cancel(&*engine, &begun))?;
        let never = AtomicBool::new(false);
        write_base(&*file, &*engine, &begun, &format, &never).map_err(|e| match e {
            BaseError::Storage(e) => e,
            BaseError::Cancelled => unreachable!("never cancelled"),
        })?;
        s.create(&l.path(&incr.name))?.sync()?;
        l.write_manifest(s, &m)
    })
    .await?;
    Ok(manifest)
}
