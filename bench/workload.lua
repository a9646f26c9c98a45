-- A CPU-bound Lua workload for bench/levels.py: calls, tables, strings,
-- closures and sorting, the mix a Lua program spends its time on.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end

local function strings(n)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = string.format("%d:%s", i, string.rep("x", i % 7)) end
  local s = table.concat(parts, ",")
  local count = 0
  for word in s:gmatch("%d+:x+") do count = count + #word end
  return count
end

local function tables(n)
  local t = {}
  local seed = 42
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    t[i] = { key = seed % 100000, name = "n" .. seed }
  end
  table.sort(t, function(a, b) return a.key < b.key end)
  local sum = 0
  for _, v in ipairs(t) do sum = sum + v.key end
  return sum
end

local function closures(n)
  local acc = 0
  local function adder(k) return function(x) return x + k end end
  for i = 1, n do acc = adder(i % 13)(acc) % 1000003 end
  return acc
end

print(fib(27), strings(60000), tables(40000), closures(400000))
