-- 80/20 read/write mix for `cargo xtask bench-server` (see common.lua): GetItem of a random
-- preloaded key four times in five, PutItem of a new 1 KB item otherwise.
package.path = "tests/bench/wrk/?.lua;" .. package.path
local common = require("common")

setup = common.setup
init = common.init
done = common.done

function request()
  if math.random(1, 5) == 1 then
    return common.put()
  end
  return common.get()
end
