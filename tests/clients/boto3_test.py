"""Real-client test: boto3 against a running Dynaplay server at $DYNAMODB_ENDPOINT.

One scenario, in order: create-table, put, get, update, batch-write, query, scan, batch-get, a
failing conditional put, delete and delete-table, checking each answer as a DynamoDB user would.
"""
import os
import sys
import time
import unittest

import boto3
from botocore.config import Config

TABLE = "Boto3Orders"


def key(customer, order_id):
    return {"customer": {"S": customer}, "order_id": {"N": str(order_id)}}


def wait_for_table(ddb, want):
    """Like DynamoDB, a server may create and delete tables in the background: wait for ACTIVE or GONE."""
    for _ in range(300):
        try:
            status = ddb.describe_table(TableName=TABLE)["Table"]["TableStatus"]
        except ddb.exceptions.ResourceNotFoundException:
            status = "GONE"
        if status == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"table {TABLE} never became {want}")


class Boto3Scenario(unittest.TestCase):
    def test_scenario(self):
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
            region_name="us-east-1",
            aws_access_key_id="dynaplay",
            aws_secret_access_key="dynaplay",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        try:
            ddb.delete_table(TableName=TABLE)
        except ddb.exceptions.ResourceNotFoundException:
            pass
        wait_for_table(ddb, "GONE")

        created = ddb.create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "customer", "AttributeType": "S"},
                {"AttributeName": "order_id", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "order_id", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]
        self.assertEqual(created["TableName"], TABLE)
        self.assertEqual([k["KeyType"] for k in created["KeySchema"]], ["HASH", "RANGE"])
        wait_for_table(ddb, "ACTIVE")

        item = {**key("alice", 1), "product": {"S": "book"}, "quantity": {"N": "1"}}
        ddb.put_item(TableName=TABLE, Item=item)
        self.assertEqual(ddb.get_item(TableName=TABLE, Key=key("alice", 1))["Item"], item)

        updated = ddb.update_item(
            TableName=TABLE,
            Key=key("alice", 1),
            UpdateExpression="SET product = :p ADD quantity :n",
            ExpressionAttributeValues={":p": {"S": "lamp"}, ":n": {"N": "2"}},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]
        self.assertEqual(updated, {"product": {"S": "lamp"}, "quantity": {"N": "3"}})

        written = ddb.batch_write_item(
            RequestItems={
                TABLE: [
                    {"PutRequest": {"Item": key("alice", 2)}},
                    {"PutRequest": {"Item": key("alice", 3)}},
                    {"PutRequest": {"Item": key("bob", 1)}},
                ]
            }
        )
        self.assertEqual(written["UnprocessedItems"], {})

        queried = ddb.query(
            TableName=TABLE,
            KeyConditionExpression="customer = :c AND order_id >= :o",
            ExpressionAttributeValues={":c": {"S": "alice"}, ":o": {"N": "2"}},
        )
        self.assertEqual([i["order_id"]["N"] for i in queried["Items"]], ["2", "3"])

        self.assertEqual(ddb.scan(TableName=TABLE)["Count"], 4)

        got = ddb.batch_get_item(
            RequestItems={TABLE: {"Keys": [key("alice", 1), key("bob", 1)]}}
        )["Responses"][TABLE]
        self.assertEqual(sorted(i["customer"]["S"] for i in got), ["alice", "bob"])

        with self.assertRaises(ddb.exceptions.ConditionalCheckFailedException) as failed:
            ddb.put_item(
                TableName=TABLE,
                Item=key("alice", 1),
                ConditionExpression="attribute_not_exists(customer)",
            )
        self.assertEqual(
            failed.exception.response["Error"]["Message"], "The conditional request failed"
        )

        old = ddb.delete_item(TableName=TABLE, Key=key("alice", 1), ReturnValues="ALL_OLD")
        self.assertEqual(old["Attributes"]["product"], {"S": "lamp"})
        self.assertNotIn("Item", ddb.get_item(TableName=TABLE, Key=key("alice", 1)))

        ddb.delete_table(TableName=TABLE)
        wait_for_table(ddb, "GONE")
        self.assertNotIn(TABLE, ddb.list_tables()["TableNames"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
