-- wrk: POST /api/dsure/verify with valid (保証契約番号, 認証キー) pairs, a different one each request.
-- PAIRS = a CSV file of "number,key" lines (bench/seed.py --sample-out).
-- TARGET_PATH = the path to POST to (default /api/dsure/verify; bench/scale.py sends the same
-- bodies to the bare Litestar app's /bare for its POST baseline).
local path = os.getenv("PAIRS")
local target = os.getenv("TARGET_PATH") or "/api/dsure/verify"
local bodies = {}
for line in io.lines(path) do
  local number, key = line:match("^(%d+),(%w+)")
  if number then
    bodies[#bodies + 1] = string.format('{"contract_number":"%s","auth_key":"%s"}', number, key)
  end
end
assert(#bodies > 0, "no pairs in " .. path)
local index = 0
local headers = {["Content-Type"] = "application/json"}

function init(args)
  -- each wrk thread starts somewhere else in the list
  index = math.random(#bodies)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", target, headers, bodies[index])
end
