//! The pages' building blocks, one component per file, each with its own props.
pub mod code_panel;
pub mod cost_view;
pub mod create_table_form;
pub mod dataset_picker;
pub mod error_box;
pub mod history_list;
pub mod item_editor;
pub mod item_grid;
pub mod item_size_view;
pub mod lifecycle_picker;
pub mod modeler_views;
pub mod nav;
pub mod operation_picker;
pub mod progress;
pub mod request_editor;
pub mod response_view;
pub mod shortcut;
