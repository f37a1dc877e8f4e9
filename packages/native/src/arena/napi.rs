//! The arena's napi bindings: create, alias, free, copy and zap regions named by IOVAs.

use super::Mapping;
use crate::error::{err, Errno};
use crate::napi_util::{external, u64_arg};
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;

/// The JS object for a freshly registered region. If it cannot be built (napi refuses the
/// ArrayBuffer) the region is unregistered again, so a failed call leaves nothing behind.
fn region_object<'e>(env: &'e Env, m: Arc<Mapping>, what: &str) -> napi::Result<Object<'e>> {
    let id = m.id;
    let len = m.len;
    region_fields(env, m).map_err(|e| {
        let _ = super::free(id);
        err(
            Errno::ENOMEM,
            format!("{what}: cannot hand a {len}-byte region to JS: {}", e.reason),
        )
        .into()
    })
}

fn region_fields<'e>(env: &'e Env, m: Arc<Mapping>) -> napi::Result<Object<'e>> {
    let mut o = Object::new(env)?;
    o.set("id", m.id)?;
    o.set("iova", super::iova_of(m.id) as f64)?;
    o.set("size", m.len as f64)?;
    o.set("aliasOf", m.alias_of)?;
    let (p, l) = (m.ptr, m.len);
    // SAFETY: p..p+l is the whole mapping `m`, which the ArrayBuffer's finalizer keeps; a region
    // is handed to JS exactly once, here, right after it was created.
    o.set("buffer", unsafe { external(env, p, l, m) }?)?;
    Ok(o)
}

/// Create an arena region of `size` bytes (a positive multiple of 4096): memfd-backed,
/// MAP_SHARED, zero-filled. Returns `{ id, iova, size, aliasOf, buffer }`; `buffer` is the only
/// ArrayBuffer over this memory. EINVAL for a bad size, ENOMEM/ENOSPC when the kernel refuses.
#[napi]
pub fn arena_create<'e>(env: &'e Env, size: f64, hugepage: Option<bool>) -> napi::Result<Object<'e>> {
    let m = super::create(u64_arg(size, "arenaCreate(size)")? as usize, hugepage.unwrap_or(false))?;
    region_object(env, m, "arenaCreate")
}

/// Map region `id`'s memfd again at new addresses (same pages). Returns a new region object.
#[napi]
pub fn arena_alias<'e>(env: &'e Env, id: u32) -> napi::Result<Object<'e>> {
    region_object(env, super::alias(id)?, "arenaAlias")
}

/// Map `len` bytes of region `id` from byte `offset` a second time (same pages): a view of a
/// slice. Returns a new region object (`aliasOf` = `id`). ENOENT for no such region, EINVAL for
/// a slice that is empty, not page-aligned or leaves the region.
#[napi]
pub fn arena_alias_range<'e>(env: &'e Env, id: u32, offset: f64, len: f64) -> napi::Result<Object<'e>> {
    let off = u64_arg(offset, "arenaAliasRange(offset)")? as usize;
    let len = u64_arg(len, "arenaAliasRange(len)")? as usize;
    region_object(env, super::alias_range(id, off, len)?, "arenaAliasRange")
}

/// Unregister region `id`: later IO naming it fails with EFAULT. The memory is unmapped once
/// its ArrayBuffer is collected and no ring holds it. ENOENT if there is no such region.
#[napi]
pub fn arena_free(id: u32) -> napi::Result<()> {
    Ok(super::free(id)?)
}

/// Number of arena regions currently registered (for leak checks).
#[napi]
pub fn arena_live_regions() -> u32 {
    super::live() as u32
}

/// Copy `len` bytes between arena IOVAs inside the native layer (memmove semantics). EFAULT if
/// either range leaves its region.
#[napi]
pub fn arena_copy(dst: f64, src: f64, len: f64) -> napi::Result<()> {
    let len = u64_arg(len, "arenaCopy(len)")?;
    let d = super::translate(u64_arg(dst, "arenaCopy(dst)")?, len, "arenaCopy(dst)")?;
    let s = super::translate(u64_arg(src, "arenaCopy(src)")?, len, "arenaCopy(src)")?;
    // SAFETY: `d` and `s` are each `len` bytes inside a live mapping that they keep mapped until
    // the end of this function; ptr::copy allows the two ranges to overlap (memmove).
    unsafe { std::ptr::copy(s.ptr(), d.ptr(), s.len()) };
    Ok(())
}

/// Drop the page-table entries of a page-aligned arena range (MADV_DONTNEED): the memfd keeps the
/// data and the next access faults again. EINVAL unaligned, EFAULT outside every region.
#[napi]
pub fn arena_zap_range(iova: f64, len: f64) -> napi::Result<()> {
    Ok(super::zap_range(
        u64_arg(iova, "arenaZapRange(iova)")?,
        u64_arg(len, "arenaZapRange(len)")?,
    )?)
}
