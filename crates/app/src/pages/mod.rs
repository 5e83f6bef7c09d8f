//! The playground's pages, one file each.
pub mod console;
