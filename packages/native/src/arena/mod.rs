//! The memory arena: memfd-backed MAP_SHARED regions, and the IOVA space that names them.
//!
//! JS never sees a raw pointer. Byte `off` of region `id` has the IOVA `id << IOVA_SHIFT | off`;
//! every (IOVA, len) that crosses into Rust is translated by [`translate`], which bounds-checks it
//! against the live region table. A region's memory stays mapped while anything holds its
//! `Arc<Mapping>`: the registry, the JS ArrayBuffer's finalizer, or an SQE in flight on a ring.
//! A translation is a [`Held`]: the host pointer and the mapping it points into, in one value, so
//! a pointer cannot be used after the hold that keeps its memory mapped was dropped.
//!
//! Region ids are never reused within a process: ids count up from 1, so an IOVA of a freed region
//! names no live region ever again and translates to EFAULT. An IOVA must stay a safe JS integer
//! (< 2^53), which with 32 offset bits leaves 21 id bits: [`MAX_REGION_ID`] regions per process
//! (ENOSPC after that), each at most [`MAX_REGION_SIZE`] (4 GiB, also the largest ArrayBuffer napi
//! hands out).

use crate::error::{err, last_os, Errno, Result};
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

pub const IOVA_SHIFT: u32 = 32;
/// Largest id ever handed out: `MAX_REGION_ID << IOVA_SHIFT | off` stays below 2^53.
pub const MAX_REGION_ID: u32 = (1 << (53 - IOVA_SHIFT)) - 1;
/// Regions registered at once.
pub const MAX_LIVE_REGIONS: usize = 4095;
pub const MAX_REGION_SIZE: usize = 1 << IOVA_SHIFT;
pub const PAGE_SIZE: usize = 4096;

pub mod napi;

/// One mmap of (part of) a memfd.
/// The memfd is closed as soon as it is mapped (the mapping keeps the pages alive), so a
/// region never holds a file descriptor; aliases are made with mremap(old_size = 0).
pub struct Mapping {
    pub id: u32,
    pub ptr: *mut u8,
    pub len: usize,
    /// Id of the region this one aliases (same pages), or 0.
    pub alias_of: u32,
}

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Regions still registered (not yet arenaFree'd).
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

// SAFETY: a Mapping owns its pages (nothing else unmaps them) and has no thread affinity; the
// pointer is only dereferenced through bounds-checked translation, and races on the bytes
// themselves (JS, the kernel, native copies) are the callers' business, as for any shared memory.
unsafe impl Send for Mapping {}
// SAFETY: as for Send: `&Mapping` only exposes the immutable fields; the bytes are shared memory.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len came from a successful mmap (or mremap) owned by this Mapping alone; it
        // is being dropped, so no Arc or Held refers to it and no translated pointer is in use.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// A bounds-checked arena range: `len` bytes at host address `ptr`, inside `map`, which this value
/// keeps mapped. Use the pointer only while the `Held` it came from is alive.
#[derive(Clone)]
pub struct Held {
    ptr: *mut u8,
    len: usize,
    map: Arc<Mapping>,
}

// SAFETY: a Held is an Arc<Mapping> (Send + Sync) plus a pointer into that mapping; moving it to
// another thread moves the hold with it.
unsafe impl Send for Held {}
// SAFETY: `&Held` only reads the pointer value; see Send.
unsafe impl Sync for Held {}

impl Held {
    /// Host address of the first byte.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr
    }
    /// Host address of the first byte, as the kernel's `__u64` fields take it.
    pub fn addr(&self) -> u64 {
        self.ptr as u64
    }
    pub fn len(&self) -> usize {
        self.len
    }
    /// The mapping, for holders that keep it past this value (an SQE in flight).
    pub fn into_map(self) -> Arc<Mapping> {
        self.map
    }
    pub fn map(&self) -> &Arc<Mapping> {
        &self.map
    }
    /// Whether host range `[addr, addr + len)` lies inside this range.
    pub fn contains(&self, addr: usize, len: usize) -> bool {
        let start = self.ptr as usize;
        addr >= start && (addr - start).checked_add(len).is_some_and(|end| end <= self.len)
    }
}

/// The live regions by id, and the next id to hand out (ids only ever grow).
pub struct Regions {
    map: BTreeMap<u32, Arc<Mapping>>,
    next: u32,
}

static REGIONS: RwLock<Regions> = RwLock::new(Regions {
    map: BTreeMap::new(),
    next: 1,
});

