//! Working buffers a thread lends to the next parse or compile: they are empty between uses,
//! so a parse allocates only the tree it returns and a compile only the program it returns.
//! A buffer grown past [`KEPT`] entries (a hostile input's) is freed instead of kept.

use std::cell::Cell;
use std::thread::LocalKey;

/// The most entries a kept buffer may hold room for.
const KEPT: usize = 1024;

/// A set of working buffers.
pub(crate) trait Scratch: Default {
    /// Empties the buffers; `false` when one has grown past [`KEPT`] and the set should be
    /// dropped rather than kept.
    fn reset(&mut self) -> bool;
}

/// Empties `buffer`; whether it is small enough to keep (see [`Scratch::reset`]).
pub(crate) fn clear<T>(buffer: &mut Vec<T>) -> bool {
    buffer.clear();
    buffer.capacity() <= KEPT
}

/// Whether a buffer with room for `capacity` entries is small enough to keep.
pub(crate) fn keeps(capacity: usize) -> bool {
    capacity <= KEPT
}

/// This thread's buffers from `slot`, or new ones (also while the thread is being torn down).
pub(crate) fn lend<T: Scratch>(slot: &'static LocalKey<Cell<T>>) -> T {
    slot.try_with(Cell::take).unwrap_or_default()
}

/// Returns `buffers` to this thread's `slot`, emptied, unless they grew too large.
pub(crate) fn give_back<T: Scratch>(slot: &'static LocalKey<Cell<T>>, mut buffers: T) {
    if buffers.reset() {
        let _ = slot.try_with(|s| s.set(buffers));
    }
}
