//! Sample datasets loadable with one click: small, realistic single-table designs, each a list of the
//! requests (CreateTable, then PutItems) that build it. Pure, so the host tests run them on the engine.

use serde_json::{json, Value};

/// One sample design.
pub struct Dataset {
    pub id: &'static str,
    pub title: &'static str,
    pub table: &'static str,
    /// What the design shows and what to try on it.
    pub description: &'static str,
    pub build: fn() -> Vec<(&'static str, Value)>,
}

pub const DATASETS: &[Dataset] = &[
    Dataset {
        id: "shop",
        title: "E-commerce: customers and orders",
        table: "Shop",
        description: "One table holds customers, their orders and order lines (PK = CUSTOMER#id or ORDER#id). \
                      The GSI ByStatus lists orders by status and date: query it with GSI1PK = \"STATUS#SHIPPED\".",
        build: shop,
    },
    Dataset {
        id: "music",
        title: "Music: artists, songs and playlists",
        table: "MusicLibrary",
        description: "Artists and their songs share a partition (PK = ARTIST#name, SK = SONG#title); playlists hold \
                      entries in order. The GSI ByGenre finds songs of a genre sorted by year; the LSI ByYear sorts \
                      an artist's songs by year.",
        build: music,
    },
];

fn s(text: &str) -> Value {
    json!({ "S": text })
}

fn n(number: impl ToString) -> Value {
    json!({ "N": number.to_string() })
}

fn put(table: &str, item: Value) -> (&'static str, Value) {
    ("PutItem", json!({ "TableName": table, "Item": item }))
}

fn shop() -> Vec<(&'static str, Value)> {
    let t = "Shop";
    let mut requests = vec![(
        "CreateTable",
        json!({
            "TableName": t,
            "AttributeDefinitions": [
                { "AttributeName": "PK", "AttributeType": "S" },
                { "AttributeName": "SK", "AttributeType": "S" },
                { "AttributeName": "GSI1PK", "AttributeType": "S" },
                { "AttributeName": "GSI1SK", "AttributeType": "S" }
            ],
            "KeySchema": [
                { "AttributeName": "PK", "KeyType": "HASH" },
                { "AttributeName": "SK", "KeyType": "RANGE" }
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "ByStatus",
                "KeySchema": [
                    { "AttributeName": "GSI1PK", "KeyType": "HASH" },
                    { "AttributeName": "GSI1SK", "KeyType": "RANGE" }
                ],
                "Projection": { "ProjectionType": "ALL" }
            }],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )];
    let customers = [
        ("c1", "Ada Lovelace", "ada@example.com", "London"),
        ("c2", "Grace Hopper", "grace@example.com", "New York"),
        (
            "c3",
            "Katherine Johnson",
            "katherine@example.com",
            "Hampton",
        ),
    ];
    for (id, name, email, city) in customers {
        requests.push(put(
            t,
            json!({
                "PK": s(&format!("CUSTOMER#{id}")), "SK": s("PROFILE"), "Type": s("Customer"),
                "Name": s(name), "Email": s(email), "City": s(city)
            }),
        ));
    }
    let statuses = ["PENDING", "SHIPPED", "DELIVERED", "SHIPPED"];
    let products = [
        ("Keyboard", 49.99),
        ("Monitor", 189.0),
        ("USB cable", 7.5),
        ("Desk lamp", 32.25),
    ];
    for i in 0..12usize {
        let order = format!("o{:03}", i + 1);
        let customer = customers[i % customers.len()].0;
        let status = statuses[i % statuses.len()];
        let date = format!("2026-0{}-{:02}", 1 + i % 9, 1 + (i * 7) % 28);
        let (product, price) = products[i % products.len()];
        let quantity = 1 + i % 3;
        let total = (price * quantity as f64 * 100.0).round() / 100.0;
        requests.push(put(
            t,
            json!({
                "PK": s(&format!("CUSTOMER#{customer}")), "SK": s(&format!("ORDER#{date}#{order}")),
                "Type": s("Order"), "OrderId": s(&order), "Status": s(status), "Total": n(total),
                "GSI1PK": s(&format!("STATUS#{status}")), "GSI1SK": s(&format!("{date}#{order}"))
            }),
        ));
        requests.push(put(
            t,
            json!({
                "PK": s(&format!("ORDER#{order}")), "SK": s(&format!("LINE#{product}")),
                "Type": s("OrderLine"), "Product": s(product), "Quantity": n(quantity), "Price": n(price)
            }),
        ));
    }
    requests
}

fn music() -> Vec<(&'static str, Value)> {
    let t = "MusicLibrary";
    let mut requests = vec![(
        "CreateTable",
        json!({
            "TableName": t,
            "AttributeDefinitions": [
                { "AttributeName": "PK", "AttributeType": "S" },
                { "AttributeName": "SK", "AttributeType": "S" },
                { "AttributeName": "Genre", "AttributeType": "S" },
                { "AttributeName": "Year", "AttributeType": "N" }
            ],
            "KeySchema": [
                { "AttributeName": "PK", "KeyType": "HASH" },
                { "AttributeName": "SK", "KeyType": "RANGE" }
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "ByGenre",
                "KeySchema": [
                    { "AttributeName": "Genre", "KeyType": "HASH" },
                    { "AttributeName": "Year", "KeyType": "RANGE" }
                ],
                "Projection": { "ProjectionType": "INCLUDE", "NonKeyAttributes": ["Title", "Artist"] },
                "ProvisionedThroughput": { "ReadCapacityUnits": 5, "WriteCapacityUnits": 5 }
            }],
            "LocalSecondaryIndexes": [{
                "IndexName": "ByYear",
                "KeySchema": [
                    { "AttributeName": "PK", "KeyType": "HASH" },
                    { "AttributeName": "Year", "KeyType": "RANGE" }
                ],
                "Projection": { "ProjectionType": "KEYS_ONLY" }
            }],
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": { "ReadCapacityUnits": 5, "WriteCapacityUnits": 5 }
        }),
    )];
    let songs = [
        ("The Beatles", "Let It Be", "Rock", 1970, 243),
        ("The Beatles", "Yesterday", "Rock", 1965, 125),
        ("The Beatles", "Here Comes the Sun", "Rock", 1969, 185),
        ("Miles Davis", "So What", "Jazz", 1959, 562),
        ("Miles Davis", "Blue in Green", "Jazz", 1959, 337),
        ("Nina Simone", "Feeling Good", "Jazz", 1965, 176),
        ("Daft Punk", "One More Time", "Electronic", 2000, 320),
        ("Daft Punk", "Get Lucky", "Electronic", 2013, 369),
        ("Aretha Franklin", "Respect", "Soul", 1967, 147),
    ];
    let mut artists: Vec<&str> = songs.iter().map(|s| s.0).collect();
    artists.dedup();
    for artist in &artists {
        requests.push(put(
            t,
            json!({ "PK": s(&format!("ARTIST#{artist}")), "SK": s("PROFILE"), "Type": s("Artist"), "Name": s(artist) }),
        ));
    }
    for (artist, title, genre, year, seconds) in songs {
        requests.push(put(
            t,
            json!({
                "PK": s(&format!("ARTIST#{artist}")), "SK": s(&format!("SONG#{title}")), "Type": s("Song"),
                "Artist": s(artist), "Title": s(title), "Genre": s(genre), "Year": n(year), "Seconds": n(seconds)
            }),
        ));
    }
    let playlists = [
        (
            "Sunday morning",
            vec![
                ("Here Comes the Sun", "The Beatles"),
                ("Blue in Green", "Miles Davis"),
                ("Feeling Good", "Nina Simone"),
            ],
        ),
        (
            "Party",
            vec![
                ("One More Time", "Daft Punk"),
                ("Get Lucky", "Daft Punk"),
                ("Respect", "Aretha Franklin"),
            ],
        ),
    ];
    for (name, entries) in playlists {
        requests.push(put(
            t,
            json!({
                "PK": s(&format!("PLAYLIST#{name}")), "SK": s("META"), "Type": s("Playlist"), "Name": s(name),
                "Tags": { "SS": ["shared", "favourites"] }
            }),
        ));
        for (i, (title, artist)) in entries.into_iter().enumerate() {
            requests.push(put(
                t,
                json!({
                    "PK": s(&format!("PLAYLIST#{name}")), "SK": s(&format!("ENTRY#{:03}", i + 1)),
                    "Type": s("PlaylistEntry"), "Title": s(title), "Artist": s(artist)
                }),
            ));
        }
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynaplay_engine::{clock::ManualClock, Engine};

    // Every request of every dataset succeeds on a fresh engine, and the GSI answers the query the
    // description suggests.
    #[test]
    fn every_dataset_loads() {
        for dataset in DATASETS {
            let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
            let requests = (dataset.build)();
            assert_eq!(requests[0].1["TableName"], dataset.table);
            for (operation, body) in requests {
                let response = engine.dispatch(operation, &body.to_string());
                assert_eq!(
                    response.status, 200,
                    "{}: {operation}: {}",
                    dataset.id, response.body
                );
            }
        }
    }

    #[test]
    fn the_shop_gsi_finds_shipped_orders() {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
        for (operation, body) in shop() {
            engine.dispatch(operation, &body.to_string());
        }
        let answer = engine
            .call(
                "Query",
                &json!({
                    "TableName": "Shop", "IndexName": "ByStatus",
                    "KeyConditionExpression": "GSI1PK = :s",
                    "ExpressionAttributeValues": { ":s": { "S": "STATUS#SHIPPED" } }
                })
                .to_string(),
            )
            .unwrap();
        assert_eq!(answer["Count"], 6);
    }
}
