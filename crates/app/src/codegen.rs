//! Turns a DynamoDB request (operation name and JSON body) into the same call written for the AWS CLI,
//! the JavaScript SDK v3 and Python's boto3, so every request made in the playground can be copied.
//! Pure: it compiles and is tested on the host, and `cargo xtask test` runs its output for real.

use serde_json::{Map, Value};

/// The three languages the playground writes code in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Cli,
    JavaScript,
    Python,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Cli, Language::JavaScript, Language::Python];

    pub fn label(self) -> &'static str {
        match self {
            Language::Cli => "AWS CLI",
            Language::JavaScript => "JavaScript (SDK v3)",
            Language::Python => "Python (boto3)",
        }
    }

    /// A short id for element ids and test selectors.
    pub fn id(self) -> &'static str {
        match self {
            Language::Cli => "cli",
            Language::JavaScript => "js",
            Language::Python => "python",
        }
    }
}

/// Where the generated code sends its request: real AWS (the default) or a local endpoint such as
/// `dynaplay-server`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub endpoint: Option<String>,
    /// The region the request was addressed to in the global tables simulation (None: the
    /// client's default region); real global tables are reached the same way, by client region.
    pub region: Option<String>,
}

/// Why no code could be written: the body is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnObject;

impl std::fmt::Display for NotAnObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("The request body is not a JSON object, so there is no code to show for it.")
    }
}

/// The service an operation belongs to: `Streams.GetRecords` is DynamoDB Streams' `GetRecords` (the
/// engine's name for it), anything else DynamoDB's.
fn service(operation: &str) -> (bool, &str) {
    match operation.strip_prefix("Streams.") {
        Some(op) => (true, op),
        None => (false, operation),
    }
}

/// Code for `operation` with the JSON `body`, in `language`.
pub fn generate(
    language: Language,
    operation: &str,
    body: &str,
    target: &Target,
) -> Result<String, NotAnObject> {
    let value: Value = serde_json::from_str(body).map_err(|_| NotAnObject)?;
    let Value::Object(map) = value else {
        return Err(NotAnObject);
    };
    // The global tables simulation's own calls: real global tables have no such operation.
    if let Some(op) = operation.strip_prefix("GlobalTables.") {
        let comment = match language {
            Language::JavaScript => "//",
            Language::Cli | Language::Python => "#",
        };
        return Ok(format!(
            "{comment} GlobalTables.{op} controls Dynaplay's global tables simulation itself;\n\
             {comment} real global tables have no such call (DescribeTable lists a table's Replicas).\n"
        ));
    }
    // The engine's DAX simulation has no AWS client of its own: say so rather than invent a command.
    if let Some(op) = operation.strip_prefix("Dax.") {
        let comment = match language {
            Language::JavaScript => "//",
            Language::Cli | Language::Python => "#",
        };
        let real = if ["Configure", "Describe", "Flush"].contains(&op) {
            format!(
                "{comment} Dax.{op} controls the simulation itself; real DAX has no such call.\n"
            )
        } else {
            format!(
                "{comment} Against a real DAX cluster, send {op} with the same parameters through a DAX client\n\
                 {comment} (the DAX SDK for your language), which speaks DAX's own protocol, not this one.\n"
            )
        };
        return Ok(format!(
            "{comment} Dax.{op} ran on Dynaplay's DAX simulation, not an AWS service.\n{real}"
        ));
    }
    Ok(match language {
        Language::Cli => cli(operation, &map, target),
        Language::JavaScript => javascript(operation, &map, target),
        Language::Python => python(operation, &map, target),
    })
}

/// Splits `PutItem` / `SSESpecification` into lower-case words joined by `sep`, the way botocore's
/// `xform_name` does: a new word starts at an upper-case letter after a lower-case one or a digit,
/// and at the last capital of a run of capitals followed by a lower-case letter.
fn words(name: &str, sep: char) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(sep);
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Operations the AWS CLI pages through by itself; `--no-paginate` keeps them to the one request shown.
const CLI_PAGINATED: &[&str] = &[
    "Query",
    "Scan",
    "ListTables",
    "ListBackups",
    "ListTagsOfResource",
];

