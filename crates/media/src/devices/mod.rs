//! devices (in progress).
