-- wrk script of the benchmarks.
--
-- Without arguments: the plain request of the URL (GET), answers counted by status.
-- With `-- <pool file> <threads>`: every request is the next one of a pool prepared by the
-- driver just before the run (run_bench.py): one request per line, tab-separated
-- (method, path, body, then header names and values). wrk's LuaJIT has no HMAC, so the
-- webhook signatures are computed in Python over a fresh timestamp; a run lasts seconds,
-- far inside the 5-minute tolerance window. Each wrk thread takes its own share of the
-- pool, so every request is a distinct event (no cheap "duplicate" answers); if a thread
-- runs out it starts again and reports it ("wrapped"), and the driver refuses the run.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function split_tabs(line)
   local cells = {}
   for cell in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(cells, cell)
   end
   return cells
end

function init(args)
   statuses = {}
   wrapped = 0
   pool = nil
   index = 0
   if args[1] == nil then
      return
   end
   local nthreads = tonumber(args[2]) or 1
   pool = {}
   local number = 0
   for line in io.lines(args[1]) do
      if number % nthreads == id then
         local cells = split_tabs(line)
         local headers = {}
         for i = 4, #cells - 1, 2 do
            headers[cells[i]] = cells[i + 1]
         end
         table.insert(pool, wrk.format(cells[1], cells[2], headers, cells[3]))
      end
      number = number + 1
   end
end

function request()
   if pool == nil then
      return wrk.request()
   end
   index = index + 1
   if index > #pool then
      index = 1
      wrapped = wrapped + 1
   end
   return pool[index]
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses") or {}
      local parts = {}
      for code, count in pairs(counts) do
         table.insert(parts, string.format('"%s": %d', code, count))
      end
      io.write(string.format('POOLSTAT {"statuses": {%s}, "wrapped": %d}\n',
         table.concat(parts, ", "), thread:get("wrapped") or 0))
   end
end