/// Register `m` under a fresh id. On failure `m` is dropped (unmapped): nothing is left behind.
fn insert(mut m: Mapping, what: &str) -> Result<Arc<Mapping>> {
    let mut t = REGIONS.write().unwrap();
    if t.map.len() >= MAX_LIVE_REGIONS {
        return Err(err(
            Errno::ENOSPC,
            format!("{what}: {MAX_LIVE_REGIONS} regions are already live"),
        ));
    }
    if t.next > MAX_REGION_ID {
        return Err(err(
            Errno::ENOSPC,
            format!("{what}: this process has used all {MAX_REGION_ID} region ids (ids are never reused)"),
        ));
    }
    m.id = t.next;
    t.next += 1;
    let m = Arc::new(m);
    t.map.insert(m.id, m.clone());
    LIVE.fetch_add(1, Ordering::Relaxed);
    Ok(m)
}

fn map_fd(fd: &OwnedFd, len: usize, hugepage: bool) -> Result<*mut u8> {
    // SAFETY: a new shared mapping of a memfd we own (at least `len` bytes after ftruncate); a null
    // hint lets the kernel choose an address, so no existing mapping is replaced.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(last_os(format!("arenaCreate: mmap of {len} bytes")));
    }
    if hugepage {
        // SAFETY: advice only, on the mapping made just above; it cannot change its contents.
        unsafe { libc::madvise(p, len, libc::MADV_HUGEPAGE) };
    }
    Ok(p.cast())
}

/// Create a region of `len` bytes (a positive multiple of 4096) over a new memfd.
pub fn create(len: usize, hugepage: bool) -> Result<Arc<Mapping>> {
    if len == 0 || !len.is_multiple_of(PAGE_SIZE) || len > MAX_REGION_SIZE {
        return Err(err(
            Errno::EINVAL,
            format!("arenaCreate(size): {len} is not a positive multiple of 4096 up to 4 GiB"),
        ));
    }
    let name = c"biopath-arena";
    // SAFETY: `name` is a NUL-terminated C string literal; the call only reads it.
    let raw = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if raw < 0 {
        return Err(last_os("arenaCreate: memfd_create"));
    }
    // SAFETY: `raw` is a fresh fd returned to us alone; OwnedFd closes it once, on return.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ftruncate on the memfd `fd` owns; it touches no memory of ours.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
        return Err(last_os(format!("arenaCreate: ftruncate to {len}")));
    }
    let ptr = map_fd(&fd, len, hugepage)?;
    let m = Mapping {
        id: 0,
        ptr,
        len,
        alias_of: 0,
    };
    insert(m, "arenaCreate")
}

/// Map the memfd behind region `id` a second time (same pages, new addresses), e.g. for
/// userfaultfd MINOR faults on a view of cache memory.
pub fn alias(id: u32) -> Result<Arc<Mapping>> {
    let src = get(id).ok_or_else(|| err(Errno::ENOENT, format!("arenaAlias(id): no region {id}")))?;
    remap(&src, 0, src.len, &format!("arenaAlias({id})"), "arenaAlias")
}

/// Map bytes `offset..offset + len` of `src` a second time and register the new mapping.
/// The caller checked that the slice is page-aligned and lies inside `src`.
fn remap(src: &Mapping, offset: usize, len: usize, what: &str, region_what: &str) -> Result<Arc<Mapping>> {
    debug_assert!(offset.checked_add(len).is_some_and(|e| e <= src.len));
    // SAFETY: offset + len <= src.len (the callers' check), so the old address lies inside the
    // live shared mapping `src` borrows; old_size 0 asks for a second mapping of the same pages
    // at a fresh address, leaving `src` untouched.
    let p = unsafe { libc::mremap(src.ptr.add(offset).cast(), 0, len, libc::MREMAP_MAYMOVE) };
    if p == libc::MAP_FAILED {
        return Err(last_os(format!("{what}: mremap")));
    }
    let m = Mapping {
        id: 0,
        ptr: p.cast(),
        len,
        alias_of: src.id,
    };
    insert(m, region_what)
}

/// Drop the registry's hold on region `id`; the memory is unmapped when the last holder goes.
pub fn free(id: u32) -> Result<()> {
    let mut t = REGIONS.write().unwrap();
    match t.map.remove(&id) {
        Some(_) => {
            LIVE.fetch_sub(1, Ordering::Relaxed);
            Ok(())
        }
        None => Err(err(Errno::ENOENT, format!("arenaFree(id): no region {id}"))),
    }
}

pub fn get(id: u32) -> Option<Arc<Mapping>> {
    REGIONS.read().unwrap().map.get(&id).cloned()
}

pub fn iova_of(id: u32) -> u64 {
    (id as u64) << IOVA_SHIFT
}

