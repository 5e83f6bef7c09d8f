//! What a table's observed workload would cost a month on DynamoDB, in on-demand and in
//! provisioned mode, from the published us-east-1 prices. Pure: it reads the engine's `metrics`
//! JSON and DescribeTable's `Table`, so the Under-the-hood page and the host tests share it.

use serde_json::Value;

/// A month as the estimate counts it: 30 days.
pub const MONTH_MINUTES: f64 = 30.0 * 24.0 * 60.0;
pub const MONTH_HOURS: f64 = 30.0 * 24.0;
/// Minutes of metrics the engine keeps, and so the longest window the estimate reads.
pub const WINDOW_MINUTES: f64 = 60.0;
const MINUTE_MILLIS: f64 = 60_000.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// The storage DynamoDB bills per item (and per index entry) beyond its attributes' bytes.
pub const ITEM_OVERHEAD_BYTES: f64 = 100.0;

/// One table class's prices in US dollars (us-east-1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    pub class: &'static str,
    /// On demand, per million read / write request units.
    pub read_per_million: f64,
    pub write_per_million: f64,
    /// Provisioned, per capacity unit and hour.
    pub rcu_hour: f64,
    pub wcu_hour: f64,
    /// Per GB-month stored.
    pub storage_gb_month: f64,
}

// Source: https://aws.amazon.com/dynamodb/pricing/on-demand/ and .../pricing/provisioned/
// (us-east-1), looked up 2026-11-22. The pages render their price tables with script, so the
// figures were cross-read from write-ups quoting them after AWS's 2024-11-01 cut of on-demand
// throughput by 50% (airbyte.com "DynamoDB pricing", 2025-07: $0.625 per million WRU, $0.125 per
// million RRU; zeonedge.com: $0.00065 per WCU-hour, $0.00013 per RCU-hour, which the cut did not
// change). Standard-IA charges 25% more for throughput and 60% less for storage than Standard
// (the ratios AWS gives for the class); its figures below are those ratios applied and rounded
// the way the pricing page rounds them.
pub const STANDARD: Prices = Prices {
    class: "STANDARD",
    read_per_million: 0.125,
    write_per_million: 0.625,
    rcu_hour: 0.00013,
    wcu_hour: 0.00065,
    storage_gb_month: 0.25,
};

pub const STANDARD_IA: Prices = Prices {
    class: "STANDARD_INFREQUENT_ACCESS",
    read_per_million: 0.15625,
    write_per_million: 0.78125,
    rcu_hour: 0.00016,
    wcu_hour: 0.00081,
    storage_gb_month: 0.10,
};

/// Read and write units, or their cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pair {
    pub read: f64,
    pub write: f64,
}

impl Pair {
    pub fn total(&self) -> f64 {
        self.read + self.write
    }
}

/// Provisioned capacity (units per second, table plus its GSIs) and what it costs a month.
#[derive(Debug, Clone, PartialEq)]
pub struct Provisioned {
    pub units: Pair,
    pub cost: Pair,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub prices: Prices,
    pub billing_mode: String,
    /// The minutes the observed rate is averaged over.
    pub window_minutes: f64,
    /// Units consumed in that window, table and GSIs together.
    pub observed: Pair,
    /// Those units, extrapolated to a month.
    pub monthly_units: Pair,
    pub on_demand: Pair,
    /// The table's own provisioned capacity; None for an on-demand table.
    pub provisioned_now: Option<Provisioned>,
    /// Enough capacity for the busiest minute observed, all month.
    pub provisioned_peak: Provisioned,
    pub storage_bytes: f64,
    pub storage: f64,
    /// Each assumption in words, for the page to show beside the numbers.
    pub assumptions: Vec<String>,
}

impl Estimate {
    /// The whole bill in on-demand mode: requests and storage.
    pub fn on_demand_total(&self) -> f64 {
        self.on_demand.total() + self.storage
    }

