//! One module per route (see `app::Route`).
pub mod code;
pub mod console;
pub mod hood;
pub mod items;
pub mod modeler;
pub mod partiql;
pub mod query;
pub mod streams;
pub mod table;
pub mod tables;
