//! One module per route (see `app::Route`).
pub mod code;
pub mod console;
pub mod embed;
pub mod hood;
pub mod items;
pub mod lessons;
pub mod modeler;
pub mod partiql;
pub mod query;
pub mod sandboxes;
pub mod share;
pub mod streams;
pub mod table;
pub mod tables;