    /// The whole bill provisioned for the observed peak: capacity and storage.
    pub fn peak_total(&self) -> f64 {
        self.provisioned_peak.cost.total() + self.storage
    }
}

/// The prices of a DescribeTable `Table`'s class (Standard when it names none).
pub fn prices_for(table: &Value) -> Prices {
    match table["TableClassSummary"]["TableClass"].as_str() {
        Some("STANDARD_INFREQUENT_ACCESS") => STANDARD_IA,
        _ => STANDARD,
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .unwrap_or(0.0)
}

/// One meter's minutes that fall in the window ending at `now`.
fn recent(minutes: &Value, now: f64) -> Vec<&Value> {
    let from = now - WINDOW_MINUTES * MINUTE_MILLIS;
    minutes
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            let start = num(&m["Minute"]);
            start + MINUTE_MILLIS > from && start <= now
        })
        .collect()
}

/// Units in each recent minute of one meter.
fn per_minute(minutes: &[&Value]) -> Vec<Pair> {
    minutes
        .iter()
        .map(|m| Pair {
            read: num(&m["ConsumedReadCapacityUnits"]),
            write: num(&m["ConsumedWriteCapacityUnits"]),
        })
        .collect()
}

/// The capacity one meter needs for its busiest minute: the minute's units spread evenly over its
/// 60 seconds, rounded up to whole units, at least one (DynamoDB's smallest setting).
fn peak_capacity(minutes: &[Pair]) -> Pair {
    let busiest = minutes.iter().fold(Pair::default(), |acc, m| Pair {
        read: acc.read.max(m.read),
        write: acc.write.max(m.write),
    });
    Pair {
        read: (busiest.read / 60.0).ceil().max(1.0),
        write: (busiest.write / 60.0).ceil().max(1.0),
    }
}

fn capacity_cost(units: Pair, prices: &Prices) -> Pair {
    Pair {
        read: units.read * prices.rcu_hour * MONTH_HOURS,
        write: units.write * prices.wcu_hour * MONTH_HOURS,
    }
}

fn throughput(v: &Value) -> Pair {
    Pair {
        read: num(&v["ReadCapacityUnits"]),
        write: num(&v["WriteCapacityUnits"]),
    }
}

