//! Tests of the public expression API: parsing, every message, evaluation and updates.
