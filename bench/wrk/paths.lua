-- wrk: GET the paths listed in the file PATHS (one per line), in turn; -H headers apply to all.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
assert(#paths > 0, "no paths in " .. os.getenv("PATHS"))
local index = 0

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
