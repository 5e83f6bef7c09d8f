//! Consumed capacity: read and write units as DynamoDB charges them.
