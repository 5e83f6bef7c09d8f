// The entry esbuild bundles into dist/runtime/aws-sdk.js: the parts of the AWS SDK for JavaScript v3
// the example page and the e2e tests use, from npm (package.json pins 3.1013.0), so no CDN is needed.
export * from '@aws-sdk/client-dynamodb';
export {
  DynamoDBStreamsClient,
  ListStreamsCommand,
  DescribeStreamCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
} from '@aws-sdk/client-dynamodb-streams';
export {
  DynamoDBDocumentClient,
  PutCommand,
  GetCommand,
  QueryCommand as DocumentQueryCommand,
} from '@aws-sdk/lib-dynamodb';
