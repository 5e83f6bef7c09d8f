//! The console's building blocks, one component per file, each with its own props.
pub mod history_list;
pub mod operation_picker;
pub mod request_editor;
pub mod response_view;
