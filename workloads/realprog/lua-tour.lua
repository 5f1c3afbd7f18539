-- lua-tour: the workload the real Lua 5.4 interpreter runs (embedded; see embed.c). A tour of the
-- language and its libraries whose output is deterministic: no addresses (no tostring of tables or
-- functions), no clock, no pairs() over string keys without sorting (Lua seeds its string hash
-- from the time), math.random only after math.randomseed, dates only in UTC ("!").

local function section(name) print(("== %s =="):format(name)) end

local function sortedkeys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) < type(b)
  end)
  return ks
end

-- A serializer with sorted keys, used for every table printed below.
local function show(v, depth)
  depth = depth or 0
  if type(v) == "table" then
    if depth > 4 then return "{...}" end
    local parts = {}
    for _, k in ipairs(sortedkeys(v)) do
      local key = type(k) == "string" and k or ("[" .. tostring(k) .. "]")
      parts[#parts + 1] = key .. "=" .. show(v[k], depth + 1)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(v) == "string" then
    return ("%q"):format(v)
  else
    return tostring(v)
  end
end

section("numbers")
print(7 // 2, 7 / 2, -7 // 2, 7 % -3, -7 % 3, 7.5 % 2, 2 ^ 10, 1e15, 1e16, 2^53)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, math.type(1), math.type(1.0), math.type("1"))
print(0x10, 0xff ~ 0x0f, 5 & 3, 5 | 3, ~0, 1 << 62, 1 << 64, -1 >> 60, 3.0 == 3, math.tointeger(3.0), math.tointeger(3.5))
print("10" + 5, "3" * "4", 10 .. 20, "0x10" + 0, tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("ff", 16), tonumber("8", 8))
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-2^63), math.fmod(-7, 3), math.huge, -math.huge, math.pi)
print(string.format("%.3f %5.1f %-6d| %+d %x %X %o %e %g %g %a", math.pi, -2.25, 42, 7, 255, 255, 8, 12345.678, 1e20, 0.1, 1.0))
print(0/0 ~= 0/0, math.ult(1, -1), 3 < 3.5, "a" < "b", "Z" < "a", "abc" < "abd", "" < "a")

