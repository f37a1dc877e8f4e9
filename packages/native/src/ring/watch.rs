//! Completions wake the JS thread: a libuv poll handle on a ring's fd, on the event loop of the
//! env that armed it, calls a JS function each loop turn the ring is readable (its CQ holds
//! entries). No helper thread, no spinning: the wait is the event loop's own epoll_wait. The
//! handle uses the libuv that the node binary exports; the loop comes from
//! `napi_get_uv_event_loop`.
//!
//! Lifetime: a [`Watch`] is closed by `close()`, by being dropped (its ring closed or collected),
//! or by the env's teardown (an async cleanup hook), whichever comes first. From then on the JS
//! function is never called again; the libuv handle's memory is freed in its close callback. The
//! handle is created unreferenced (it does not keep the process alive); [`Watch::set_ref`] says
//! whether it should (while someone waits for IO).

use crate::error::{err, Errno, Result};
use napi::sys;
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::rc::Rc;

/// The few libuv calls this needs, resolved against the node binary when the addon loads.
mod uv {
    use std::ffi::{c_int, c_void};
    /// `uv_handle_type`: UV_POLL (libuv's stable enum; `uv_handle_size` gives its size).
    pub const UV_POLL: c_int = 8;
    /// `uv_poll_event`: UV_READABLE.
    pub const UV_READABLE: c_int = 1;
    pub type PollCb = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
    pub type CloseCb = unsafe extern "C" fn(handle: *mut c_void);
    extern "C" {
        pub fn uv_handle_size(t: c_int) -> usize;
        pub fn uv_poll_init(lp: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
        pub fn uv_poll_start(handle: *mut c_void, events: c_int, cb: PollCb) -> c_int;
        pub fn uv_poll_stop(handle: *mut c_void) -> c_int;
        pub fn uv_close(handle: *mut c_void, cb: CloseCb);
        pub fn uv_ref(handle: *mut c_void);
        pub fn uv_unref(handle: *mut c_void);
        pub fn uv_handle_set_data(handle: *mut c_void, data: *mut c_void);
        pub fn uv_handle_get_data(handle: *const c_void) -> *mut c_void;
    }
}

/// The largest `uv_poll_t` this accepts from `uv_handle_size` (it is ~160 bytes on x86-64).
const MAX_HANDLE: usize = 1024;

/// What the poll callback needs, shared by the [`Watch`] and libuv (which holds one `Rc` from
/// `uv_poll_init` to the handle's close callback, so the handle memory outlives every callback).
struct State {
    env: sys::napi_env,
    /// A weak reference (count 0) to the JS function: the watch never keeps it alive.
    func: Cell<sys::napi_ref>,
    ctx: Cell<sys::napi_async_context>,
    /// The env-teardown hook; null once removed.
    hook: Cell<sys::napi_async_cleanup_hook_handle>,
    open: Cell<bool>,
    /// An eventfd to read (clear) before each call, when that is what is watched.
    drain: Option<i32>,
    /// `uv_poll_t` storage (u64s: 8-byte aligned), never moved while the Rc lives.
    handle: Box<[u64]>,
}

impl State {
    fn handle(&self) -> *mut c_void {
        self.handle.as_ptr() as *mut c_void
    }

