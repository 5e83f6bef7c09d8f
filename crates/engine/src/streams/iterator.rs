//! Shard iterators: opaque strings shaped like DynamoDB's (`<stream ARN>|1|<base64 blob>`) that
//! carry the shard, the next sequence number to read and the creation time, with a checksum.
//! Nothing in one is trusted: a string that does not decode and check is "Invalid ShardIterator".

use base64::Engine as _;

use super::fnv;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Salt for the checksum, so a hand-edited position is caught rather than obeyed.
const SALT: &[u8] = b"dynaplay-shard-iterator-v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardIterator {
    pub stream_arn: String,
    pub shard_id: String,
    /// The next sequence number to read: records with this number or higher.
    pub position: u128,
    pub created_millis: i64,
}

fn checksum(arn: &str, shard: &str, position: u128, created: i64) -> u64 {
    fnv(&[
        SALT,
        arn.as_bytes(),
        shard.as_bytes(),
        position.to_string().as_bytes(),
        created.to_string().as_bytes(),
    ])
}

impl ShardIterator {
    pub fn encode(&self) -> String {
        let sum = checksum(
            &self.stream_arn,
            &self.shard_id,
            self.position,
            self.created_millis,
        );
        let blob = format!(
            "{}|{}|{}|{sum:016x}",
            self.shard_id, self.position, self.created_millis
        );
        format!("{}|1|{}", self.stream_arn, B64.encode(blob))
    }

    pub fn decode(text: &str) -> Option<ShardIterator> {
        let mut parts = text.rsplitn(3, '|');
        let blob = parts.next()?;
        if parts.next()? != "1" {
            return None;
        }
        let stream_arn = parts.next()?.to_string();
        let blob = String::from_utf8(B64.decode(blob).ok()?).ok()?;
        let fields: Vec<&str> = blob.split('|').collect();
        let [shard, position, created, sum] = fields.as_slice() else {
            return None;
        };
        let position: u128 = position.parse().ok()?;
        let created_millis: i64 = created.parse().ok()?;
        let expected = checksum(&stream_arn, shard, position, created_millis);
        if u64::from_str_radix(sum, 16).ok()? != expected || sum.len() != 16 {
            return None;
        }
        Some(ShardIterator {
            stream_arn,
            shard_id: shard.to_string(),
            position,
            created_millis,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_tampering() {
        // Why: iterators come back from clients; only ones we made may be obeyed.
        let it = ShardIterator {
            stream_arn:
                "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-01-01T00:00:00.000"
                    .into(),
            shard_id: "shardId-00000001767225600000-0123abcd".into(),
            position: 100_000_000_000_000_000_005,
            created_millis: 1_767_225_600_000,
        };
        let text = it.encode();
        assert!(text.starts_with(&format!("{}|1|", it.stream_arn)));
        assert_eq!(ShardIterator::decode(&text), Some(it.clone()));
        let forged = ShardIterator {
            position: 100_000_000_000_000_000_001,
            ..it.clone()
        }
        .encode()
        .replace(
            &it.stream_arn,
            "arn:aws:dynamodb:us-east-1:000000000000:table/U/stream/x",
        );
        assert_eq!(ShardIterator::decode(&forged), None);
        for bad in ["", "|", "a|1|", "a|2|xx", "a|1|!!!!", "a|1|aGVsbG8="] {
            assert_eq!(ShardIterator::decode(bad), None, "{bad}");
        }
    }
}
