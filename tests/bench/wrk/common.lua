-- Shared by every wrk script of `cargo xtask bench-server`: the table the command preloaded, the
-- DynamoDB JSON 1.0 headers, the request bodies and a done() that prints one JSON line.
--
-- Requests are not signed: every server measured checks only that an Authorization header of the
-- SigV4 shape and a date are present, so a fixed one costs nothing and keeps the load generator's
-- own work the same for all of them.

local M = {}

M.table_name = os.getenv("BENCH_TABLE") or "bench"
-- Set by the xtask per wrk run, so a run's PutItem keys differ from every earlier run's.
M.run = os.getenv("BENCH_RUN") or "0"
-- The preloaded items: partitions p00000.. of 10 sort keys s00..s09 (the xtask writes the same).
M.partitions = tonumber(os.getenv("BENCH_PARTITIONS") or "1000")
M.per_partition = 10
-- pk + "p00000" (8), sk + "s00" (5), data (4) and this padding make 1,024 bytes, as DynamoDB
-- counts item size (attribute names plus values).
M.padding = string.rep("x", 1024 - 8 - 5 - 4)

local date = os.date("!%Y%m%dT%H%M%SZ")
local day = string.sub(date, 1, 8)

function M.headers(operation)
  return {
    ["X-Amz-Target"] = "DynamoDB_20120810." .. operation,
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Date"] = date,
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=bench/" .. day
      .. "/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
      .. "Signature=" .. string.rep("0", 64),
  }
end

local get_headers = M.headers("GetItem")
local put_headers = M.headers("PutItem")
local query_headers = M.headers("Query")

function M.key(p, s)
  return string.format('{"pk":{"S":"p%05d"},"sk":{"S":"s%02d"}}', p, s)
end

-- A GetItem of a random preloaded key.
function M.get()
  local p = math.random(0, M.partitions - 1)
  local s = math.random(0, M.per_partition - 1)
  local body = '{"TableName":"' .. M.table_name .. '","Key":' .. M.key(p, s) .. '}'
  return wrk.format("POST", "/", get_headers, body)
end

-- A Query of one random preloaded partition: its 10 items.
function M.query()
  local p = math.random(0, M.partitions - 1)
  local body = string.format(
    '{"TableName":"%s","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p%05d"}}}',
    M.table_name, p)
  return wrk.format("POST", "/", query_headers, body)
end

-- A PutItem of a 1 KB item under a key no other request of this run uses: the thread's id and a
-- counter under the run's tag (partition keys "w<run>-<thread>-<n>").
local written = 0
function M.put()
  written = written + 1
  local body = string.format(
    '{"TableName":"%s","Item":{"pk":{"S":"w%s-%d-%d"},"sk":{"S":"s00"},"data":{"S":"%s"}}}',
    M.table_name, M.run, thread_id or 0, written, M.padding)
  return wrk.format("POST", "/", put_headers, body)
end

-- Numbers the threads so their PutItem keys never collide, and seeds each one differently.
local threads = {}
local next_id = 0
function M.setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function M.init()
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

-- One line the xtask parses; latencies in microseconds. wrk counts any answer outside 2xx/3xx as
-- a status error, which the xtask reports.
function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,'
      .. '"status_errors":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end

return M
