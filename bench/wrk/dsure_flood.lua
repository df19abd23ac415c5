-- wrk (LuaJIT, Lua 5.1): a D-Sure flood from many client addresses (bench/dsure_flood.py).
-- PAIRS = "number,key" lines; SECRET = the UI's forward secret (the data dir's ui-forward.secret), so the
-- API counts the address in x-hosho-client-ip; ADDRESSES = how many IPv4 addresses (198.18.0.0/15, the
-- benchmarking range) and as many IPv6 hosts spread over ADDRESSES / 16 /64s (2001:db8::/32);
-- WRONG = the share of attempts with a wrong key (the rest are correct pairs).
local bodies, wrong = {}, {}
for line in io.lines(os.getenv("PAIRS")) do
  local number, key = line:match("^(%d+),(%w+)")
  if number then
    bodies[#bodies + 1] = string.format('{"contract_number":"%s","auth_key":"%s"}', number, key)
    local first = key:sub(1, 1) == "2" and "3" or "2"
    wrong[#wrong + 1] = string.format('{"contract_number":"%s","auth_key":"%s"}', number, first .. key:sub(2))
  end
end
local secret = os.getenv("SECRET")
local addresses = tonumber(os.getenv("ADDRESSES") or "2000")
local wrong_share = tonumber(os.getenv("WRONG") or "0.8")

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

local floor = math.floor

local function address()
  local n = math.random(addresses)
  if math.random() < 0.5 then
    return string.format("198.%d.%d.%d", 18 + floor(n / 65536) % 2, floor(n / 256) % 256, n % 256)
  end
  local network = floor(n / 16)
  return string.format("2001:db8:%x:%x::%x", floor(network / 65536), network % 65536, n % 16 + 1)
end

function request()
  local index = math.random(#bodies)
  local body = math.random() < wrong_share and wrong[index] or bodies[index]
  local headers = {["Content-Type"] = "application/json", ["x-hosho-client-ip"] = address(),
                   ["x-hosho-forward-secret"] = secret}
  return wrk.format("POST", "/api/dsure/verify", headers, body)
end
