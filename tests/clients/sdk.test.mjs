// Real-client test: the AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb and lib-dynamodb's
// document client) against a running Dynaplay server at $DYNAMODB_ENDPOINT, one scenario in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ConditionalCheckFailedException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  GetCommand,
  UpdateCommand,
  DeleteCommand,
  QueryCommand,
  ScanCommand,
  BatchWriteCommand,
  BatchGetCommand,
} from '@aws-sdk/lib-dynamodb';

const TABLE = 'SdkOrders';
const endpoint = process.env.DYNAMODB_ENDPOINT;

/** Like DynamoDB, a server may create and delete tables in the background: wait for ACTIVE or GONE. */
async function waitForTable(client, want) {
  for (let i = 0; i < 300; i++) {
    const status = await client.send(new DescribeTableCommand({ TableName: TABLE })).then(
      (out) => out.Table.TableStatus,
      (e) => {
        if (e instanceof ResourceNotFoundException) return 'GONE';
        throw e;
      },
    );
    if (status === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`table ${TABLE} never became ${want}`);
}

test('create, put, get, update, batch, query, scan, conditional put, delete', async () => {
  assert.ok(endpoint, 'set DYNAMODB_ENDPOINT');
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynaplay', secretAccessKey: 'dynaplay' },
    maxAttempts: 1,
  });
  const docs = DynamoDBDocumentClient.from(client);
  try {
    await client.send(new DeleteTableCommand({ TableName: TABLE })).catch((e) => {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    });
    await waitForTable(client, 'GONE');

    const { TableDescription } = await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [
          { AttributeName: 'customer', AttributeType: 'S' },
          { AttributeName: 'order_id', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'customer', KeyType: 'HASH' },
          { AttributeName: 'order_id', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    assert.equal(TableDescription.TableName, TABLE);
    assert.deepEqual(TableDescription.KeySchema.map((k) => k.KeyType), ['HASH', 'RANGE']);
    await waitForTable(client, 'ACTIVE');

    const item = { customer: 'alice', order_id: 1, product: 'book', quantity: 1 };
    await docs.send(new PutCommand({ TableName: TABLE, Item: item }));
    const got = await docs.send(new GetCommand({ TableName: TABLE, Key: { customer: 'alice', order_id: 1 } }));
    assert.deepEqual(got.Item, item);

    const updated = await docs.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { customer: 'alice', order_id: 1 },
        UpdateExpression: 'SET product = :p ADD quantity :n',
        ExpressionAttributeValues: { ':p': 'lamp', ':n': 2 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    assert.deepEqual(updated.Attributes, { product: 'lamp', quantity: 3 });

    const written = await docs.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { customer: 'alice', order_id: 2 } } },
            { PutRequest: { Item: { customer: 'alice', order_id: 3 } } },
            { PutRequest: { Item: { customer: 'bob', order_id: 1 } } },
          ],
        },
      }),
    );
    assert.deepEqual(written.UnprocessedItems, {});

    const queried = await docs.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'customer = :c AND order_id >= :o',
        ExpressionAttributeValues: { ':c': 'alice', ':o': 2 },
      }),
    );
    assert.deepEqual(queried.Items.map((i) => i.order_id), [2, 3]);

    const scanned = await docs.send(new ScanCommand({ TableName: TABLE }));
    assert.equal(scanned.Count, 4);

    const batch = await docs.send(
      new BatchGetCommand({
        RequestItems: { [TABLE]: { Keys: [{ customer: 'alice', order_id: 1 }, { customer: 'bob', order_id: 1 }] } },
      }),
    );
    assert.deepEqual(batch.Responses[TABLE].map((i) => i.customer).sort(), ['alice', 'bob']);

    await assert.rejects(
      docs.send(
        new PutCommand({
          TableName: TABLE,
          Item: { customer: 'alice', order_id: 1 },
          ConditionExpression: 'attribute_not_exists(customer)',
        }),
      ),
      (error) => {
        assert.ok(error instanceof ConditionalCheckFailedException, `got ${error.name}: ${error.message}`);
        assert.equal(error.message, 'The conditional request failed');
        return true;
      },
    );

    const deleted = await docs.send(
      new DeleteCommand({ TableName: TABLE, Key: { customer: 'alice', order_id: 1 }, ReturnValues: 'ALL_OLD' }),
    );
    assert.equal(deleted.Attributes.product, 'lamp');
    const gone = await docs.send(new GetCommand({ TableName: TABLE, Key: { customer: 'alice', order_id: 1 } }));
    assert.equal(gone.Item, undefined);

    await client.send(new DeleteTableCommand({ TableName: TABLE }));
    await waitForTable(client, 'GONE');
    const { TableNames } = await client.send(new ListTablesCommand({}));
    assert.ok(!TableNames.includes(TABLE));
  } finally {
    client.destroy();
  }
});