    /// Stop and close the handle (once): after this the function is never called. `from_hook`:
    /// the env is tearing down and the hook is removed when the close completes.
    fn close(&self, from_hook: bool) {
        if !self.open.replace(false) {
            return;
        }
        // SAFETY: we are on the env's JS thread (a napi call, a finalizer or the env's cleanup
        // hook), the env is alive, and `func`/`ctx` were created on it and are released once.
        unsafe {
            sys::napi_delete_reference(self.env, self.func.get());
            sys::napi_async_destroy(self.env, self.ctx.get());
        }
        if !from_hook {
            let h = self.hook.replace(std::ptr::null_mut());
            if !h.is_null() {
                // SAFETY: `h` came from napi_add_async_cleanup_hook and has not been removed.
                unsafe { sys::napi_remove_async_cleanup_hook(h) };
            }
        }
        // SAFETY: the handle was initialised by uv_poll_init on this thread's loop and is not
        // closing yet (`open` was true); libuv calls `on_close` once, on a later loop turn.
        unsafe {
            uv::uv_poll_stop(self.handle());
            uv::uv_close(self.handle(), on_close);
        }
    }
}

/// libuv's close callback: drop libuv's share of the state (and finish a teardown hook).
unsafe extern "C" fn on_close(handle: *mut c_void) {
    // SAFETY: the data pointer is the Rc::into_raw made in `Watch::start`, reclaimed only here,
    // and libuv calls the close callback exactly once.
    let st = unsafe { Rc::from_raw(uv::uv_handle_get_data(handle) as *const State) };
    let h = st.hook.replace(std::ptr::null_mut());
    if !h.is_null() {
        // SAFETY: a hook not yet removed; removing it tells the env its async cleanup is done.
        unsafe { sys::napi_remove_async_cleanup_hook(h) };
    }
}

/// The env is tearing down: close the handle; the close callback removes the hook.
unsafe extern "C" fn on_teardown(_h: sys::napi_async_cleanup_hook_handle, arg: *mut c_void) {
    // SAFETY: `arg` points at the State that libuv's Rc keeps alive until `on_close`, and the
    // hook is removed before (normal close) or in `on_close` (here), so the State is live.
    let st = unsafe { &*(arg as *const State) };
    st.close(true);
}

/// libuv's poll callback: call the JS function with `status` (0, or a negative libuv errno), with
/// the global object as `this` (napi_make_callback needs an object), as a top-level callback:
/// microtasks run after it, and a throw becomes an uncaught exception.
unsafe extern "C" fn on_poll(handle: *mut c_void, status: c_int, _events: c_int) {
    // SAFETY: the data pointer is libuv's Rc, alive until `on_close`, which libuv runs only after
    // the handle stopped; no callback comes after the close.
    let st = unsafe { &*(uv::uv_handle_get_data(handle) as *const State) };
    if !st.open.get() {
        return;
    }
    if let Some(fd) = st.drain {
        let mut v = 0u64;
        // SAFETY: reads 8 bytes into a local u64; the eventfd is non-blocking and open while the
        // watch is (`open` checked above). EAGAIN (nothing to clear) is harmless.
        unsafe { libc::read(fd, (&mut v as *mut u64).cast(), 8) };
    }
    let env = st.env;
    let mut scope = std::ptr::null_mut();
    // SAFETY: a libuv callback on the env's loop thread, outside any JS frame: the napi calls
    // below run inside the handle scope opened here; `func` and `ctx` are live while `open`.
    unsafe {
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let (mut func, mut recv, mut arg) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
        sys::napi_get_reference_value(env, st.func.get(), &mut func);
        if !func.is_null()
            && sys::napi_get_global(env, &mut recv) == sys::Status::napi_ok
            && sys::napi_create_int32(env, status, &mut arg) == sys::Status::napi_ok
        {
            let argv = [arg];
            let mut out = std::ptr::null_mut();
            let r = sys::napi_make_callback(env, st.ctx.get(), recv, func, 1, argv.as_ptr(), &mut out);
            if r == sys::Status::napi_pending_exception {
                let mut e = std::ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut e);
                sys::napi_fatal_exception(env, e);
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// A live watch on a ring fd. Dropping it closes it.
pub struct Watch(Rc<State>);

impl Watch {
    /// Start watching `fd` on `env`'s event loop; `func` (a JS function value of `env`) is called
    /// each loop turn the fd is readable, after reading 8 bytes from `drain` (an eventfd) if given.
    /// EINVAL if libuv's poll handle is not what this expects; EIO if napi refuses; libuv's errno
    /// (EBADF, EPERM, ...) if the fd cannot be polled.
    ///
    /// # Safety
    /// Call on `env`'s JS thread inside a napi call, with `func` a live value of that call, and
    /// keep `fd` and `drain` open for as long as the watch is open (the ring ends it first).
    pub unsafe fn start(env: sys::napi_env, fd: i32, drain: Option<i32>, func: sys::napi_value) -> Result<Watch> {
        // SAFETY: a pure query of libuv's type table.
        let size = unsafe { uv::uv_handle_size(uv::UV_POLL) };
        if size == 0 || size > MAX_HANDLE {
            return Err(err(
                Errno::EINVAL,
                format!("ring.watch(): libuv's uv_poll_t is {size} bytes"),
            ));
        }
        let mut lp = std::ptr::null_mut();
        let mut name = std::ptr::null_mut();
        let mut fref = std::ptr::null_mut();
        let mut ctx = std::ptr::null_mut();
        let napi_fail = |what: &str| err(Errno::EIO, format!("ring.watch(): {what} failed"));
        // SAFETY: `env` is the current call's env and `func` a value of it (caller's contract);
        // each out-pointer is a local that outlives its call.
        unsafe {
            if sys::napi_get_uv_event_loop(env, &mut lp) != sys::Status::napi_ok || lp.is_null() {
                return Err(napi_fail("napi_get_uv_event_loop"));
            }
            let label = "biopath:ringWatch";
            if sys::napi_create_string_utf8(env, label.as_ptr().cast(), label.len() as isize, &mut name)
                != sys::Status::napi_ok
                || sys::napi_create_reference(env, func, 0, &mut fref) != sys::Status::napi_ok
            {
                return Err(napi_fail("napi_create_reference"));
            }
            if sys::napi_async_init(env, std::ptr::null_mut(), name, &mut ctx) != sys::Status::napi_ok {
                sys::napi_delete_reference(env, fref);
                return Err(napi_fail("napi_async_init"));
            }
        }
        let st = Rc::new(State {
            env,
            func: Cell::new(fref),
            ctx: Cell::new(ctx),
            hook: Cell::new(std::ptr::null_mut()),
            open: Cell::new(false),
            drain,
            handle: vec![0u64; size.div_ceil(8)].into_boxed_slice(),
        });
        // SAFETY: `st.handle` is `size` writable, 8-aligned bytes that stay put while the Rc lives;
        // `lp` is this thread's live loop. On failure nothing was registered with the loop.
        let r = unsafe { uv::uv_poll_init(lp.cast(), st.handle(), fd) };
        if r < 0 {
            // SAFETY: created above on this env, not yet handed to anyone.
            unsafe {
                sys::napi_delete_reference(env, fref);
                sys::napi_async_destroy(env, ctx);
            }
            return Err(err(
                Errno(-r),
                format!("ring.watch(): uv_poll_init(fd {fd}) failed ({r})"),
            ));
        }
        // From here the handle is on the loop: every path ends in State::close (uv_close).
        st.open.set(true);
        let mut hook = std::ptr::null_mut();
        // SAFETY: the handle is initialised; its data is libuv's Rc (reclaimed in on_close). The
        // hook's arg is the State, alive until on_close, and the hook is removed by then.
        let hooked = unsafe {
            uv::uv_handle_set_data(st.handle(), Rc::into_raw(st.clone()) as *mut c_void);
            uv::uv_unref(st.handle());
            sys::napi_add_async_cleanup_hook(env, Some(on_teardown), Rc::as_ptr(&st) as *mut c_void, &mut hook)
        };
        st.hook.set(hook);
        let w = Watch(st); // from here, dropping `w` closes the handle
        if hooked != sys::Status::napi_ok {
            // without the hook the env could be torn down with the handle still open
            return Err(napi_fail("napi_add_async_cleanup_hook"));
        }
        // SAFETY: an initialised, open poll handle on this thread's loop.
        let r = unsafe { uv::uv_poll_start(w.0.handle(), uv::UV_READABLE, on_poll) };
        if r < 0 {
            return Err(err(
                Errno(-r),
                format!("ring.watch(): uv_poll_start(fd {fd}) failed ({r})"),
            ));
        }
        Ok(w)
    }

    /// Whether the watch keeps the event loop (and so the process) alive: uv_ref / uv_unref.
    pub fn set_ref(&self, on: bool) {
        if !self.0.open.get() {
            return;
        }
        // SAFETY: an open handle on this thread's loop (a Watch lives on its JS thread only).
        unsafe {
            if on {
                uv::uv_ref(self.0.handle())
            } else {
                uv::uv_unref(self.0.handle())
            }
        }
    }

    /// False once closed (by `close` or the env's teardown).
    pub fn is_open(&self) -> bool {
        self.0.open.get()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.close(false);
    }
}