/// The estimate for one table at `now` (the engine's clock, epoch milliseconds): `metrics` is
/// `Engine::metrics` for the table, `table` DescribeTable's `Table`.
pub fn estimate(metrics: &Value, table: &Value, now: f64) -> Estimate {
    let prices = prices_for(table);
    let billing_mode = table["BillingModeSummary"]["BillingMode"]
        .as_str()
        .unwrap_or("PROVISIONED")
        .to_string();

    // Every meter: the table's, then each GSI's (a GSI is billed for its own reads and writes).
    let mut recent_minutes: Vec<Vec<&Value>> = vec![recent(&metrics["Table"]["Minutes"], now)];
    if let Some(gsis) = metrics["GlobalSecondaryIndexes"].as_object() {
        recent_minutes.extend(gsis.values().map(|g| recent(&g["Minutes"], now)));
    }
    let meters: Vec<Vec<Pair>> = recent_minutes.iter().map(|m| per_minute(m)).collect();

    // The window is the whole minutes from the oldest one with traffic to the current one, so ten
    // minutes of use are not diluted over an hour; at most the hour the engine keeps.
    let oldest = recent_minutes
        .iter()
        .flatten()
        .map(|m| num(&m["Minute"]))
        .fold(f64::INFINITY, f64::min);
    let window_minutes = if oldest.is_finite() {
        ((now / MINUTE_MILLIS).floor() - (oldest / MINUTE_MILLIS).floor() + 1.0)
            .clamp(1.0, WINDOW_MINUTES)
    } else {
        WINDOW_MINUTES
    };

    let observed = meters
        .iter()
        .flatten()
        .fold(Pair::default(), |acc, m| Pair {
            read: acc.read + m.read,
            write: acc.write + m.write,
        });
    let scale = MONTH_MINUTES / window_minutes;
    let monthly_units = Pair {
        read: observed.read * scale,
        write: observed.write * scale,
    };
    let on_demand = Pair {
        read: monthly_units.read / 1e6 * prices.read_per_million,
        write: monthly_units.write / 1e6 * prices.write_per_million,
    };

    let peak_units = meters
        .iter()
        .map(|m| peak_capacity(m))
        .fold(Pair::default(), |acc, p| Pair {
            read: acc.read + p.read,
            write: acc.write + p.write,
        });
    let provisioned_peak = Provisioned {
        units: peak_units,
        cost: capacity_cost(peak_units, &prices),
    };

    let gsis: Vec<&Value> = table["GlobalSecondaryIndexes"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let provisioned_now = (billing_mode == "PROVISIONED").then(|| {
        let units = gsis
            .iter()
            .map(|g| throughput(&g["ProvisionedThroughput"]))
            .fold(throughput(&table["ProvisionedThroughput"]), |acc, g| Pair {
                read: acc.read + g.read,
                write: acc.write + g.write,
            });
        Provisioned {
            units,
            cost: capacity_cost(units, &prices),
        }
    });

    // DynamoDB bills each item's bytes plus 100 bytes of overhead, in the table and in each
    // secondary index (local ones too); TableSizeBytes and IndexSizeBytes hold the bytes alone.
    let billed = |v: &Value, size: &str| num(&v[size]) + ITEM_OVERHEAD_BYTES * num(&v["ItemCount"]);
    let storage_bytes = billed(table, "TableSizeBytes")
        + ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"]
            .iter()
            .flat_map(|kind| table[*kind].as_array().into_iter().flatten())
            .map(|index| billed(index, "IndexSizeBytes"))
            .sum::<f64>();
    let storage = storage_bytes / GIB * prices.storage_gb_month;

    let class_name = if prices.class == STANDARD.class {
        "Standard"
    } else {
        "Standard-IA"
    };
    let assumptions = vec![
        format!(
            "Prices: us-east-1, {class_name} table class, published by AWS (on-demand as cut by 50% on 2024-11-01); no free tier, reserved capacity or savings plan subtracted."
        ),
        format!(
            "On demand: the units consumed in the last {} (table and global secondary indexes together) repeated for a 30-day month.",
            minutes_text(window_minutes)
        ),
        "Provisioned for the peak: the busiest minute's units spread evenly over its 60 seconds, rounded up to whole units (at least 1) for the table and each global secondary index, held all month without auto scaling; burst capacity is ignored.".into(),
        "Provisioned as set: the table's and its indexes' current read and write capacity, held all month (720 hours).".into(),
        "Storage: the table's and its secondary indexes' sizes plus DynamoDB's 100 bytes of overhead per item and index entry, held all month (1 GB = 2^30 bytes); backups, streams and data transfer are not counted.".into(),
    ];

    Estimate {
        prices,
        billing_mode,
        window_minutes,
        observed,
        monthly_units,
        on_demand,
        provisioned_now,
        provisioned_peak,
        storage_bytes,
        storage,
        assumptions,
    }
}

fn minutes_text(minutes: f64) -> String {
    if minutes == 1.0 {
        "minute".into()
    } else {
        format!("{minutes:.0} minutes")
    }
}

/// Dollars as a person reads them: cents from $0.01 up, four places below (a playground's traffic
/// costs fractions of a cent), `$0.00` for nothing at all.
pub fn dollars(amount: f64) -> String {
    let amount = if amount.is_finite() {
        amount.max(0.0)
    } else {
        0.0
    };
    if amount == 0.0 {
        return "$0.00".into();
    }
    if amount < 0.01 {
        return if amount < 0.0001 {
            "< $0.0001".into()
        } else {
            format!("${amount:.4}")
        };
    }
    let cents = (amount * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: f64 = 1_800_000_000_000.0;

    fn minute(ago: f64, read: f64, write: f64) -> Value {
        let start = ((NOW / MINUTE_MILLIS).floor() - ago) * MINUTE_MILLIS;
        json!({"Minute": start, "ConsumedReadCapacityUnits": read, "ConsumedWriteCapacityUnits": write,
               "ThrottledReadCapacityUnits": 0, "ThrottledWriteCapacityUnits": 0})
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    // An on-demand table: 10 minutes of traffic, 600 read and 120 write units in all.
    #[test]
    fn on_demand_extrapolates_the_observed_minutes_to_a_month() {
        let metrics = json!({"Table": {"Minutes": [minute(9.0, 300.0, 60.0), minute(0.0, 300.0, 60.0)]},
                             "GlobalSecondaryIndexes": {}});
        let table = json!({"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
                           "TableSizeBytes": 0});
        let e = estimate(&metrics, &table, NOW);
        // From 9 minutes ago to the current minute: 10 minutes.
        let window = 10.0;
        assert_eq!(e.window_minutes, window);
        assert_eq!(
            e.observed,
            Pair {
                read: 600.0,
                write: 120.0
            }
        );
        // 600 units in `window` minutes → 600 * 43,200 / window a month, at $0.125 a million.
        assert!(close(
            e.on_demand.read,
            600.0 * 43_200.0 / window / 1e6 * 0.125
        ));
        assert!(close(
            e.on_demand.write,
            120.0 * 43_200.0 / window / 1e6 * 0.625
        ));
        assert_eq!(e.provisioned_now, None);
    }

    // With exactly 60 minutes of traffic the numbers are round enough to check by hand.
    #[test]
    fn a_full_hour_of_traffic_by_hand() {
        let minutes: Vec<Value> = (0..60)
            .rev()
            .map(|ago| minute(ago as f64, 100.0, 50.0))
            .collect();
        let metrics = json!({"Table": {"Minutes": minutes}, "GlobalSecondaryIndexes": {}});
        let table = json!({"BillingModeSummary": {"BillingMode": "PROVISIONED"},
                           "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                           "TableSizeBytes": 1073741824u64});
        let e = estimate(&metrics, &table, NOW);
        assert_eq!(e.window_minutes, 60.0);
        // 6,000 read units an hour × 720 hours = 4,320,000 units → 4.32 × $0.125 = $0.54.
        assert!(close(e.monthly_units.read, 4_320_000.0));
        assert!(close(e.on_demand.read, 0.54));
        // 3,000 write units an hour → 2,160,000 a month → 2.16 × $0.625 = $1.35.
        assert!(close(e.on_demand.write, 1.35));
        // As set: 5 RCU × $0.00013 × 720 = $0.468; 5 WCU × $0.00065 × 720 = $2.34.
        let now = e.provisioned_now.clone().expect("a provisioned table");
        assert!(close(now.cost.read, 0.468));
        assert!(close(now.cost.write, 2.34));
        // Peak: 100 units in a minute is 1.67 a second → 2 RCU; 50 → 0.83 → 1 WCU.
        assert_eq!(
            e.provisioned_peak.units,
            Pair {
                read: 2.0,
                write: 1.0
            }
        );
        assert!(close(e.provisioned_peak.cost.read, 2.0 * 0.00013 * 720.0));
        assert!(close(e.provisioned_peak.cost.write, 0.00065 * 720.0));
        // 1 GiB stored at $0.25.
        assert!(close(e.storage, 0.25));
        assert!(close(e.on_demand_total(), 0.54 + 1.35 + 0.25));
    }

    // GSIs are billed for their own writes and capacity, and their size is stored too.
    #[test]
    fn global_secondary_indexes_add_their_units_capacity_and_size() {
        let metrics = json!({
            "Table": {"Minutes": [minute(0.0, 0.0, 120.0)]},
            "GlobalSecondaryIndexes": {"ByDate": {"Minutes": [minute(0.0, 60.0, 240.0)]}}});
        let table = json!({
            "BillingModeSummary": {"BillingMode": "PROVISIONED"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 4},
            "TableSizeBytes": 536870912u64,
            "GlobalSecondaryIndexes": [{"IndexName": "ByDate", "IndexSizeBytes": 536870912u64,
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 6}}]});
        let e = estimate(&metrics, &table, NOW);
        assert_eq!(
            e.observed,
            Pair {
                read: 60.0,
                write: 360.0
            }
        );
        let now = e.provisioned_now.clone().expect("a provisioned table");
        assert_eq!(
            now.units,
            Pair {
                read: 11.0,
                write: 10.0
            }
        );
        // Peak per meter: table 0 → 1 RCU, 120 → 2 WCU; index 60 → 1 RCU, 240 → 4 WCU.
        assert_eq!(
            e.provisioned_peak.units,
            Pair {
                read: 2.0,
                write: 6.0
            }
        );
        // Half a GiB each: 1 GiB at $0.25.
        assert_eq!(e.storage_bytes, 1073741824.0);
        assert!(close(e.storage, 0.25));
    }

    // Storage counts 100 bytes of overhead per item and per index entry, LSIs included.
    #[test]
    fn storage_adds_the_per_item_overhead() {
        let table = json!({
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "TableSizeBytes": 5000, "ItemCount": 10,
            "GlobalSecondaryIndexes": [{"IndexSizeBytes": 800, "ItemCount": 4}],
            "LocalSecondaryIndexes": [{"IndexSizeBytes": 300, "ItemCount": 2}]});
        let e = estimate(&json!({}), &table, NOW);
        // 5,000 + 1,000, 800 + 400, 300 + 200.
        assert_eq!(e.storage_bytes, 7700.0);
        assert!(close(e.storage, 7700.0 / GIB * 0.25));
    }

    // Standard-IA: cheaper storage, dearer throughput.
    #[test]
    fn the_table_class_picks_the_prices() {
        let minutes: Vec<Value> = (0..60)
            .rev()
            .map(|ago| minute(ago as f64, 100.0, 50.0))
            .collect();
        let metrics = json!({"Table": {"Minutes": minutes}});
        let table = json!({"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
                           "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
                           "TableSizeBytes": 10737418240u64});
        let e = estimate(&metrics, &table, NOW);
        assert_eq!(e.prices, STANDARD_IA);
        assert!(close(e.on_demand.write, 2.16 * 0.78125));
        assert!(close(e.storage, 1.0));
        assert!(e.assumptions[0].contains("Standard-IA"));
    }

    // Minutes older than the hour the engine keeps (the clock moved on) are not traffic now.
    #[test]
    fn old_minutes_and_no_traffic_cost_nothing() {
        let metrics = json!({"Table": {"Minutes": [minute(61.0, 600.0, 600.0)]}});
        let table = json!({"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}});
        let e = estimate(&metrics, &table, NOW);
        assert_eq!(e.observed, Pair::default());
        assert_eq!(e.on_demand.total(), 0.0);
        assert_eq!(e.window_minutes, 60.0);
        assert_eq!(
            e.provisioned_peak.units,
            Pair {
                read: 1.0,
                write: 1.0
            }
        );
        // Nothing in the metrics at all (a mangled value) is read as no traffic, not a panic.
        let e = estimate(&json!(null), &json!("not a table"), f64::NAN);
        assert_eq!(e.observed, Pair::default());
        assert_eq!(e.storage, 0.0);
    }

    #[test]
    fn dollars_read_like_money() {
        assert_eq!(dollars(0.0), "$0.00");
        assert_eq!(dollars(0.00004), "< $0.0001");
        assert_eq!(dollars(0.0042), "$0.0042");
        assert_eq!(dollars(0.468), "$0.47");
        assert_eq!(dollars(1234567.891), "$1,234,567.89");
        assert_eq!(dollars(f64::NAN), "$0.00");
    }
}