/// Quotes a word for a POSIX shell when it needs quoting.
fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=@,+".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Does any attribute value in `value` hold binary data?
fn contains_binary(value: &Value) -> bool {
    match value {
        Value::Object(map) => binary_value(map).is_some() || map.values().any(contains_binary),
        Value::Array(items) => items.iter().any(contains_binary),
        _ => false,
    }
}

/// Put before CLI code with binary values: the two CLI versions read them differently.
const CLI_BINARY_NOTE: &str =
    "# B and BS values are base64 here, as AWS CLI v2 reads them; AWS CLI v1 would store\n\
                               # the base64 text itself as the bytes.\n";

fn cli(operation: &str, body: &Map<String, Value>, target: &Target) -> String {
    let (streams, operation) = service(operation);
    let note = if body.values().any(contains_binary) {
        CLI_BINARY_NOTE
    } else {
        ""
    };
    let command = if streams {
        "dynamodbstreams"
    } else {
        "dynamodb"
    };
    let mut lines = vec![format!("{note}aws {command} {}", words(operation, '-'))];
    for (name, value) in body {
        let flag = words(name, '-');
        let line = match value {
            Value::Bool(true) => format!("--{flag}"),
            Value::Bool(false) => format!("--no-{flag}"),
            Value::String(s) => format!("--{flag} {}", shell_quote(s)),
            Value::Number(n) => format!("--{flag} {n}"),
            // Structures and lists are passed as JSON, which the CLI accepts for every parameter.
            other => format!("--{flag} {}", shell_quote(&other.to_string())),
        };
        lines.push(line);
    }
    if CLI_PAGINATED.contains(&operation) {
        lines.push("--no-paginate".to_string());
    }
    if let Some(region) = &target.region {
        lines.push(format!("--region {}", shell_quote(region)));
    }
    if let Some(endpoint) = &target.endpoint {
        lines.push(format!("--endpoint-url {}", shell_quote(endpoint)));
    }
    lines.join(" \\\n  ")
}

/// Is this object an attribute value holding binary data (`{"B": "base64"}` / `{"BS": [...]}`)? SDKs
/// take bytes there, not the base64 text of the wire format.
fn binary_value(map: &Map<String, Value>) -> Option<(bool, &Value)> {
    if map.len() != 1 {
        return None;
    }
    match (map.get("B"), map.get("BS")) {
        (Some(v @ Value::String(_)), _) => Some((false, v)),
        (_, Some(v @ Value::Array(items))) if items.iter().all(Value::is_string) => Some((true, v)),
        _ => None,
    }
}

/// Writes `value` as a JavaScript or Python literal, pretty-printed (two-space indents in JavaScript,
/// four in Python, as their style guides have it).
struct Literal {
    python: bool,
    used_binary: bool,
}

impl Literal {
    fn string(s: &str) -> String {
        // JSON's string escapes are valid in both JavaScript and Python.
        Value::from(s).to_string()
    }

    fn bytes(&mut self, base64: &str) -> String {
        self.used_binary = true;
        if self.python {
            format!("base64.b64decode({})", Self::string(base64))
        } else {
            format!("Buffer.from({}, \"base64\")", Self::string(base64))
        }
    }

