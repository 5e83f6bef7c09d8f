-- PutItem of 1 KB items under distinct keys for `cargo xtask bench-server` (see common.lua).
package.path = "tests/bench/wrk/?.lua;" .. package.path
local common = require("common")

setup = common.setup
init = common.init
done = common.done
request = common.put
