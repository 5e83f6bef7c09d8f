#!/usr/bin/env bash
# Real-client test: the AWS CLI (v1) against a running Dynaplay server at $DYNAMODB_ENDPOINT.
# Runs create-table, put, get, update, batch-write, query, scan, batch-get, a failing conditional put,
# delete and delete-table, checking each answer. Credentials and region come from the environment.
set -euo pipefail

: "${DYNAMODB_ENDPOINT:?set DYNAMODB_ENDPOINT, e.g. http://127.0.0.1:8000}"
TABLE="CliOrders"
passed=0

ddb() {
  aws dynamodb "$@" --endpoint-url "$DYNAMODB_ENDPOINT" --region us-east-1 --output json
}

# expect LABEL ACTUAL EXPECTED
expect() {
  if [[ "$2" != "$3" ]]; then
    echo "FAIL $1: expected [$3], got [$2]" >&2
    exit 1
  fi
  passed=$((passed + 1))
  echo "ok $1"
}

# Like DynamoDB, a server may answer CreateTable with CREATING and DeleteTable with DELETING:
# wait until the table is ACTIVE, or gone, before going on.
wait_for_table() { # wait_for_table ACTIVE|GONE
  for _ in $(seq 60); do
    if status=$(ddb describe-table --table-name "$TABLE" 2>/dev/null | jq -r .Table.TableStatus); then
      [[ "$1" == ACTIVE && "$status" == ACTIVE ]] && return 0
    else
      [[ "$1" == GONE ]] && return 0
    fi
    sleep 0.2
  done
  echo "FAIL table $TABLE never became $1" >&2
  exit 1
}

# Leftovers from an earlier run on the same server would make the answers differ.
ddb delete-table --table-name "$TABLE" >/dev/null 2>&1 || true
wait_for_table GONE

out=$(ddb create-table --table-name "$TABLE" \
  --attribute-definitions AttributeName=customer,AttributeType=S AttributeName=order_id,AttributeType=N \
  --key-schema AttributeName=customer,KeyType=HASH AttributeName=order_id,KeyType=RANGE \
  --billing-mode PAY_PER_REQUEST)
expect "create-table names the table" "$(jq -r .TableDescription.TableName <<<"$out")" "$TABLE"
expect "create-table key schema" "$(jq -c '[.TableDescription.KeySchema[].KeyType]' <<<"$out")" '["HASH","RANGE"]'
wait_for_table ACTIVE

ddb put-item --table-name "$TABLE" \
  --item '{"customer":{"S":"alice"},"order_id":{"N":"1"},"product":{"S":"book"},"quantity":{"N":"1"}}' >/dev/null
out=$(ddb get-item --table-name "$TABLE" --key '{"customer":{"S":"alice"},"order_id":{"N":"1"}}')
expect "get-item returns the item" "$(jq -c '.Item | {customer, order_id, product, quantity}' <<<"$out")" \
  '{"customer":{"S":"alice"},"order_id":{"N":"1"},"product":{"S":"book"},"quantity":{"N":"1"}}'

out=$(ddb update-item --table-name "$TABLE" --key '{"customer":{"S":"alice"},"order_id":{"N":"1"}}' \
  --update-expression 'SET product = :p ADD quantity :n' \
  --expression-attribute-values '{":p":{"S":"lamp"},":n":{"N":"2"}}' --return-values UPDATED_NEW)
expect "update-item returns the new values" "$(jq -c '.Attributes | {product, quantity}' <<<"$out")" \
  '{"product":{"S":"lamp"},"quantity":{"N":"3"}}'

out=$(ddb batch-write-item --request-items "{\"$TABLE\": [
  {\"PutRequest\": {\"Item\": {\"customer\": {\"S\": \"alice\"}, \"order_id\": {\"N\": \"2\"}}}},
  {\"PutRequest\": {\"Item\": {\"customer\": {\"S\": \"alice\"}, \"order_id\": {\"N\": \"3\"}}}},
  {\"PutRequest\": {\"Item\": {\"customer\": {\"S\": \"bob\"}, \"order_id\": {\"N\": \"1\"}}}}]}")
expect "batch-write-item leaves nothing unprocessed" "$(jq -c '.UnprocessedItems' <<<"$out")" '{}'

out=$(ddb query --table-name "$TABLE" --key-condition-expression 'customer = :c AND order_id >= :o' \
  --expression-attribute-values '{":c":{"S":"alice"},":o":{"N":"2"}}')
expect "query returns alice's later orders in key order" "$(jq -c '[.Items[].order_id.N]' <<<"$out")" '["2","3"]'

out=$(ddb scan --table-name "$TABLE")
expect "scan counts every item" "$(jq .Count <<<"$out")" 4

out=$(ddb batch-get-item --request-items "{\"$TABLE\": {\"Keys\": [
  {\"customer\": {\"S\": \"alice\"}, \"order_id\": {\"N\": \"1\"}},
  {\"customer\": {\"S\": \"bob\"}, \"order_id\": {\"N\": \"1\"}}]}}")
expect "batch-get-item returns both items" \
  "$(jq -c "[.Responses.$TABLE[].customer.S] | sort" <<<"$out")" '["alice","bob"]'

if err=$(ddb put-item --table-name "$TABLE" \
  --item '{"customer":{"S":"alice"},"order_id":{"N":"1"}}' \
  --condition-expression 'attribute_not_exists(customer)' 2>&1); then
  echo "FAIL conditional put-item: it succeeded on an existing item" >&2
  exit 1
fi
expect "conditional put-item fails with ConditionalCheckFailedException" \
  "$(grep -o 'ConditionalCheckFailedException' <<<"$err" | head -1)" ConditionalCheckFailedException

out=$(ddb delete-item --table-name "$TABLE" --key '{"customer":{"S":"alice"},"order_id":{"N":"1"}}' \
  --return-values ALL_OLD)
expect "delete-item returns the old item" "$(jq -r .Attributes.product.S <<<"$out")" lamp
out=$(ddb get-item --table-name "$TABLE" --key '{"customer":{"S":"alice"},"order_id":{"N":"1"}}')
# A get-item that finds nothing answers `{}`, which the CLI prints as nothing at all.
expect "the deleted item is gone" "$(jq -c '.Item // "none"' <<<"${out:-"{}"}")" '"none"'

ddb delete-table --table-name "$TABLE" >/dev/null
wait_for_table GONE
out=$(ddb list-tables)
expect "delete-table removes the table" "$(jq -c "[.TableNames[] | select(. == \"$TABLE\")]" <<<"$out")" '[]'

echo "AWS CLI: $passed passed, 0 failed"