/// Split an IOVA into (region id, offset).
pub fn split(iova: u64) -> (u32, usize) {
    (
        (iova >> IOVA_SHIFT) as u32,
        (iova & ((1u64 << IOVA_SHIFT) - 1)) as usize,
    )
}

/// A read guard over the region table, for translating many addresses at once (one lock per batch).
pub struct Table<'a>(std::sync::RwLockReadGuard<'a, Regions>);

pub fn table() -> Table<'static> {
    Table(REGIONS.read().unwrap())
}

impl Table<'_> {
    /// Translate (iova, len) to a held host range if the whole range lies inside one live region.
    /// `len == 0` still requires `iova` to point into (or at the end of) a region. EFAULT otherwise.
    pub fn translate(&self, iova: u64, len: u64) -> std::result::Result<Held, Errno> {
        let (id, off) = split(iova);
        let m = self.0.map.get(&id).ok_or(Errno::EFAULT)?;
        let end = (off as u64).checked_add(len).ok_or(Errno::EFAULT)?;
        if end > m.len as u64 {
            return Err(Errno::EFAULT);
        }
        Ok(Held {
            // SAFETY: off + len <= m.len, so the pointer stays inside (or one past) the mapping
            // `m`, whose Arc the returned Held keeps.
            ptr: unsafe { m.ptr.add(off) },
            len: len as usize,
            map: m.clone(),
        })
    }
}

/// Translate one range with a fresh lock (the path for non-batch calls). EFAULT names `what`.
pub fn translate(iova: u64, len: u64, what: &str) -> Result<Held> {
    table().translate(iova, len).map_err(|e| {
        err(
            e,
            format!("{what}: iova {iova:#x} + {len} lies outside every arena region"),
        )
    })
}

/// [`translate`] for calls that work on whole pages (madvise, userfaultfd): EINVAL unless `iova`
/// and `len` are page-aligned and `len` is non-zero, then EFAULT unless the range is in a region.
pub fn translate_pages(iova: u64, len: u64, what: &str) -> Result<Held> {
    let page = PAGE_SIZE as u64;
    if !iova.is_multiple_of(page) || len == 0 || !len.is_multiple_of(page) {
        return Err(err(
            Errno::EINVAL,
            format!("{what}: iova {iova:#x} and len {len} must be page-aligned and non-zero"),
        ));
    }
    translate(iova, len, what)
}

/// IOVA of a host address inside a live region (for reporting faults back to JS), if any.
pub fn find_host(addr: usize) -> Option<u64> {
    let t = REGIONS.read().unwrap();
    t.map
        .values()
        .find(|m| addr >= m.ptr as usize && addr < m.ptr as usize + m.len)
        .map(|m| iova_of(m.id) + (addr - m.ptr as usize) as u64)
}

/// Map `len` bytes of region `id` starting at byte `offset` a second time (same pages, new
/// addresses): a view of a slice, e.g. a file range whose page-cache frames are one linear run.
/// Like [`alias`], it needs no file descriptor (mremap with old_size 0 on the shared mapping).
pub fn alias_range(id: u32, offset: usize, len: usize) -> Result<Arc<Mapping>> {
    let what = format!("arenaAliasRange({id}, {offset}, {len})");
    let src = get(id).ok_or_else(|| err(Errno::ENOENT, format!("{what}: no region {id}")))?;
    let end = offset.checked_add(len);
    if len == 0
        || !offset.is_multiple_of(PAGE_SIZE)
        || !len.is_multiple_of(PAGE_SIZE)
        || end.is_none_or(|e| e > src.len)
    {
        return Err(err(
            Errno::EINVAL,
            format!(
                "{what}: not a non-empty page-aligned slice of the {}-byte region",
                src.len
            ),
        ));
    }
    remap(&src, offset, len, &what, "arenaAliasRange")
}

/// Drop the page-table entries of a page-aligned arena range (madvise MADV_DONTNEED). The memfd
/// keeps the data; the next access faults again (a MINOR fault where userfaultfd watches).
pub fn zap_range(iova: u64, len: u64) -> Result<()> {
    let h = translate_pages(iova, len, "arenaZapRange")?;
    // SAFETY: MADV_DONTNEED on whole pages of a live MAP_SHARED mapping (kept mapped by `h`) only
    // drops page-table entries; the memfd keeps the data, so no memory is freed under a reader.
    if unsafe { libc::madvise(h.ptr().cast(), h.len(), libc::MADV_DONTNEED) } != 0 {
        return Err(last_os("arenaZapRange: madvise(MADV_DONTNEED)"));
    }
    Ok(())
}