    fn write(&mut self, value: &Value, indent: usize, out: &mut String) {
        let unit = if self.python { "    " } else { "  " };
        let pad = unit.repeat(indent + 1);
        match value {
            Value::Null => out.push_str(if self.python { "None" } else { "null" }),
            Value::Bool(b) => out.push_str(match (self.python, b) {
                (true, true) => "True",
                (true, false) => "False",
                (false, true) => "true",
                (false, false) => "false",
            }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => out.push_str(&Self::string(s)),
            Value::Array(items) if items.is_empty() => out.push_str("[]"),
            Value::Object(map) if map.is_empty() => out.push_str("{}"),
            Value::Array(items) => {
                out.push_str("[\n");
                for item in items {
                    out.push_str(&pad);
                    self.write(item, indent + 1, out);
                    out.push_str(",\n");
                }
                out.push_str(&unit.repeat(indent));
                out.push(']');
            }
            Value::Object(map) => {
                if let Some((is_set, data)) = binary_value(map) {
                    let key = if is_set { "BS" } else { "B" };
                    let literal = match data {
                        Value::Array(items) => {
                            let parts: Vec<String> = items
                                .iter()
                                .map(|i| self.bytes(i.as_str().unwrap_or_default()))
                                .collect();
                            format!("[{}]", parts.join(", "))
                        }
                        other => self.bytes(other.as_str().unwrap_or_default()),
                    };
                    let key = if self.python {
                        Self::string(key)
                    } else {
                        key.to_string()
                    };
                    out.push_str(&format!("{{ {key}: {literal} }}"));
                    return;
                }
                out.push_str("{\n");
                for (key, item) in map {
                    out.push_str(&pad);
                    out.push_str(&self.key(key));
                    out.push_str(": ");
                    self.write(item, indent + 1, out);
                    out.push_str(",\n");
                }
                out.push_str(&unit.repeat(indent));
                out.push('}');
            }
        }
    }

    /// JavaScript writes a plain identifier key bare; everything else is a quoted string.
    fn key(&self, key: &str) -> String {
        let identifier = !self.python
            && key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if identifier {
            key.to_string()
        } else {
            Self::string(key)
        }
    }
}

fn javascript(operation: &str, body: &Map<String, Value>, target: &Target) -> String {
    let (streams, operation) = service(operation);
    let (client_class, package) = if streams {
        ("DynamoDBStreamsClient", "@aws-sdk/client-dynamodb-streams")
    } else {
        ("DynamoDBClient", "@aws-sdk/client-dynamodb")
    };
    let mut literal = Literal {
        python: false,
        used_binary: false,
    };
    let mut input = String::new();
    literal.write(&Value::Object(body.clone()), 0, &mut input);
    let command = format!("{operation}Command");
    let mut settings = Vec::new();
    if let Some(region) = &target.region {
        settings.push(format!("region: {}", Literal::string(region)));
    }
    if let Some(endpoint) = &target.endpoint {
        settings.push(format!("endpoint: {}", Literal::string(endpoint)));
    }
    let config = if settings.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", settings.join(", "))
    };
    let buffer_note = if literal.used_binary {
        "// Binary values are bytes (Buffer is a Uint8Array), not the base64 text of the wire format.\n"
    } else {
        ""
    };
    format!(
        "import {{ {client_class}, {command} }} from \"{package}\";\n\n\
         const client = new {client_class}({config});\n\
         {buffer_note}\
         const output = await client.send(new {command}({input}));\n\
         console.log(JSON.stringify(output, null, 2));\n"
    )
}

