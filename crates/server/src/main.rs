//! The native DynamoDB endpoint.
fn main() {}