section("strings")
local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower():reverse())
print(s:find("quick"), s:find("o", 20), s:find("l.z"), s:find("l.z", 1, true), s:match("(%a+) fox"), s:sub(-3), s:sub(5, 9), s:sub(0), s:sub(100))
print(s:gsub("o", "0"))
print(s:gsub("%w+", function(w) return #w > 4 and w:upper() or nil end))
print(s:gsub("(%w+) (%w+)", "%2 %1", 2))
print(("hello world"):gsub("o", { o = "[O]" }), ("x = 1, y = 22"):gsub("(%w+) = (%d+)", "%1:%2"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, "|"))
for k, v in ("a=1, bb=22, ccc=333"):gmatch("(%w+)=(%w+)") do io.write(k, "->", v, " ") end
print()
print(("%5s|%-5s|%.2s|%q"):format("ab", "cd", "efgh", 'a "quoted"\n\0string'))
print(("x"):rep(5), ("ab"):rep(3, ","), ("abc"):byte(1, -1))
print(string.char(72, 105, 33), ("%d%%"):format(50), ("[%10.4f]"):format(math.pi))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|", ("key: value"):match("^(%w+):%s*(.+)$"))
print(("2026-12-06"):match("(%d+)-(%d+)-(%d+)"))
print(("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]", 5))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #"häll€")
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
local packed = string.pack("<i4 i2 z s1 d", -2, 513, "zero", "len", 1.5)
print(#packed, string.unpack("<i4 i2 z s1 d", packed))
print(("%s %s %s"):format(nil, true, 12.0), tostring(1e100), 2^63, -0.0, 1/3)

section("tables")
local t = {}
for i = 1, 20 do t[#t + 1] = (i * 7) % 23 end
print(#t, table.concat(t, " "))
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " ", 1, 5))
table.insert(t, 1, 100)
table.insert(t, 50)
print(table.remove(t), table.remove(t, 1), #t, table.unpack(t, 1, 3))
print(select("#", table.unpack({ 1, nil, 3 }, 1, 3)), select(2, "a", "b", "c"), select(-1, "a", "b", "c"))
local moved = table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1)
print(table.concat(moved, ","), show(table.pack(1, nil, 3)))
local people = {
  { name = "ada", age = 36 }, { name = "alan", age = 41 }, { name = "grace", age = 85 },
  { name = "edsger", age = 72 }, { name = "barbara", age = 41 },
}
table.sort(people, function(a, b)
  if a.age ~= b.age then return a.age < b.age end
  return a.name < b.name
end)
for i, p in ipairs(people) do io.write(i, ".", p.name, "(", p.age, ") ") end
print()
local set = {}
for _, w in ipairs(words) do set[w:lower()] = (set[w:lower()] or 0) + 1 end
print(show(set))
local grid = {}
for r = 1, 3 do grid[r] = {} for c = 1, 3 do grid[r][c] = r * c end end
print(show(grid), #grid, rawlen(grid[1]), next({}), rawequal(grid, grid))

section("closures")
local function counter(start, step)
  local n = start
  return function() n = n + step return n end, function() return n end
end
local inc, get = counter(10, 5)
inc(); inc()
print(get(), inc(), get())
local fs = {}
for i = 1, 5 do fs[i] = function() return i * i end end
local acc = {}
for i = 1, 5 do acc[i] = fs[i]() end
print(table.concat(acc, " "))
local function memoize(f)
  local cache, calls = {}, 0
  return function(n)
    if cache[n] == nil then calls = calls + 1 cache[n] = f(n) end
    return cache[n]
  end, function() return calls end
end
local mfib, mcalls
mfib, mcalls = memoize(function(n) if n < 2 then return n end return mfib(n - 1) + mfib(n - 2) end)
print(mfib(80), mcalls())
local function compose(...)
  local fns = table.pack(...)
  return function(x) for i = fns.n, 1, -1 do x = fns[i](x) end return x end
end
print(compose(function(x) return x + 1 end, function(x) return x * 2 end, math.abs)(-21))
local function vsum(...) local s = 0 for _, v in ipairs({ ... }) do s = s + v end return s, select("#", ...) end
print(vsum(1, 2, 3, 4.5), (vsum(1, 2)))

section("recursion")
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
local moves = 0
local function hanoi(n, a, b, c) if n == 0 then return end hanoi(n - 1, a, c, b) moves = moves + 1 hanoi(n - 1, c, b, a) end
hanoi(10, "A", "B", "C")
print(fib(16), ack(2, 3), ack(3, 3), moves)
local function queens(n)
  local cols, d1, d2, count, first = {}, {}, {}, 0, nil
  local pos = {}
  local function place(r)
    if r > n then
      count = count + 1
      if not first then first = table.concat(pos, "") end
      return
    end
    for c = 1, n do
      if not cols[c] and not d1[r + c] and not d2[r - c + n] then
        cols[c], d1[r + c], d2[r - c + n], pos[r] = true, true, true, c
        place(r + 1)
        cols[c], d1[r + c], d2[r - c + n] = nil, nil, nil
      end
    end
  end
  place(1)
  return count, first
end
print(queens(6))
local function permute(a, n, out)
  n = n or #a
  if n <= 1 then out[#out + 1] = table.concat(a) return end
  for i = 1, n do
    a[i], a[n] = a[n], a[i]
    permute(a, n - 1, out)
    a[i], a[n] = a[n], a[i]
  end
end
local perms = {}
permute({ "a", "b", "c", "d" }, nil, perms)
table.sort(perms)
print(#perms, perms[1], perms[2], perms[24])
local depth = 0
local function deep(n) if n == 0 then return 0 end depth = depth + 1 return 1 + deep(n - 1) end
print(deep(1000), depth)

section("coroutines")
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i, i * i) end return "done" end)
end
local g = gen(3)
print(g()) print(g()) print(g()) print(g())
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "end", coroutine.isyieldable(), coroutine.status(coroutine.running())
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, "x", "y"))
print(coroutine.status(co), coroutine.resume(co))
local bad = coroutine.create(function() coroutine.yield(1) error("inside") end)
print(coroutine.resume(bad))
local okb, eb = coroutine.resume(bad)
print(okb, (eb:gsub("^.-:%d+: ", "")), coroutine.status(bad), coroutine.close(bad))
-- Producer/consumer with a filter in between.
local function producer() return coroutine.wrap(function() for i = 1, 30 do coroutine.yield(i) end end) end
local function filter(src, pred) return coroutine.wrap(function() for v in src do if pred(v) then coroutine.yield(v) end end end) end
local got = {}
for v in filter(producer(), function(v) return v % 3 == 0 or v % 5 == 0 end) do got[#got + 1] = v end
print(table.concat(got, ","))
local yp = coroutine.wrap(function()
  local ok2, e2 = pcall(function() coroutine.yield("yield inside pcall") error({ code = 7 }) end)
  coroutine.yield(ok2, type(e2), e2.code)
end)
print(yp()) print(yp())
local closer = coroutine.create(function() local _ <close> = setmetatable({}, { __close = function() print("closed by coroutine.close") end }) coroutine.yield() end)
coroutine.resume(closer)
print(coroutine.close(closer), coroutine.status(closer), coroutine.isyieldable())

section("errors")
print(pcall(error, "plain", 0))
print(select("#", pcall(error, { msg = "table" })), type(select(2, pcall(error, { msg = "table" }))))
print(select(2, pcall(error)))
local function lvl() error("with position", 1) end
local okp, ep = pcall(lvl)
print(okp, (ep:gsub("^.-:(%d+): ", "line:")))
print(pcall(function() local x = nil return x.field end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #nil end))
print(pcall(string.rep))
print(pcall(string.format, "%d", 1.5))
print(select("#", pcall(function() return 1, 2, 3 end)))
print(xpcall(function() error("boom") end, function(m) return "handled: " .. m:gsub("^.-:%d+: ", "") end))
print(pcall(assert, false, "assertion text"), pcall(assert, 1 == 1, "unused"))
local E = setmetatable({}, { __tostring = function(e) return "E(" .. e.code .. ")" end })
E.code = 404
local oke, ee = pcall(error, E)
print(oke, tostring(ee), ee == E)
do
  local log = {}
  do
    local a <close> = setmetatable({}, { __close = function(_, e) log[#log + 1] = "a:" .. tostring(e) end })
    local b <close> = setmetatable({}, { __close = function(_, e) log[#log + 1] = "b:" .. tostring(e) end })
  end
  local okc = pcall(function()
    local c <close> = setmetatable({}, { __close = function(_, e) log[#log + 1] = "c:" .. (e and "err" or "nil") end })
    error("x")
  end)
  print(okc, table.concat(log, " "))
end
print(pcall(setmetatable, 1, {}), (pcall(rawset, {}, nil, 1)))

section("metatables")
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
function Vec.__add(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
function Vec.__mul(a, k) return Vec.new(a.x * k, a.y * k) end
function Vec.__eq(a, b) return a.x == b.x and a.y == b.y end
function Vec.__lt(a, b) return a:len2() < b:len2() end
function Vec.__le(a, b) return a:len2() <= b:len2() end
function Vec.__tostring(v) return ("(%g, %g)"):format(v.x, v.y) end
function Vec.__len(v) return 2 end
function Vec.__unm(v) return Vec.new(-v.x, -v.y) end
function Vec.__concat(a, b) return tostring(a) .. tostring(b) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = Vec.new(1, 2), Vec.new(3, 4)
print(tostring(a + b), tostring(a * 3), a == Vec.new(1, 2), a < b, b <= a, #a, tostring(-a), a .. b)
local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({ name = name }, Animal) end
function Animal:speak() return self.name .. " makes " .. self:sound() end
function Animal:sound() return "a sound" end
local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name) return setmetatable(d, Dog) end
function Dog:sound() return "woof" end
print(Animal.new("cat"):speak(), Dog.new("rex"):speak(), getmetatable(Dog.new("x")) == Dog)
local defaults = setmetatable({}, { __index = function(_, k) return k .. "?" end })
print(defaults.foo, rawget(defaults, "foo"))
local log = {}
local proxy = setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) rawset(t, k, v) end })
proxy.a = 1 proxy.b = 2 proxy.a = 3
print(table.concat(log, " "), proxy.a)
local callable = setmetatable({}, { __call = function(self, x, y) return x + y, self == nil end })
print(callable(20, 22))
local ro = setmetatable({}, { __index = { k = 1 }, __newindex = function() error("read-only", 2) end, __metatable = "locked" })
print(ro.k, getmetatable(ro), pcall(setmetatable, ro, {}), (select(2, pcall(function() ro.k = 2 end)):gsub("^.-:%d+: ", "")))
local mt = { __index = function(t, i) return i * 10 end }
local arr = setmetatable({ 1, 2 }, mt)
print(arr[1], arr[5], #arr)

section("a little program: a stack machine")
-- Words: numbers push; + - * % < arithmetic; dup swap over drop; . prints; NAME: defines a label;
-- jz NAME pops and jumps if zero; jmp NAME jumps; halt stops.
local function run(src, limit)
  local stack, out, prog, labels = {}, {}, {}, {}
  for tok in src:gmatch("%S+") do
    local label = tok:match("^(%w+):$")
    -- Numbers are converted once, here: the loop below sees integers or words.
    if label then labels[label] = #prog + 1 else prog[#prog + 1] = math.tointeger(tonumber(tok)) or tok end
  end
  local function pop()
    local v = table.remove(stack)
    if v == nil then error("stack underflow", 0) end
    return v
  end
  local ops = {
    ["+"] = function(x, y) return x + y end, ["-"] = function(x, y) return x - y end,
    ["*"] = function(x, y) return x * y end, ["%"] = function(x, y) return x % y end,
    ["/"] = function(x, y) return x // y end, ["<"] = function(x, y) return x < y and 1 or 0 end,
  }
  local pc, steps = 1, 0
  local function target() return labels[prog[pc]] or error("no label " .. tostring(prog[pc]), 0) end
  while pc <= #prog do
    local tok = prog[pc]
    steps = steps + 1
    if steps > limit then error("step limit", 0) end
    pc = pc + 1
    if math.type(tok) == "integer" then stack[#stack + 1] = tok
    elseif ops[tok] then local y = pop() local x = pop() stack[#stack + 1] = ops[tok](x, y)
    elseif tok == "dup" then local x = pop() stack[#stack + 1] = x stack[#stack + 1] = x
    elseif tok == "swap" then local y = pop() local x = pop() stack[#stack + 1] = y stack[#stack + 1] = x
    elseif tok == "over" then local y = pop() local x = pop() stack[#stack + 1] = x stack[#stack + 1] = y stack[#stack + 1] = x
    elseif tok == "drop" then pop()
    elseif tok == "." then out[#out + 1] = pop()
    elseif tok == "jz" then local t = target() if pop() == 0 then pc = t else pc = pc + 1 end
    elseif tok == "jmp" then pc = target()
    elseif tok == "halt" then break
    else error("unknown word " .. tok, 0) end
  end
  return table.concat(out, " "), steps, #stack
end
-- The length of the Collatz chain of 1..12 (steps to reach 1).
local collatz = [[
      1
  next: dup 13 < jz done
      dup 0 swap
  step: dup 1 swap < jz end
      dup 2 % jz even
      3 * 1 + jmp count
  even: 2 /
  count: swap 1 + swap jmp step
  end: drop . 1 + jmp next
  done: drop halt
]]
print(run(collatz, 100000))
print(run("2 3 + 4 * . 10 3 % . 7 dup * . 1 2 over . . .", 100))
print(pcall(run, "1 2 frobnicate", 100))
print(pcall(run, "+", 100))
print(pcall(run, "loop: jmp loop", 200))

section("library odds and ends")
math.randomseed(42)
local r = {}
for i = 1, 8 do r[i] = math.random(1, 100) end
print(table.concat(r, " "), math.random(0) ~= nil, math.floor(math.random() * 1000))
print(os.date("!%Y-%m-%d %H:%M:%S", 0), os.date("!%A %B %j", 86400 * 365 * 30), os.time({ year = 2000, month = 1, day = 1, hour = 12, isdst = false }) ~= nil)
local dt = os.date("!*t", 1234567890)
print(dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec, dt.wday, dt.yday)
print(os.getenv("LUA_INIT"), os.getenv("NOPE"), type(os.clock()))
print(load("return 1 + 2")(), load("syntax error here"), type(load(function() return nil end)))
local env = { x = 5 }
print(load("x = x * 2 return x", "chunk", "t", env)(), env.x)
local pieces = { "return ", "'loaded ", "in pieces'" }
print(load(function() return table.remove(pieces, 1) end)())
print(string.dump ~= nil, #string.format("%99d", 1), collectgarbage("isrunning"), collectgarbage("step") ~= nil)
local weak = setmetatable({}, { __mode = "k" })
weak[{}] = 1
collectgarbage() collectgarbage()
print("weak entries after collect:", next(weak) == nil)
print(require("string") == string, package.loaded.math == math, type(package.path))
io.write("io.write ", 1, " ", 2.5, "\n")
io.stderr:write("a line on stderr from Lua\n")
local f = io.tmpfile()
if f then
  f:write("line one\n", "line two\n", 42, "\n")
  f:seek("set")
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  print(#lines, lines[2], f:seek("end"))
  f:close()
else
  print("no tmpfile")
end
print(io.open("/nonexistent/file"))
print(math.max(3, 7.5, -1), math.min(3, 7.5, -1), math.sqrt(2), math.exp(1), math.log(100, 10), math.log(8, 2), math.sin(math.pi / 6))
print(("done: %d sections"):format(10))
