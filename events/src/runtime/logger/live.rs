//! The loggers alive in this process, so a panic hook can flush them all.
//!
//! This is a list of weak references, not a logger: every run still has its
//! own logger, and a dropped logger leaves the list by itself.

use std::sync::{Arc, Once, Weak};

use parking_lot::Mutex;

/// What the panic hook can do to a logger. A trait, so that this module
/// needs nothing from the writer's (which registers itself here).
pub(crate) trait Flushable: Send + Sync {
    /// Writes what it can without waiting long; errors are reported, not
    /// returned.
    fn flush_for_panic(&self);
}

static LIVE: Mutex<Vec<Weak<dyn Flushable>>> = Mutex::new(Vec::new());

pub(crate) fn register<W: Flushable + 'static>(writer: &Arc<W>) {
    let mut live = LIVE.lock();
    live.retain(|weak| weak.strong_count() > 0);
    let writer: Arc<dyn Flushable> = writer.clone();
    live.push(Arc::downgrade(&writer));
}

pub(crate) fn unregister<W: Flushable>(writer: &W) {
    LIVE.lock().retain(|weak| {
        weak.strong_count() > 0 && !std::ptr::addr_eq(weak.as_ptr(), std::ptr::from_ref(writer))
    });
}

/// Writes every buffered line of every live logger of this process (event
/// loggers and component logs), ignoring errors (each is still counted and
/// reported on stderr). Never blocks for long on a lock another thread holds.
pub fn flush_live_loggers() {
    let writers: Vec<Arc<dyn Flushable>> =
        match LIVE.try_lock_for(std::time::Duration::from_millis(200)) {
            Some(live) => live.iter().filter_map(Weak::upgrade).collect(),
            None => return,
        };
    for writer in writers {
        writer.flush_for_panic();
    }
}

/// Installs a panic hook that flushes every live logger, then runs the hook
/// that was installed before (the default one prints the panic message).
///
/// Dropping a logger already flushes it while a panic unwinds; the hook also
/// covers loggers that unwinding never drops (held by another thread, in a
/// `static`, or leaked), and panics that abort after the hook
/// (`panic = "abort"`). Installing it twice installs it once.
///
/// # Examples
///
/// ```
/// basis_events::install_panic_hook();
/// ```
pub fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            flush_live_loggers();
            previous(info);
        }));
    });
}