fn python(operation: &str, body: &Map<String, Value>, target: &Target) -> String {
    let (streams, operation) = service(operation);
    let service_name = if streams {
        "dynamodbstreams"
    } else {
        "dynamodb"
    };
    let mut literal = Literal {
        python: true,
        used_binary: false,
    };
    let mut arguments = String::new();
    for (name, value) in body {
        arguments.push_str("    ");
        arguments.push_str(name);
        arguments.push('=');
        literal.write(value, 1, &mut arguments);
        arguments.push_str(",\n");
    }
    let call = if arguments.is_empty() {
        format!("response = client.{}()\n", words(operation, '_'))
    } else {
        format!(
            "response = client.{}(\n{arguments})\n",
            words(operation, '_')
        )
    };
    let imports = if literal.used_binary {
        "import base64\n\nimport boto3\n"
    } else {
        "import boto3\n"
    };
    let mut settings = String::new();
    if let Some(region) = &target.region {
        settings.push_str(&format!(", region_name={}", Literal::string(region)));
    }
    if let Some(endpoint) = &target.endpoint {
        settings.push_str(&format!(", endpoint_url={}", Literal::string(endpoint)));
    }
    let client = format!("client = boto3.client(\"{service_name}\"{settings})\n");
    format!("{imports}\n{client}{call}print(response)\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The DAX simulation has no AWS client: its code is a note saying so, never an invented command.
    #[test]
    fn dax_simulation_requests_are_a_note() {
        let body = r#"{"TableName": "T", "Key": {"k": {"S": "a"}}}"#;
        let target = Target::default();
        let cli = generate(Language::Cli, "Dax.GetItem", body, &target).unwrap_or_default();
        assert!(cli.starts_with("# Dax.GetItem ran on Dynaplay's DAX simulation"));
        assert!(cli.contains("send GetItem with the same parameters through a DAX client"));
        let js = generate(Language::JavaScript, "Dax.Describe", "{}", &target).unwrap_or_default();
        assert!(js.contains("// Dax.Describe controls the simulation itself"));
    }

    fn code(language: Language, operation: &str, body: &str) -> String {
        generate(language, operation, body, &Target::default()).unwrap()
    }

    // Command, flag and method names follow botocore's rule, acronyms included.
    #[test]
    fn names_split_like_botocore() {
        assert_eq!(words("PutItem", '-'), "put-item");
        assert_eq!(words("BatchWriteItem", '_'), "batch_write_item");
        assert_eq!(words("SSESpecification", '-'), "sse-specification");
        assert_eq!(words("DescribeTimeToLive", '_'), "describe_time_to_live");
        assert_eq!(
            words("ExpressionAttributeValues", '-'),
            "expression-attribute-values"
        );
        assert_eq!(words("TableName", '-'), "table-name");
    }

    // Scalars become plain flags, booleans on/off flags, structures JSON in single quotes.
    #[test]
    fn cli_flags() {
        let text = code(
            Language::Cli,
            "Query",
            r#"{"TableName":"Music","KeyConditionExpression":"Artist = :a","ExpressionAttributeValues":{":a":{"S":"It's Me"}},"ScanIndexForward":false,"ConsistentRead":true,"Limit":2}"#,
        );
        assert_eq!(
            text,
            "aws dynamodb query \\\n  --table-name Music \\\n  --key-condition-expression 'Artist = :a' \\\n  \
             --expression-attribute-values '{\":a\":{\"S\":\"It'\\''s Me\"}}' \\\n  --no-scan-index-forward \\\n  \
             --consistent-read \\\n  --limit 2 \\\n  --no-paginate"
        );
    }

    #[test]
    fn cli_endpoint() {
        let text = generate(
            Language::Cli,
            "ListTables",
            "{}",
            &Target {
                endpoint: Some("http://127.0.0.1:8000".into()),
                ..Target::default()
            },
        )
        .unwrap();
        assert_eq!(
            text,
            "aws dynamodb list-tables \\\n  --no-paginate \\\n  --endpoint-url http://127.0.0.1:8000"
        );
    }

    // A request the playground sent to a simulated region names that region the way each client
    // picks one (real global tables are reached the same way); the simulation's own calls are a note.
    #[test]
    fn regions_are_the_clients_region() {
        let target = Target {
            region: Some("eu-west-1".into()),
            ..Target::default()
        };
        let body = r#"{"TableName":"Music"}"#;
        let cli = generate(Language::Cli, "DescribeTable", body, &target).unwrap_or_default();
        assert!(
            cli.ends_with("--table-name Music \\\n  --region eu-west-1"),
            "{cli}"
        );
        let js = generate(Language::JavaScript, "DescribeTable", body, &target).unwrap_or_default();
        assert!(
            js.contains("new DynamoDBClient({ region: \"eu-west-1\" })"),
            "{js}"
        );
        let py = generate(Language::Python, "DescribeTable", body, &target).unwrap_or_default();
        assert!(
            py.contains("boto3.client(\"dynamodb\", region_name=\"eu-west-1\")"),
            "{py}"
        );
        let note =
            generate(Language::Cli, "GlobalTables.Describe", "{}", &target).unwrap_or_default();
        assert!(note
            .starts_with("# GlobalTables.Describe controls Dynaplay's global tables simulation"));
        assert!(!note.contains("aws "));
    }

    #[test]
    fn javascript_command() {
        let text = code(
            Language::JavaScript,
            "GetItem",
            r#"{"TableName":"Music","Key":{"Artist":{"S":"A"},"my-attr":{"NULL":true}}}"#,
        );
        assert_eq!(
            text,
            r#"import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});
const output = await client.send(new GetItemCommand({
  TableName: "Music",
  Key: {
    Artist: {
      S: "A",
    },
    "my-attr": {
      NULL: true,
    },
  },
}));
console.log(JSON.stringify(output, null, 2));
"#
        );
    }

    #[test]
    fn python_call() {
        let text = code(
            Language::Python,
            "PutItem",
            r#"{"TableName":"Music","Item":{"Ok":{"BOOL":false},"Tags":{"SS":["a"]}}}"#,
        );
        assert_eq!(
            text,
            r#"import boto3

client = boto3.client("dynamodb")
response = client.put_item(
    TableName="Music",
    Item={
        "Ok": {
            "BOOL": False,
        },
        "Tags": {
            "SS": [
                "a",
            ],
        },
    },
)
print(response)
"#
        );
        assert_eq!(
            code(Language::Python, "ListTables", "{}"),
            "import boto3\n\nclient = boto3.client(\"dynamodb\")\nresponse = client.list_tables()\nprint(response)\n"
        );
    }

    // SDKs take bytes for B and BS; passing the base64 text would encode it twice.
    #[test]
    fn binary_values_become_bytes() {
        let body = r#"{"TableName":"T","Item":{"k":{"B":"AAE="},"s":{"BS":["AQ==","Ag=="]}}}"#;
        let js = code(Language::JavaScript, "PutItem", body);
        assert!(
            js.contains(r#"k: { B: Buffer.from("AAE=", "base64") }"#),
            "{js}"
        );
        assert!(
            js.contains(r#"BS: [Buffer.from("AQ==", "base64"), Buffer.from("Ag==", "base64")]"#),
            "{js}"
        );
        let cli = code(Language::Cli, "PutItem", body);
        assert!(cli.starts_with(CLI_BINARY_NOTE), "{cli}");
        assert!(!code(Language::Cli, "Scan", r#"{"TableName":"T"}"#).starts_with('#'));
        let py = code(Language::Python, "PutItem", body);
        assert!(py.starts_with("import base64\n"), "{py}");
        assert!(
            py.contains(r#""k": { "B": base64.b64decode("AAE=") }"#),
            "{py}"
        );
    }

    // The engine names the Streams API's operations `Streams.<op>`; the code uses that service's client.
    #[test]
    fn streams_operations_use_the_streams_clients() {
        let body = r#"{"ShardIterator":"abc"}"#;
        assert_eq!(
            code(Language::Cli, "Streams.GetRecords", body),
            "aws dynamodbstreams get-records \\\n  --shard-iterator abc"
        );
        let js = code(Language::JavaScript, "Streams.GetRecords", body);
        assert!(js.starts_with("import { DynamoDBStreamsClient, GetRecordsCommand } from \"@aws-sdk/client-dynamodb-streams\";"), "{js}");
        let py = code(Language::Python, "Streams.GetRecords", body);
        assert!(
            py.contains("boto3.client(\"dynamodbstreams\")\nresponse = client.get_records("),
            "{py}"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_has_no_code() {
        for body in ["[1]", "{", "\"x\""] {
            assert_eq!(
                generate(Language::Cli, "Scan", body, &Target::default()),
                Err(NotAnObject)
            );
        }
    }
}
